package kvsimtest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/zoo"
)

// recorder is a testing.TB that keeps failures instead of failing.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Fatal(args ...any)                 { r.failures = append(r.failures, fmt.Sprint(args...)) }
func (r *recorder) Fatalf(format string, args ...any) { r.Fatal(fmt.Sprintf(format, args...)) }
func (r *recorder) Errorf(format string, args ...any) { r.Fatal(fmt.Sprintf(format, args...)) }
func (r *recorder) Logf(string, ...any)               {}

func zooImpl(t *testing.T, name string) scenarios.Impl {
	for _, im := range zoo.All() {
		if im.Name == zoo.Prefix+name {
			return im
		}
	}
	t.Fatalf("no zoo bug %s", name)
	return scenarios.Impl{}
}

// TestFailFileReplaysFirst: a failure names its go test repro line and
// lands in the fail file, and the next Check replays that entry first.
func TestFailFileReplaysFirst(t *testing.T) {
	dir := t.TempDir()
	*flagArtifact = filepath.Join(dir, "artifacts")
	t.Cleanup(func() { *flagArtifact = "" })
	buggy := zooImpl(t, "server-ignores-version")
	buggy.Name = "my-server"

	first := &recorder{TB: t}
	Check(first, buggy, Options{Seeds: 200, FailDir: dir})
	if len(first.failures) != 1 {
		t.Fatalf("failures: %q", first.failures)
	}
	m := regexp.MustCompile(`replay: (go test -run '\^TestFailFileReplaysFirst\$' -kvsim.scenario=(\S+) -kvsim.seed=(\d+) -kvsim.faults=swarm)`).FindStringSubmatch(first.failures[0])
	if m == nil || !strings.Contains(first.failures[0], "impl=my-server") {
		t.Fatalf("no go test repro line naming the implementation:\n%s", first.failures[0])
	}
	report := regexp.MustCompile(`report: (\S+)`).FindStringSubmatch(first.failures[0])
	if report == nil {
		t.Fatalf("no report:\n%s", first.failures[0])
	}
	if _, err := os.Stat(report[1]); err != nil {
		t.Error(err)
	}
	failFile := filepath.Join(dir, "TestFailFileReplaysFirst.fail")
	text, err := os.ReadFile(failFile)
	if err != nil || !strings.Contains(string(text), fmt.Sprintf("%s %s swarm my-server\n", m[2], m[3])) {
		t.Fatalf("fail file %s: %v\n%s", failFile, err, text)
	}

	again := &recorder{TB: t}
	Check(again, buggy, Options{Seeds: 1, FailDir: dir})
	if len(again.failures) != 1 || !strings.Contains(again.failures[0], "seed="+m[3]+" ") {
		t.Fatalf("the fail file's seed %s was not replayed first: %q", m[3], again.failures)
	}

	fixed := &recorder{TB: t}
	Check(fixed, scenarios.Impl{Name: "my-server"}, Options{Seeds: 5, FailDir: dir})
	if len(fixed.failures) != 0 {
		t.Errorf("the fixed implementation fails: %q", fixed.failures)
	}
}

func TestNeedsAName(t *testing.T) {
	r := &recorder{TB: t}
	Check(r, scenarios.Impl{}, Options{Seeds: 1, FailDir: t.TempDir()})
	if len(r.failures) == 0 || !strings.Contains(r.failures[0], "needs a Name") {
		t.Errorf("failures: %q", r.failures)
	}
}
