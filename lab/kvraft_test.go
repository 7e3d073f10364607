package lab_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// kvraftFolder assembles a course tree with testdata/kvraft/good's
// kvraft1, bug's files over it (none for ""), and testdata/raft/good as
// the raft1 beside it, and returns the kvraft1 folder.
func kvraftFolder(t *testing.T, bug string) string {
	t.Helper()
	root := t.TempDir()
	err := errors.Join(copyDir("testdata/kvraft/good", root), copyDir("testdata/raft/good", filepath.Join(root, "raft1")))
	if bug != "" {
		err = errors.Join(err, copyDir(filepath.Join("testdata/kvraft/bugs", bug), root))
	}
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "kvraft1")
}

// TestKVRaftFolderPasses: a correct course-style kvraft1 folder (server,
// clerk and rsm in plain Go, on the raft1 beside it) builds unchanged and
// passes every scenario as a cluster.
func TestKVRaftFolderPasses(t *testing.T) {
	seeds := "3"
	if testing.Short() {
		seeds = "1"
	}
	code, out, errOut := kvsim(t, "lab", "--dir", kvraftFolder(t, ""), "--seeds", seeds, "--parallel", "2")
	if code != 0 || !strings.Contains(out, " passed, 0 failed\n") || !strings.Contains(out, "leader-cut") {
		t.Fatalf("exit %d, want 0 with the cluster scenarios; output:\n%s%s", code, out, errOut)
	}
}

// TestKVRaftFineVariants: folders that differ from testdata/kvraft/good
// in harmless ways build and pass: the 2026 skeleton's (StartKVServer
// returning []any, NewServer naming the Gid of the course's test.go, a
// raftapi without Kill), one that registers its wire types as pointers
// (which clashes with a registration of the values in the same process),
// and a tree whose own raftapi was changed (an ApplyMsg field added).
func TestKVRaftFineVariants(t *testing.T) {
	for _, variant := range []string{"skeleton2026", "fine-pointers", "own-raftapi"} {
		t.Run(variant, func(t *testing.T) {
			dir := kvraftFolder(t, "")
			if err := copyDir(filepath.Join("testdata/kvraft", variant), filepath.Dir(dir)); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := kvsim(t, "lab", "--dir", dir, "--scenario", "kv-swarm,leader-cut", "--seeds", "2", "--parallel", "2")
			if code != 0 || !strings.Contains(out, " passed, 0 failed\n") {
				t.Fatalf("exit %d, want 0; output:\n%s%s", code, out, errOut)
			}
		})
	}
}

// TestKVRaftFineFolderBehaviours: folders that do what the course allows
// in ways kvsim once failed, each on a scenario and seeds where it did,
// pass. vote-for-leader's Raft sets votedFor to the sender of an
// AppendEntries, so the leader's late RequestVote of its own term is
// granted again (kv-random seed 25 was a vote-once failure: a second
// vote, to a candidate that already led the term, elects nobody).
// server-maybe's rsm answers ErrMaybe when it gives up on an entry that
// may still commit, and its clerk resends on it (leader-cut was a Clerk
// contract failure in 14 of 20 seeds: ErrMaybe "although its first
// attempt got a reply (ErrMaybe)").
func TestKVRaftFineFolderBehaviours(t *testing.T) {
	for _, v := range []struct{ variant, scenario, start, seeds string }{
		{"vote-for-leader", "kv-random", "25", "1"},
		{"server-maybe", "leader-cut", "0", "3"},
	} {
		t.Run(v.variant, func(t *testing.T) {
			dir := kvraftFolder(t, "")
			if err := copyDir(filepath.Join("testdata/kvraft", v.variant), filepath.Dir(dir)); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := kvsim(t, "lab", "--dir", dir, "--scenario", v.scenario, "--start", v.start, "--seeds", v.seeds, "--parallel", "2")
			if code != 0 || !strings.Contains(out, " passed, 0 failed\n") {
				t.Fatalf("exit %d, want 0; output:\n%s%s", code, out, errOut)
			}
		})
	}
}

// TestKVRaftBugsFail: each mistake in a kvraft1 folder is found by the
// scenario given within a few seeds, and its repro line replays the run
// to the same trace hash.
func TestKVRaftBugsFail(t *testing.T) {
	bugs := []struct{ name, scenario, seeds string }{
		{"rsm-other-ops-result", "leader-cut", "5"},
		{"clerk-version-not-maybe", "kv-swarm", "5"},
		{"server-local-get", "leader-cut", "5"},
		{"snapshot-drops-versions", "crash-restart", "5"},
		// Found only when a goroutine may stop between two critical
		// sections (the deschedule fault): 2 of 60 swarm runs before it,
		// 16 of 60 with it.
		{"rsm-registers-late", "kv-swarm", "5"},
	}
	for _, b := range bugs {
		t.Run(b.name, func(t *testing.T) {
			code, out, errOut := kvsim(t, "lab", "--dir", kvraftFolder(t, b.name), "--scenario", b.scenario, "--seeds", b.seeds, "--parallel", "2")
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

// TestRSMFolder: an rsm folder alone (kvraft1/rsm, raft1 two levels up)
// runs under kvsim's own server and clerk: the correct one passes, and
// one that answers a Submit with another entry's result, or applies an
// entry twice, breaks the rsm's contract, which kvsim's server checks;
// the repro line replays it.
func TestRSMFolder(t *testing.T) {
	code, out, errOut := kvsim(t, "lab", "--dir", filepath.Join(kvraftFolder(t, ""), "rsm"), "--scenario", "kv-swarm,leader-cut,crash-restart", "--seeds", "2", "--parallel", "2")
	if code != 0 || !strings.Contains(out, " passed, 0 failed\n") {
		t.Fatalf("exit %d, want 0; output:\n%s%s", code, out, errOut)
	}
	for _, bug := range []struct{ name, scenario, breach string }{
		{"rsm-other-ops-result", "leader-cut", "but this server's DoOp never applied that request"},
		{"rsm-applies-twice", "crash-restart", "twice to one state"},
	} {
		code, out, errOut = kvsim(t, "lab", "--dir", filepath.Join(kvraftFolder(t, bug.name), "rsm"), "--scenario", bug.scenario, "--seeds", "10", "--parallel", "2")
		fs := failures(t, out)
		if code != 1 || len(fs) == 0 || !strings.Contains(out, "rsm contract") || !strings.Contains(out, bug.breach) {
			t.Fatalf("%s: exit %d, want 1 with an rsm contract failure (%s); output:\n%s%s", bug.name, code, bug.breach, out, errOut)
		}
		if got := replay(t, fs[0].repro); got != fs[0].hash {
			t.Errorf("%s: trace hash %s, the campaign's was %s", fs[0].repro, got, fs[0].hash)
		}
	}
}

// TestKVRaftBusyClerkWarns: a clerk that resends without ever waiting
// keeps the contract and every history linearizable, so it passes, with
// a clerk-busy-retry warning that says what it did.
func TestKVRaftBusyClerkWarns(t *testing.T) {
	code, out, errOut := kvsim(t, "lab", "--dir", kvraftFolder(t, "clerk-no-wait"), "--scenario", "reliable-put,leader-cut", "--seeds", "3", "--parallel", "2")
	if code != 0 || !strings.Contains(out, "warning: clerk-busy-retry") || !strings.Contains(out, "the Clerk resends without waiting") {
		t.Fatalf("exit %d, want 0 with a clerk-busy-retry warning; output:\n%s%s", code, out, errOut)
	}
}

// TestRSMGivingUpWarns: an rsm whose Submit gives up on a timer while its
// Raft still leads keeps the service linearizable (the clerk's ErrMaybe
// covers the retried Put), so it passes, with an rsm-submit-gave-up
// warning naming a request its server then applied; the correct rsm
// gives no such warning on the same seeds.
func TestRSMGivingUpWarns(t *testing.T) {
	args := []string{"lab", "--scenario", "kv-random,leader-cut", "--seeds", "2", "--parallel", "2", "--dir"}
	code, out, errOut := kvsim(t, append(args, filepath.Join(kvraftFolder(t, "rsm-gives-up"), "rsm"))...)
	if code != 0 || !strings.Contains(out, "warning: rsm-submit-gave-up") || !strings.Contains(out, "this server applied the request") {
		t.Fatalf("exit %d, want 0 with an rsm-submit-gave-up warning; output:\n%s%s", code, out, errOut)
	}
	code, out, errOut = kvsim(t, append(args, filepath.Join(kvraftFolder(t, ""), "rsm"))...)
	if code != 0 || strings.Contains(out, "warning:") {
		t.Fatalf("the correct rsm: exit %d, want 0 without warnings; output:\n%s%s", code, out, errOut)
	}
}
