package kvsimtest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/kv/rpc"
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

func zooImpl(t *testing.T, name string) kvsim.Impl {
	for _, im := range zoo.All() {
		if im.Name == zoo.Prefix+name {
			return im
		}
	}
	t.Fatalf("no zoo bug %s", name)
	return kvsim.Impl{}
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
	m := regexp.MustCompile(`repro: (go test ./kvsimtest -run '\^TestFailFileReplaysFirst\$' -kvsim.scenario=(\S+) -kvsim.seed=(\d+) -kvsim.faults=swarm)`).FindStringSubmatch(first.failures[0])
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
	if err != nil || !strings.HasPrefix(string(text), "kvsim fail file v2\n# TestFailFileReplaysFirst's failures") ||
		!strings.Contains(string(text), fmt.Sprintf("\n%s %s swarm my-server choices=", m[2], m[3])) || strings.Contains(string(text), "regression corpus") {
		t.Fatalf("fail file %s: %v\n%s", failFile, err, text)
	}
	if !strings.Contains(first.failures[0], "fail file: "+failFile+" (added: ") {
		t.Errorf("the failure does not say the fail file was added to:\n%s", first.failures[0])
	}

	again := &recorder{TB: t}
	Check(again, buggy, Options{Seeds: 1, FailDir: dir})
	if len(again.failures) != 1 || !strings.Contains(again.failures[0], "seed="+m[3]+" ") || !strings.Contains(again.failures[0], " (replayed from it)") {
		t.Fatalf("the fail file's seed %s was not replayed first: %q", m[3], again.failures)
	}

	fixed := &recorder{TB: t}
	Check(fixed, kvsim.Impl{Name: "my-server"}, Options{Seeds: 5, FailDir: dir})
	if len(fixed.failures) != 0 {
		t.Errorf("the fixed implementation fails: %q", fixed.failures)
	}
}

func TestNeedsAName(t *testing.T) {
	r := &recorder{TB: t}
	Check(r, kvsim.Impl{}, Options{Seeds: 1, FailDir: t.TempDir()})
	if len(r.failures) == 0 || !strings.Contains(r.failures[0], "needs a Name") {
		t.Errorf("failures: %q", r.failures)
	}
}

// In a package with no testdata/kvsim yet, the fail file and its folder
// are made; the artifacts go to a folder of kvsim's own beside it, which
// holds the last failure's only and keeps itself out of git, never to the
// system's temporary folder.
func TestFailFileInAFreshPackage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "testdata", "kvsim")
	buggy := zooImpl(t, "server-ignores-version")
	buggy.Name = "my-server"
	for range 2 {
		r := &recorder{TB: t}
		Check(r, buggy, Options{Seeds: 20, FailDir: dir})
		if len(r.failures) != 1 {
			t.Fatalf("failures: %q", r.failures)
		}
		report := regexp.MustCompile(`report: (\S+)`).FindStringSubmatch(r.failures[0])
		if report == nil || !strings.HasPrefix(report[1], filepath.Join(dir, "artifacts", "TestFailFileInAFreshPackage")+string(filepath.Separator)) {
			t.Fatalf("the report is not in the test's artifacts folder:\n%s", r.failures[0])
		}
		if _, err := os.Stat(report[1]); err != nil {
			t.Error(err)
		}
	}
	if _, err := readFailFile(filepath.Join(dir, "TestFailFileInAFreshPackage.fail")); err != nil {
		t.Error(err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "artifacts", "TestFailFileInAFreshPackage"))
	if err != nil || len(entries) != 1 {
		t.Errorf("artifacts: %v, %v; want the last failure's only", entries, err)
	}
	if ignore, err := os.ReadFile(filepath.Join(dir, "artifacts", ".gitignore")); err != nil || !strings.Contains(string(ignore), "\n*\n") {
		t.Errorf(".gitignore: %v %q", err, ignore)
	}
}

// A fail file that cannot be written is said to be not written.
func TestFailFileNotWritten(t *testing.T) {
	dir := t.TempDir()
	// A link to a folder that does not exist: nothing to replay, and
	// nowhere to write (whatever the permissions, root's too).
	if err := os.Symlink(filepath.Join(dir, "missing", "x.fail"), filepath.Join(dir, "TestFailFileNotWritten.fail")); err != nil {
		t.Skip(err)
	}
	*flagArtifact = t.TempDir()
	t.Cleanup(func() { *flagArtifact = "" })
	r := &recorder{TB: t}
	Check(r, zooImpl(t, "server-ignores-version"), Options{Seeds: 5, FailDir: dir})
	if len(r.failures) != 1 || !strings.Contains(r.failures[0], "fail file: not written: ") {
		t.Errorf("failures: %q", r.failures)
	}
}

// A fail file names its format and version on its first line; other
// files and other versions are refused with a word of why.
func TestFailFileVersion(t *testing.T) {
	for _, tc := range []struct{ text, err string }{
		{"kvsim fail file v1\n# a comment\nkv-random 3 swarm mine\n", ""},
		{"\nkvsim fail file v1\n", ""},
		{"kvsim fail file v2\nkv-random 3 swarm mine choices=tie:1.0*3.2\nkv-random 4 swarm mine\n", ""},
		{"# kvsim regression corpus\nkv-random 3 swarm mine\n", `not a kvsim fail file: its first line must be "kvsim fail file v2"`},
		{"kvsim fail file v3\nkv-random 3 swarm mine\n", "kvsim fail file version 3: this kvsim reads versions 1 to 2"},
		{"kvsim fail file vx\n", `bad kvsim fail file version "x"`},
		{"kvsim fail file v1\nkv-random three swarm mine\n", ".fail:2: bad seed"},
		{"kvsim fail file v1\nkv-random 3 swarm mine choices=tie:1\n", ".fail:2: choices= in a version 1 file"},
	} {
		path := filepath.Join(t.TempDir(), "T.fail")
		if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := readFailFile(path)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q: error %v, want %q", tc.text, err, tc.err)
		}
	}
}

// TestFailFileVersion1: a fail file of version 1, whose entries are seeds
// alone, is replayed as it is, and brought to version 2 when Check adds a
// failure to it: the old entry stays, its seed alone, the new one has the
// choices its run drew.
func TestFailFileVersion1(t *testing.T) {
	dir := t.TempDir()
	*flagArtifact = filepath.Join(dir, "artifacts")
	t.Cleanup(func() { *flagArtifact = "" })
	buggy := zooImpl(t, "server-ignores-version")
	buggy.Name = "my-server"
	// An entry of a run the bug does not break, so that Check goes on to
	// its campaign, which finds one.
	cat := campaign.Default().With(buggy)
	var passing campaign.Regression
	for seed := range uint64(50) {
		e := campaign.Regression{Spec: kvsim.Spec{Scenario: "unreliable-put", Seed: seed, Faults: "lossy", Impl: "my-server"}}
		cfg, err := cat.ResolveEntry(e)
		if err != nil {
			t.Fatal(err)
		}
		if !scenarios.Run(cfg).Failed() {
			passing = e
			break
		}
	}
	if passing.Scenario == "" {
		t.Fatal("no passing run of the bug to write")
	}
	path := filepath.Join(dir, "TestFailFileVersion1.fail")
	old := "# TestFailFileVersion1's failures\n# ok: a run that passes\n" + passing.String() + "\n"
	if err := os.WriteFile(path, []byte("kvsim fail file v1\n"+old), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	Check(r, buggy, Options{Seeds: 200, FailDir: dir})
	if len(r.failures) != 1 || !strings.Contains(r.failures[0], " (added: ") {
		t.Fatalf("failures: %q", r.failures)
	}
	text, err := os.ReadFile(path)
	if err != nil || !strings.HasPrefix(string(text), "kvsim fail file v2\n"+old) {
		t.Fatalf("fail file: %v\n%s", err, text)
	}
	entries, err := readFailFile(path)
	if err != nil || len(entries) != 2 || entries[0].Choices != nil || entries[1].Choices == nil {
		t.Errorf("entries %v (%v): want the seed alone, then an entry with choices", entries, err)
	}
}

// spinningServer spins in Put, outside any simulator call, until stop:
// only the wall-clock watchdog can end such a run.
type spinningServer struct {
	rpc.Server
	stop *atomic.Bool
}

func (s spinningServer) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	for !s.stop.Load() {
		runtime.Gosched()
	}
	s.Server.Put(args, reply)
}

// TestSpinningIsStuckNotAHang: an implementation that spins outside the
// simulator is a stuck run, reported with the stacks of what spins, and
// go test goes on; its fail file entry, replayed first by the next Check,
// is guarded the same way.
func TestSpinningIsStuckNotAHang(t *testing.T) {
	stop := &atomic.Bool{}
	t.Cleanup(func() { stop.Store(true) }) // the abandoned runs end with the test
	spinning := kvsim.Impl{Name: "my-spinner", NewServer: func() rpc.Server { return spinningServer{kvsim.Reference().NewServer(), stop} }}
	dir := t.TempDir()
	opts := Options{Seeds: 1, FailDir: dir, RunTimeout: 200 * time.Millisecond}
	for _, want := range []string{" (added: ", " (replayed from it)"} {
		r := &recorder{TB: t}
		start := time.Now()
		Check(r, spinning, opts)
		if len(r.failures) != 1 || !strings.Contains(r.failures[0], ": stuck: the run did not return within 200ms") ||
			!strings.Contains(r.failures[0], "spinningServer") || !strings.Contains(r.failures[0], want) {
			t.Fatalf("want a stuck run, its stack and %q; failures: %q", want, r.failures)
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("Check took %v", took)
		}
	}
}
