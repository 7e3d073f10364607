package cli

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim/zoo"
)

func TestZooNames(t *testing.T) {
	code, out, _ := runKvsim("zoo", "--names")
	var want []string
	for _, im := range append(zoo.All(), zoo.Races()...) {
		want = append(want, im.Name)
	}
	slices.Sort(want)
	if got := strings.Fields(out); code != exitOK || !slices.Equal(got, want) {
		t.Errorf("exit %d, names %v; want %v", code, got, want)
	}
}

func TestZooDescribe(t *testing.T) {
	code, out, _ := runKvsim("zoo")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	flat := strings.Join(strings.Fields(out), " ")
	for _, im := range append(zoo.All(), zoo.Races()...) {
		if !strings.Contains(out, "\n"+im.Name+"\n") && !strings.HasPrefix(out, im.Name+"\n") {
			t.Errorf("%s is not described", im.Name)
		}
		if !strings.Contains(flat, strings.Join(strings.Fields(im.Doc), " ")) {
			t.Errorf("%s: its Doc is not printed", im.Name)
		}
	}
}

func TestZooMeasure(t *testing.T) {
	code, out, errOut := runKvsim("zoo", "--measure", "--starts", "2", "--max-seeds", "20")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1+len(zoo.All())+len(zoo.Races()) || !strings.HasPrefix(lines[0], "BUG ") {
		t.Fatalf("want a header and a row per bug:\n%s", out)
	}
	row := regexp.MustCompile(`^(zoo/\S+) +(\d)/2 +(>20|\d+) +(>?\S+) +(.+)$`)
	for _, line := range lines[1:] {
		if strings.HasPrefix(line, zoo.RacePrefix) {
			if !strings.Contains(line, "stress mode only: go run -race ./cmd/kvsim stress --impl "+zoo.RacePrefix) {
				t.Errorf("race bug row %q does not point to stress mode", line)
			}
			continue
		}
		m := row.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("bad row %q", line)
			continue
		}
		if _, err := time.ParseDuration(strings.TrimPrefix(m[4], ">")); err != nil {
			t.Errorf("%s: wall time %q: %v", m[1], m[4], err)
		}
		if m[2] != "0" && m[5] == "-" || m[2] == "0" && m[3] != ">20" {
			t.Errorf("inconsistent row %q", line)
		}
	}
}

func TestZooUsage(t *testing.T) {
	for _, args := range [][]string{
		{"zoo", "--names", "--measure"},
		{"zoo", "--starts", "3"},
		{"zoo", "--measure", "--starts", "0"},
		{"zoo", "--measure", "--max-seeds", "0"},
		{"zoo", "extra"},
	} {
		if code, _, errOut := runKvsim(args...); code != exitUsage {
			t.Errorf("%v: exit %d (%s), want %d", args, code, errOut, exitUsage)
		}
	}
}

func TestSummarizeDetections(t *testing.T) {
	found := func(seeds uint64, ms int, by string) detection {
		return detection{found: true, seeds: seeds, wall: time.Duration(ms) * time.Millisecond, caughtBy: by}
	}
	missed := detection{seeds: 100, wall: time.Second}
	cases := []struct {
		ds   []detection
		want string
	}{
		{[]detection{found(5, 10, "a ok"), found(1, 30, "b v"), found(3, 20, "b v")}, "3/3\t3\t20ms\tb v x2, a ok x1"},
		{[]detection{found(5, 10, "a v"), missed, missed}, "1/3\t>100\t>1s\ta v x1"},
		{[]detection{found(4, 10, "a v"), found(2, 5, "a v"), missed, found(9, 50, "a v")}, "3/4\t4\t10ms\ta v x3"},
		{[]detection{missed}, "0/1\t>100\t>1s\t-"},
	}
	for _, tc := range cases {
		if got := summarizeDetections(tc.ds, 100); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}
