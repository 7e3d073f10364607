package lab_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// shardFolder assembles a course tree with testdata/shardkv/good's
// shardkv1, bug's files over it (none for ""), and beside it
// testdata/good as kvsrv1, testdata/kvraft/good's rsm as kvraft1/rsm and
// testdata/raft/good as raft1, and returns the shardkv1 folder.
func shardFolder(t *testing.T, bug string) string {
	t.Helper()
	root := t.TempDir()
	err := errors.Join(
		copyDir("testdata/shardkv/good", root),
		copyDir("testdata/good", filepath.Join(root, "kvsrv1")),
		copyDir("testdata/kvraft/good/kvraft1/rsm", filepath.Join(root, "kvraft1", "rsm")),
		copyDir("testdata/raft/good", filepath.Join(root, "raft1")))
	if bug != "" {
		err = errors.Join(err, copyDir(filepath.Join("testdata/shardkv/bugs", bug), root))
	}
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "shardkv1")
}

// TestShardFolderPasses: a correct course-style shardkv1 folder (clerk,
// groups on the rsm and Raft beside it, a controller on the tree's kvsrv1)
// builds unchanged and passes every sharded scenario.
func TestShardFolderPasses(t *testing.T) {
	seeds := "3"
	if testing.Short() {
		seeds = "1"
	}
	code, out, errOut := kvsim(t, "lab", "--dir", shardFolder(t, ""), "--seeds", seeds, "--parallel", "2")
	if code != 0 || !strings.Contains(out, " passed, 0 failed\n") || !strings.Contains(out, "ctrler-race") {
		t.Fatalf("exit %d, want 0 with the sharded scenarios; output:\n%s%s", code, out, errOut)
	}
}

// TestShardBugsFail: each mistake in a shardkv1 folder is found by the
// scenario given within a few seeds (by the check named, if one is: the
// one-owner check watches the calls to the folder's groups), and its
// repro line replays the run to the same trace hash.
func TestShardBugsFail(t *testing.T) {
	bugs := []struct{ name, scenario, seeds, check string }{
		{"grp-serves-frozen", "join-leave", "5", "one owner"},
		{"ctrler-no-recovery", "ctrler-crash", "10", ""},
		{"ctrler-initconfig-only", "join-leave", "1", "change"},
	}
	for _, b := range bugs {
		t.Run(b.name, func(t *testing.T) {
			code, out, errOut := kvsim(t, "lab", "--dir", shardFolder(t, b.name), "--scenario", b.scenario, "--seeds", b.seeds, "--parallel", "2")
			fs := failures(t, out)
			if code != 1 || len(fs) == 0 {
				t.Fatalf("exit %d, want 1 with failures; output:\n%s%s", code, out, errOut)
			}
			if first := fmt.Sprintf("FAIL %s seed=%d: ", b.scenario, fs[0].seed); b.check != "" && !strings.Contains(out, first+b.check+": ") {
				t.Errorf("seed %d failed, but not by the %s check; output:\n%s", fs[0].seed, b.check, out)
			}
			if got := replay(t, fs[0].repro); got != fs[0].hash {
				t.Errorf("%s: trace hash %s, the campaign's was %s", fs[0].repro, got, fs[0].hash)
			}
		})
	}
}

// TestShardFlagsRefused: what a shardkv1 folder's runs do not take is a
// usage error, before the build.
func TestShardFlagsRefused(t *testing.T) {
	dir := shardFolder(t, "")
	for _, args := range [][]string{
		{"--faults", "swarm"},
		{"--scenario", "kv-random"},
		{"--shrink"},
	} {
		code, out, errOut := kvsim(t, append([]string{"lab", "--dir", dir}, args...)...)
		if code != 2 || !strings.Contains(errOut, "lab: ") {
			t.Errorf("%v: exit %d, want 2 with a reason; output:\n%s%s", args, code, out, errOut)
		}
	}
}
