package lab_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// raftFolder assembles testdata/raft/good with bug's files (none for ""),
// as a student would hand it in, and returns it.
func raftFolder(t *testing.T, bug string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "raft1")
	err := copyDir("testdata/raft/good", dir)
	if bug != "" {
		err = errors.Join(err, copyDir(filepath.Join("testdata/raft/bugs", bug), dir))
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestRaftFolderPasses: a correct course-style raft1 folder, written in
// plain Go with goroutines, a Cond, timers and labgob, builds unchanged
// and passes the Raft scenarios.
func TestRaftFolderPasses(t *testing.T) {
	scenarios, seeds := "all", "3"
	if testing.Short() {
		scenarios, seeds = "initial-election,basic-agree,persist1,figure8,snapshot-basic", "2"
	}
	dir := raftFolder(t, "")
	code, out, errOut := kvsim(t, "lab", "--dir", dir, "--scenario", scenarios, "--seeds", seeds, "--parallel", "2")
	if code != 0 || !strings.Contains(out, " passed, 0 failed\n") {
		t.Fatalf("exit %d, want 0; output:\n%s%s", code, out, errOut)
	}
}

// TestRaftBugsFail: each mistake of the Raft zoo is found, by the
// scenario given, within a few seeds, and its repro line replays the run
// to the same trace hash.
func TestRaftBugsFail(t *testing.T) {
	bugs := []struct{ name, scenario, seeds string }{
		{"apply-under-lock-out-of-order", "unreliable-agree", "3"},
		{"no-persist-vote", "restart-voters", "3"},
		{"no-persist-on-append", "persist2", "2"},
		{"vote-without-up-to-date", "rejoin", "2"},
		{"snapshot-index-off-by-one", "snapshot-basic", "2"},
		{"install-snapshot-drops-suffix", "snapshot-overtaken", "1"},
		{"stale-reply", "stale-success", "1"},
	}
	for _, b := range bugs {
		t.Run(b.name, func(t *testing.T) {
			dir := raftFolder(t, b.name)
			code, out, errOut := kvsim(t, "lab", "--dir", dir, "--scenario", b.scenario, "--seeds", b.seeds, "--parallel", "2")
			fs := failures(t, out)
			if code != 1 || len(fs) == 0 {
				t.Fatalf("exit %d, want 1 with failures; output:\n%s%s", code, out, errOut)
			}
			if got := replay(t, fs[0].repro); got != fs[0].hash {
				t.Errorf("%s: trace hash %s, the campaign's was %s", fs[0].repro, got, fs[0].hash)
			}
		})
	}
}
