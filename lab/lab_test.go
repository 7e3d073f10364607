package lab_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kvsim/kvsim/cli"
	"github.com/kvsim/kvsim/lab"
)

// bugs are the course-style bugs: each is the correct folder (testdata/good)
// with the files under testdata/bugs/<name> in place of its own, as a
// student would hand it in.
var bugs = []string{"clerk-resent-errversion", "server-async-apply", "lock-fatal-on-maybe", "lock-maybe-acquired", "server-empty-is-absent", "server-get-keeps-lock", "server-same-value", "server-waits-for-version"}

// fine are correct folders written in ways the course accepts: each is
// testdata/good with testdata/fine/<name> in place of its own files.
var fine = []string{"goroutines", "idioms", "leaky-clerk", "own-wire", "rpc-extra", "skeleton-2026", "start-2025-init", "stray-package", "trusting-lock", "vague-clerk"}

// submissions holds the assembled buggy folders, by name.
var submissions string

// Every test here builds its folders once, into one cache for the package's
// tests (go build's own cache makes kvsim's packages cheap).
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kvsim-lab-test-")
	if err != nil {
		panic(err)
	}
	os.Setenv("KVSIM_CACHE", filepath.Join(dir, "cache"))
	submissions = filepath.Join(dir, "submissions")
	for _, bug := range bugs {
		to := filepath.Join(submissions, bug)
		if err := errors.Join(copyDir("testdata/good", to), copyDir(filepath.Join("testdata/bugs", bug), to)); err != nil {
			panic(err)
		}
	}
	for _, name := range fine {
		to := filepath.Join(submissions, "fine-"+name)
		if err := errors.Join(copyDir("testdata/good", to), copyDir(filepath.Join("testdata/fine", name), to)); err != nil {
			panic(err)
		}
	}
	// The idioms with a server bug, so that its runs fail and their
	// hashes can be compared.
	idiomsBug := filepath.Join(submissions, "idioms-server-same-value")
	if err := errors.Join(copyDir(filepath.Join(submissions, "fine-idioms"), idiomsBug), copyDir("testdata/bugs/server-same-value", idiomsBug)); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// inShort is names, or under -short only keep: each folder is a build of
// its own, which is most of this package's time.
func inShort(names []string, keep ...string) []string {
	if testing.Short() {
		return keep
	}
	return names
}

// kvsim runs the command line and returns its exit code and output.
func kvsim(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Main(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// failure is one FAIL block of kvsim's output.
type failure struct {
	seed        uint64
	hash, repro string
}

func failures(t *testing.T, out string) []failure {
	t.Helper()
	var fs []failure
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "FAIL "):
			_, rest, _ := strings.Cut(line, " seed=")
			seed, err := strconv.ParseUint(strings.TrimSuffix(strings.Fields(rest)[0], ":"), 10, 64)
			if err != nil {
				t.Fatalf("bad FAIL line %q", line)
			}
			fs = append(fs, failure{seed: seed})
		case strings.HasPrefix(line, "  trace hash") && len(fs) > 0:
			fs[len(fs)-1].hash = strings.Fields(line)[2]
		case strings.HasPrefix(line, "repro: ") && len(fs) > 0:
			fs[len(fs)-1].repro = strings.TrimPrefix(line, "repro: ")
		}
	}
	slices.SortStableFunc(fs, func(a, b failure) int { return int(a.seed) - int(b.seed) })
	return fs
}

// replay runs a repro line and returns the run's trace hash.
func replay(t *testing.T, repro string) string {
	t.Helper()
	args := strings.Fields(repro)
	if args[0] != "kvsim" || args[1] != "lab" {
		t.Fatalf("repro line %q is not a kvsim lab line", repro)
	}
	code, out, errOut := kvsim(t, args[1:]...)
	fs := failures(t, "FAIL "+out)
	if code != 1 || len(fs) != 1 {
		t.Fatalf("%s: exit %d, want 1 (a failure); output:\n%s%s", repro, code, out, errOut)
	}
	return fs[0].hash
}

func TestCorrectFolderPasses(t *testing.T) {
	code, out, errOut := kvsim(t, "lab", "--dir", "testdata/good", "--seeds", "30")
	if code != 0 || !strings.HasSuffix(out, " passed, 0 failed\n") {
		t.Fatalf("exit %d, want 0; output:\n%s%s", code, out, errOut)
	}
}

// TestBuggyFoldersFail: each course-style bug fails; the lowest failing
// seed is the same at --parallel 1 and 2, and its repro line replays it
// to the same trace hash, twice.
func TestBuggyFoldersFail(t *testing.T) {
	for _, bug := range inShort(bugs, "server-same-value", "lock-maybe-acquired") {
		t.Run(bug, func(t *testing.T) {
			dir := filepath.Join(submissions, bug)
			if err := lab.Check(dir); err != nil {
				t.Fatal(err)
			}
			var first []failure
			for _, parallel := range []string{"1", "2"} {
				code, out, errOut := kvsim(t, "lab", "--dir", dir, "--seeds", "40", "--parallel", parallel)
				fs := failures(t, out)
				if code != 1 || len(fs) == 0 {
					t.Fatalf("--parallel %s: exit %d, want 1 with failures; output:\n%s%s", parallel, code, out, errOut)
				}
				first = append(first, fs[0])
			}
			if first[0] != first[1] {
				t.Fatalf("lowest failure differs: --parallel 1 %+v, --parallel 2 %+v", first[0], first[1])
			}
			f := first[0]
			if !strings.HasPrefix(f.repro, "kvsim lab --dir "+dir+" ") {
				t.Errorf("repro line %q does not name the folder", f.repro)
			}
			for range 2 {
				if got := replay(t, f.repro); got != f.hash {
					t.Errorf("%s: trace hash %s, the campaign's was %s", f.repro, got, f.hash)
				}
			}
		})
	}
}

// TestStrayPackagesLeftOut: a package of the folder that nothing kvsim
// builds imports (a scratch package that dials a real network and does
// not build, an old copy of a course folder with its harness file) is
// left out, as go build leaves it out of the course's tests: the folder
// is not refused for it (TestFineFoldersPass runs it).
func TestStrayPackagesLeftOut(t *testing.T) {
	if err := lab.Check(filepath.Join(submissions, "fine-stray-package")); err != nil {
		t.Fatal(err)
	}
}

// TestFineFoldersPass: what the lab's contract allows passes, under
// every scenario's default profile: a lock that trusts a first-RPC
// ErrVersion, a server whose map is made in StartKVServer (2025 and 2026
// skeletons), a clerk that says ErrMaybe after any resend (with a
// warning), and a folder of common idioms (log.Fatalf assertions, its own
// subpackage, package-level variables, math/rand, crypto/rand, uuid and
// time.Now), whose output is not shown for passing runs, a folder
// whose rpc package adds a constant and a function of its own, and one
// whose PutArgs adds a client id and sequence number its server dedups by
// (were they not carried, its Puts would get one another's answers).
func TestFineFoldersPass(t *testing.T) {
	for _, name := range inShort(fine, "idioms", "own-wire") {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(submissions, "fine-"+name)
			if err := lab.Check(dir); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := kvsim(t, "lab", "--dir", dir, "--seeds", "60", "--parallel", "2")
			if code != 0 || !strings.Contains(out, " passed, 0 failed\n") {
				t.Fatalf("exit %d, want 0; output:\n%s%s", code, out, errOut)
			}
			if strings.Contains(out+errOut, "util ready") || strings.Contains(out+errOut, "acquired") {
				t.Errorf("the folder's output of passing runs reached the terminal:\n%s%s", out, errOut)
			}
			for warning, folder := range map[string]string{"clerk-maybe-imprecise": "vague-clerk", "goroutine-leak": "leaky-clerk"} {
				warned := strings.Contains(out, "warning: "+warning+" in ")
				if warned != (name == folder) {
					t.Errorf("warning %s printed: %v, want %v; output:\n%s", warning, warned, name == folder, out)
				}
			}
		})
	}
}

// TestIdiomsReplay: runs of a folder with package-level state, its own
// subpackage, math/rand, crypto/rand, uuid and time.Now fail at the same
// seeds with the same hashes in one process (one world after another) as
// each replayed alone, and a failure shows what the folder printed.
func TestIdiomsReplay(t *testing.T) {
	dir := filepath.Join(submissions, "idioms-server-same-value")
	code, out, errOut := kvsim(t, "lab", "--dir", dir, "--scenario", "kv-swarm,lock-swarm", "--seeds", "30", "--keep-going", "--parallel", "1")
	fs := failures(t, out)
	if code != 1 || len(fs) < 2 {
		t.Fatalf("exit %d, want 1 with failures; output:\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "output of the implementation") {
		t.Errorf("a failure does not show what the folder printed:\n%s", out)
	}
	for _, f := range fs[:min(4, len(fs))] {
		if got := replay(t, f.repro); got != f.hash {
			t.Errorf("%s: trace hash %s alone, %s in the campaign", f.repro, got, f.hash)
		}
	}
}

// TestFatalIsAFailure: log.Fatalf in the folder stops the run, not kvsim,
// and the failure carries its message.
func TestFatalIsAFailure(t *testing.T) {
	code, out, errOut := kvsim(t, "lab", "--dir", filepath.Join(submissions, "lock-fatal-on-maybe"), "--scenario", "lock-counter", "--seeds", "100")
	if code != 1 || !strings.Contains(out, "log.Fatalf: Put of the lock returned ErrMaybe: should never happen") {
		t.Fatalf("exit %d, want 1 and the Fatalf message; output:\n%s%s", code, out, errOut)
	}
}

// TestSpinningIsAFailure: a handler that loops forever is stopped by its
// loop's budget, not by the wall clock: the failure names the student's
// line, the fault model and the trace hash, and replays.
func TestSpinningIsAFailure(t *testing.T) {
	dir := filepath.Join(submissions, "server-waits-for-version")
	code, out, errOut := kvsim(t, "lab", "--dir", dir, "--scenario", "reliable-put", "--seeds", "1")
	for _, want := range []string{
		"(KVServer.Put) panicked: spinning: the loop at " + filepath.Join(dir, "server.go") + ":47 ran",
		"fault model", "trace hash",
	} {
		if code != 1 || !strings.Contains(out, want) {
			t.Fatalf("exit %d, want 1 and %q; output:\n%s%s", code, want, out, errOut)
		}
	}
}

// TestDeadlockIsAFailure: handlers that wait for a mutex a handler left
// locked are a reported failure, naming where each waits and who holds
// the mutex, instead of a simulator hung on a real mutex until the
// wall-clock watchdog.
func TestDeadlockIsAFailure(t *testing.T) {
	dir := filepath.Join(submissions, "server-get-keeps-lock")
	code, out, errOut := kvsim(t, "lab", "--dir", dir, "--scenario", "reliable-put", "--seeds", "1")
	for _, want := range []string{
		"stuck: ",
		"(KVServer.Put) blocked in Mutex.Lock at server.go:43, the Mutex is held by server/",
		"(KVServer.Get), which has returned without unlocking it",
		"trace hash",
	} {
		if code != 1 || !strings.Contains(out, want) {
			t.Fatalf("exit %d, want 1 and %q; output:\n%s%s", code, want, out, errOut)
		}
	}
}

// TestDeterminismAcrossProcesses: at --parallel 2 some runs are made in
// worker processes; every failure of a --keep-going campaign has the same
// seed and trace hash as at --parallel 1, where every run is in-process.
func TestDeterminismAcrossProcesses(t *testing.T) {
	var got [][]failure
	for _, parallel := range []string{"1", "2"} {
		code, out, errOut := kvsim(t, "lab", "--dir", filepath.Join(submissions, "server-empty-is-absent"), "--scenario", "lock-counter,kv-random",
			"--seeds", "24", "--keep-going", "--parallel", parallel)
		if code != 1 {
			t.Fatalf("exit %d, want 1; output:\n%s%s", code, out, errOut)
		}
		got = append(got, failures(t, out))
	}
	if !slices.Equal(got[0], got[1]) {
		t.Errorf("--parallel 1 failures:\n%v\n--parallel 2 failures:\n%v", got[0], got[1])
	}
}

func TestUnsupportedIsAUsageError(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "report.xml")
	code, out, errOut := kvsim(t, "lab", "--dir", "testdata/unsupported", "--junit", junit)
	if report, err := os.ReadFile(junit); err != nil || !bytes.Contains(report, []byte(`failures="1"`)) || !bytes.Contains(report, []byte("client.go:26:2: runtime.LockOSThread")) {
		t.Errorf("JUnit report (%v):\n%s", err, report)
	}
	for _, want := range []string{"testdata/unsupported/client.go:26:2: runtime.LockOSThread", "client.go:9:2: import \"unsafe\"", "server.go:9:2: import \"6.5840/raft1\""} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr does not say %q", want)
		}
	}
	if code != 2 || out != "" {
		t.Errorf("exit %d, stdout %q; want 2 and nothing", code, out)
	}
}

// TestCompileErrorNamesTheStudentsLine: go build's errors point into the
// student's folder, at their own line numbers.
func TestCompileErrorNamesTheStudentsLine(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "broken")
	if err := copyDir("testdata/good", dir); err != nil {
		t.Fatal(err)
	}
	client := filepath.Join(dir, "client.go")
	src, err := os.ReadFile(client)
	if err != nil {
		t.Fatal(err)
	}
	src = bytes.Replace(src, []byte("return reply.Value, reply.Version, reply.Err"), []byte("return reply.Value, reply.Err"), 1)
	if err := os.WriteFile(client, src, 0o644); err != nil {
		t.Fatal(err)
	}
	line := 1 + bytes.Count(src[:bytes.Index(src, []byte("return reply.Value, reply.Err"))], []byte("\n"))
	code, _, errOut := kvsim(t, "lab", "--dir", dir)
	if want := fmt.Sprintf("%s:%d:", client, line); code != 2 || !strings.Contains(errOut, want) {
		t.Errorf("exit %d, want 2 and an error at %s; stderr:\n%s", code, want, errOut)
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"lab"}, "lab needs --dir"},
		{[]string{"lab", "--dir", "testdata/good", "--impl", "reference"}, "--impl is the folder's"},
		{[]string{"lab", "--dir", "testdata/good", "--save-failures", "corpus.txt"}, "--save-failures is for implementations kvsim knows"},
		{[]string{"lab", "--dir", "testdata/good", "--seed", "1"}, "needs --scenario"},
		{[]string{"lab", "--dir", "testdata/nonesuch"}, "testdata/nonesuch: not a folder"},
		{[]string{"lab", "--dir", "testdata/good", "--kvsim-src", "testdata"}, "is not kvsim's source tree"},
		{[]string{"lab", "--dir", "testdata/good", "--no-such-flag"}, "unknown flag: --no-such-flag"},
	} {
		code, _, errOut := kvsim(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestHelp(t *testing.T) {
	code, out, _ := kvsim(t, "lab", "--help")
	if code != 0 || !strings.Contains(out, "kvsim lab --dir DIR --scenario S --seed N") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

// copyDir copies the files under from to the same paths under to.
func copyDir(from, to string) error {
	return filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
}
