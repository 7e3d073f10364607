package cli

import (
	"bufio"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// tutorialStep is a kvsim command of docs/tutorial.md and, where the
// tutorial marks it checked, the output it shows for it: all of it
// (<!-- checked -->), or its first or last lines (<!-- checked: start -->,
// <!-- checked: end -->).
type tutorialStep struct {
	line int
	args []string
	want []string
	part string // "all", "start" or "end"
}

// checkedMark reads a checked marker: which part of the output follows.
var checkedMark = regexp.MustCompile(`^<!-- checked(?:: (start|end))? -->$`)

// wallTime is what a campaign says of wall time: the one thing in its
// output that changes from one run of the same command to the next.
var (
	wallTime = regexp.MustCompile(`in \d+(\.\d+)?s \(\d+ seeds/s\)`)
	// version is a failure's kvsim line: a commit where the reader built
	// kvsim, "(devel)" in a test binary.
	version = regexp.MustCompile(`^(\s+kvsim\s+)\S+$`)
)

// steady is an output line as compared: without trailing blanks, and with
// wall time, throughput and kvsim's version replaced by placeholders.
func steady(line string) string {
	line = wallTime.ReplaceAllString(strings.TrimRight(line, " "), "in Ts (R seeds/s)")
	return version.ReplaceAllString(line, "${1}V")
}

// compareOutput says how out differs from what the tutorial shows: line
// for line, every line of it (all), or its first (start) or last (end)
// lines, with nothing skipped or reordered.
func compareOutput(part string, want []string, out string) error {
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	switch part {
	case "start":
		got = got[:min(len(got), len(want))]
	case "end":
		got = got[max(0, len(got)-len(want)):]
	}
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = steady(got[i])
		}
		if i < len(want) {
			w = steady(want[i])
		}
		if g != w || i >= len(got) || i >= len(want) {
			return fmt.Errorf("line %d of the block (%s of the output) differs:\n\tshown:   %q\n\tprinted: %q", i+1, part, w, g)
		}
	}
	return nil
}

// readTutorial finds the commands of the tutorial's indented blocks (those
// starting "kvsim ", continued with "\", comments dropped; shell loops are
// left alone) and the checked output blocks, each belonging to the
// command before it.
func readTutorial(t *testing.T, path string) []tutorialStep {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var steps []tutorialStep
	var cmd strings.Builder
	checked, inOutput := "", false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		code, indented := strings.CutPrefix(line, "    ")
		switch m := checkedMark.FindStringSubmatch(strings.TrimSpace(line)); {
		case m != nil:
			checked = cmp.Or(m[1], "all")
			continue
		case !indented:
			if strings.TrimSpace(line) != "" {
				inOutput = false
			} else if inOutput {
				// A blank line inside the block, unless the block ends
				// here: trailing ones are dropped below.
				last := &steps[len(steps)-1]
				last.want = append(last.want, "")
			}
			continue
		case checked != "" || inOutput:
			if len(steps) == 0 {
				t.Fatalf("%s:%d: a checked output block with no command before it", path, n)
			}
			last := &steps[len(steps)-1]
			if checked != "" {
				if last.want != nil {
					t.Fatalf("%s:%d: a second checked output block for one command", path, n)
				}
				last.part = checked
			}
			last.want = append(last.want, code)
			checked, inOutput = "", true
			continue
		case cmd.Len() == 0 && !strings.HasPrefix(code, "kvsim "):
			continue
		}
		code, _, _ = strings.Cut(code, "#")
		code = strings.TrimSpace(code)
		more := strings.HasSuffix(code, `\`)
		cmd.WriteString(strings.TrimSuffix(code, `\`) + " ")
		if !more {
			steps = append(steps, tutorialStep{line: n, args: strings.Fields(cmd.String())[1:]})
			cmd.Reset()
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for i := range steps {
		for len(steps[i].want) > 0 && steps[i].want[len(steps[i].want)-1] == "" {
			steps[i].want = steps[i].want[:len(steps[i].want)-1]
		}
	}
	return steps
}

// TestTutorial runs every kvsim command of docs/tutorial.md, in a scratch
// directory, and checks each output the tutorial shows against what the
// command prints now, line for line (only wall time may differ), so that
// the tutorial cannot drift from the program.
func TestTutorial(t *testing.T) {
	if testing.Short() {
		t.Skip("the tutorial's campaigns take a while")
	}
	path, err := filepath.Abs(filepath.Join("..", "docs", "tutorial.md"))
	if err != nil {
		t.Fatal(err)
	}
	steps := readTutorial(t, path)
	if len(steps) < 5 {
		t.Fatalf("found %d commands in %s", len(steps), path)
	}
	t.Chdir(t.TempDir())
	checked := 0
	for _, st := range steps {
		code, out, errOut := runKvsim(st.args...)
		if code != exitOK && code != exitFailure {
			t.Errorf("tutorial.md:%d: kvsim %s: exit %d\n%s", st.line, strings.Join(st.args, " "), code, errOut)
			continue
		}
		if len(st.want) == 0 {
			continue
		}
		checked++
		if err := compareOutput(st.part, st.want, out); err != nil {
			t.Errorf("tutorial.md:%d: kvsim %s: %v\nthe whole output:\n%s", st.line, strings.Join(st.args, " "), err, out)
		}
	}
	if checked < 3 {
		t.Errorf("only %d outputs of the tutorial are checked", checked)
	}
}

// The comparison is of whole lines, in place: a line shown is not found
// just anywhere in the output.
func TestCompareOutput(t *testing.T) {
	out := "a\nb\nc\n2000 seeds in 2.5s (788 seeds/s)\n"
	for _, tc := range []struct {
		part string
		want []string
		ok   bool
	}{
		{"all", []string{"a", "b", "c", "2000 seeds in 9.1s (219 seeds/s)"}, true},
		{"all", []string{"a", "c", "2000 seeds in 9.1s (219 seeds/s)"}, false}, // a line left out
		{"all", []string{"a", "b", "c"}, false},                                // the end left out
		{"all", []string{"a", "b", "c", "2000 seeds in 9.1s (219 seeds/s)", ""}, false},
		{"all", []string{"a", "b", "c", "2001 seeds in 2.5s (788 seeds/s)"}, false},
		{"start", []string{"a", "b"}, true},
		{"start", []string{"b", "c"}, false}, // found, but not where shown
		{"end", []string{"c", "2000 seeds in 1s (1 seeds/s)"}, true},
		{"end", []string{"b", "c"}, false},
		{"start", []string{"a", "b", "c", "2000 seeds in 1s (1 seeds/s)", "d"}, false},
	} {
		if err := compareOutput(tc.part, tc.want, out); (err == nil) != tc.ok {
			t.Errorf("%s %q: %v, want ok=%v", tc.part, tc.want, err, tc.ok)
		}
	}
}
