package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLabRaftBadInput: kvsim lab on a raft1 folder refuses bad input with
// exit 2 and one line that says what is wrong, before any run: no panic,
// no hang, no campaign of failures.
func TestLabRaftBadInput(t *testing.T) {
	// One cache for every case: the good folder is built once (a second
	// or two, with go's build cache warm).
	t.Setenv("KVSIM_CACHE", filepath.Join(t.TempDir(), "cache"))
	good := raftInputFolder(t, "good", nil)
	syntax := raftInputFolder(t, "syntax", func(dir string) error {
		f, err := os.OpenFile(filepath.Join(dir, "raft.go"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		_, err = f.WriteString("\nfunc broken( {\n")
		return errors.Join(err, f.Close())
	})
	noRaft := raftInputFolder(t, "noraft", func(dir string) error { return os.Remove(filepath.Join(dir, "raft.go")) })
	for _, tc := range []struct {
		name string
		args []string
		want string // in the error line
	}{
		{"unknown scenario", []string{"--dir", good, "--scenario", "no-such-scenario"}, `unknown Raft scenario "no-such-scenario" (have: basic-agree, `},
		{"unknown scenario in a list", []string{"--dir", good, "--scenario", "basic-agree,nope", "--seed", "1"}, `unknown Raft scenario "nope"`},
		{"seed without scenario", []string{"--dir", good, "--seed", "3"}, "a run (--seed) needs --scenario"},
		{"unknown faults, campaign", []string{"--dir", good, "--faults", "no-such-profile", "--seeds", "1"}, `unknown Raft fault profile "no-such-profile" (have: course, `},
		{"unknown faults, run", []string{"--dir", good, "--scenario", "basic-agree", "--seed", "0", "--faults", "lossy"}, `unknown Raft fault profile "lossy"`},
		{"syntax error", []string{"--dir", syntax}, "raft.go:"},
		{"no raft.go", []string{"--dir", noRaft}, "raft1 (raft.go with Make)"},
		{"shrink with a seed", []string{"--dir", good, "--shrink", "--scenario", "basic-agree", "--seed", "1"}, "--shrink finds its own run"},
		{"shrink of an unknown scenario", []string{"--dir", good, "--shrink", "--scenario", "nope"}, `unknown Raft scenario "nope"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			type result struct {
				code        int
				out, errOut string
			}
			done := make(chan result, 1)
			go func() {
				code, out, errOut := runCmd(append([]string{"lab"}, tc.args...)...)
				done <- result{code, out, errOut}
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(3 * time.Minute):
				t.Fatalf("kvsim lab %s: no exit after 3 minutes", strings.Join(tc.args, " "))
			}
			var errLines []string
			for _, l := range strings.Split(r.errOut, "\n") {
				if strings.HasPrefix(l, "kvsim: ") {
					errLines = append(errLines, l)
				}
			}
			if r.code != exitUsage || r.out != "" || len(errLines) != 1 || !strings.Contains(errLines[0], tc.want) || strings.Contains(r.errOut, "panic") {
				t.Errorf("kvsim lab %s: exit %d, want %d with one error line containing %q and nothing on stdout\nstdout:\n%s\nstderr:\n%s",
					strings.Join(tc.args, " "), r.code, exitUsage, tc.want, r.out, r.errOut)
			}
		})
	}
}

// raftInputFolder copies the good raft1 folder of lab's testdata to a new
// folder named name, changed by edit if not nil.
func raftInputFolder(t *testing.T, name string, edit func(dir string) error) string {
	t.Helper()
	from := filepath.Join("..", "lab", "testdata", "raft", "good")
	dir := filepath.Join(t.TempDir(), name, "raft1")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"raft.go", "util.go"} {
		b, err := os.ReadFile(filepath.Join(from, f))
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, f), b, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if edit != nil {
		if err := edit(dir); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestLabNamesBeforeBuild: a scenario or a fault profile the folder's lab
// does not have is refused before the folder is built (which can take a
// minute), for each kind of folder, naming what there is.
func TestLabNamesBeforeBuild(t *testing.T) {
	t.Setenv("KVSIM_CACHE", filepath.Join(t.TempDir(), "cache"))
	kvsrv := filepath.Join("..", "lab", "testdata", "good")
	raft := raftInputFolder(t, "good", nil)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--dir", kvsrv, "--scenario", "kv-random,nope"}, `unknown scenario "nope" (have: reliable-put, `},
		{[]string{"--dir", kvsrv, "--faults", "course"}, `unknown fault profile "course" (have: reliable, `},
		{[]string{"--dir", kvsrv, "--scenario", "figure8"}, `unknown scenario "figure8"`}, // a Raft scenario
		{[]string{"--dir", raft, "--scenario", "kv-random"}, `unknown Raft scenario "kv-random"`},
	} {
		code, out, errOut := runCmd(append([]string{"lab"}, tc.args...)...)
		if code != exitUsage || out != "" || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "building against kvsim") {
			t.Errorf("kvsim lab %s: exit %d, want %d with %q before any build\nstdout:\n%s\nstderr:\n%s", strings.Join(tc.args, " "), code, exitUsage, tc.want, out, errOut)
		}
	}
}
