package lab_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// shrinkOps is the minimal run's size in kvsim lab --shrink's output.
func shrinkOps(t *testing.T, out string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^minimal failing run: (\d+) ops? `).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no minimal failing run in the output:\n%s", out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestShrink: the shrink line of a failure finds a run of a few
// operations, prints it as a failing run with a repro line that replays
// exactly it (the same trace hash), and writes its artifacts, the report
// included.
func TestShrink(t *testing.T) {
	dir := filepath.Join(submissions, "lock-maybe-acquired")
	artifacts := t.TempDir()
	code, out, errOut := kvsim(t, "lab", "--dir", dir, "--scenario", "lock-counter", "--faults", "lossy", "--shrink", "--shrink-time", "3s", "--artifacts", artifacts)
	if code != 1 || !strings.Contains(out, "lock mutual exclusion") {
		t.Fatalf("exit %d, want 1 and a minimal run; output:\n%s%s", code, out, errOut)
	}
	// Two lock users, one round each, make 16; a campaign's smallest
	// failure of lock-counter has 16 (seed 71).
	if ops := shrinkOps(t, out); ops > 16 {
		t.Errorf("minimal run of %d ops, want at most 16", ops)
	}
	fs := failures(t, "FAIL "+strings.SplitN(out, "\n", 2)[1])
	if len(fs) != 1 || !strings.HasPrefix(fs[0].repro, "kvsim lab --dir "+dir+" --scenario lock-counter --seed ") || !strings.Contains(fs[0].repro, " --strategy 'replay:") {
		t.Fatalf("want one run whose repro line replays its choices, quoted; got %+v from:\n%s", fs, out)
	}
	// The shell takes the quotes off the choices.
	if got := replay(t, strings.ReplaceAll(fs[0].repro, "'", "")); got != fs[0].hash {
		t.Errorf("the repro line replays to trace hash %s; the minimal run's is %s", got, fs[0].hash)
	}
	if reports, _ := filepath.Glob(filepath.Join(artifacts, "*", "report.html")); len(reports) != 1 {
		t.Errorf("%d report.html under %s, want 1", len(reports), artifacts)
	}
}

// TestShrinkGetsSmall: without --scenario, each course-style bug shrinks
// to a handful of operations within the default budget. The bounds have a
// margin over what a quiet machine reaches (the search is bounded in wall
// time): clerk-resent-errversion 1, lock-fatal-on-maybe 3,
// lock-maybe-acquired 13, server-empty-is-absent 3, server-same-value 2.
func TestShrinkGetsSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("about 10 s a bug")
	}
	most := map[string]int{
		"clerk-resent-errversion": 2, "lock-fatal-on-maybe": 5, "lock-maybe-acquired": 16,
		"server-empty-is-absent": 5, "server-same-value": 3,
	}
	for bug, want := range most {
		t.Run(bug, func(t *testing.T) {
			code, out, errOut := kvsim(t, "lab", "--dir", filepath.Join(submissions, bug), "--shrink")
			if code != 1 {
				t.Fatalf("exit %d, want 1; output:\n%s%s", code, out, errOut)
			}
			ops := shrinkOps(t, out)
			t.Logf("%d ops: %s", ops, strings.SplitN(out, "\n", 2)[0])
			if ops > want {
				t.Errorf("minimal run of %d ops, want at most %d; output:\n%s", ops, want, out)
			}
		})
	}
}

// TestNoLockSaysSo: a folder without lock/ is tested with kvsim's own lock
// in the lock scenarios, and kvsim says so, once, when it runs one.
func TestNoLockSaysSo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nolock")
	if err := copyDir(filepath.Join(submissions, "server-empty-is-absent"), dir); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "lock")); err != nil {
		t.Fatal(err)
	}
	const say = "has no lock/: the lock scenarios (lock-counter, lock-swarm, lock-multi) test kvsim's own lock on the folder's clerk and server"
	// The server's bug shows through kvsim's lock, which stores "" when
	// it is free.
	code, out, errOut := kvsim(t, "lab", "--dir", dir, "--scenario", "lock-counter", "--seeds", "20")
	if code != 1 || strings.Count(errOut, say) != 1 || !strings.Contains(out, "impl=lab/nolock: violation: linearizability: key lock") {
		t.Errorf("exit %d, want 1, a failure and %q once; output:\n%s%s", code, say, out, errOut)
	}
	code, out, errOut = kvsim(t, "lab", "--dir", dir, "--scenario", "reliable-put", "--seeds", "2")
	if code != 0 || strings.Contains(errOut, say) {
		t.Errorf("a run of no lock scenario: exit %d, want 0 and nothing about the lock; output:\n%s%s", code, out, errOut)
	}
	code, out, errOut = kvsim(t, "lab", "--dir", "testdata/good", "--scenario", "lock-counter", "--seeds", "2")
	if code != 0 || strings.Contains(errOut, "lock/") {
		t.Errorf("a folder with a lock: exit %d, want 0 and nothing about the lock; output:\n%s%s", code, out, errOut)
	}
}

// TestShrinkSpinning: a folder whose handler spins is guarded while it
// shrinks as while it runs a campaign (the loop's budget stops it in the
// worker): the search ends within its budget with a minimal run that
// replays and a report.
func TestShrinkSpinning(t *testing.T) {
	dir := filepath.Join(submissions, "server-waits-for-version")
	artifacts := t.TempDir()
	start := time.Now()
	code, out, errOut := kvsim(t, "lab", "--dir", dir, "--scenario", "reliable-put", "--shrink", "--shrink-time", "2s", "--artifacts", artifacts)
	if code != 1 || !strings.Contains(out, "spinning: the loop at ") {
		t.Fatalf("exit %d, want 1 and the spinning loop; output:\n%s%s", code, out, errOut)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("the shrink took %v for a budget of 2s", took)
	}
	shrinkOps(t, out)
	if reports, _ := filepath.Glob(filepath.Join(artifacts, "*", "report.html")); len(reports) != 1 {
		t.Errorf("%d report.html under %s, want 1", len(reports), artifacts)
	}
}
