package kvsimtest

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/models"
	"github.com/kvsim/kvsim/scenarios"
)

// The flags, registered on the test binary's command line like rapid's.
var (
	flagSeeds    = flag.Uint64("kvsim.seeds", 0, "kvsim: seeds per campaign (default 500, 100 under -short)")
	flagSeed     = flag.Uint64("kvsim.seed", 0, "kvsim: replay this one seed (with -kvsim.scenario)")
	flagScenario = flag.String("kvsim.scenario", "", "kvsim: comma-separated scenarios to run (default all)")
	flagFaults   = flag.String("kvsim.faults", "", "kvsim: fault profile (default swarm)")
	flagShrink   = flag.Bool("kvsim.shrink", false, "kvsim: shrink the failure to a minimal run")
	flagArtifact = flag.String("kvsim.artifacts", "", "kvsim: write a failure's trace, history and report under this directory (default: testdata/kvsim/artifacts/TEST, replaced at each failure, ignored by git)")
)

// Options tune Check; the zero value reads the flags.
type Options struct {
	// Seeds overrides -kvsim.seeds.
	Seeds uint64
	// FailDir is where fail files go, made if need be; "" means
	// testdata/kvsim in the test's package. A failure's artifacts go to
	// its artifacts/TEST folder unless -kvsim.artifacts names another.
	FailDir string
	// RunTimeout bounds one run in wall time, replays included: a run
	// still going then (an implementation that spins or blocks outside
	// simulator calls) is a stuck run. 0 means campaign.DefaultRunTimeout.
	RunTimeout time.Duration
}

// Check runs every scenario (or those of -kvsim.scenario) under swarm
// faults (or -kvsim.faults) against impl, first replaying the entries of
// the test's fail file. A failure fails t with its go test repro line and
// is added to the fail file. impl.Name must be set: it labels every result.
// Every run is guarded as a campaign's are: an implementation that spins
// outside simulator calls is a stuck run, reported, not a hung go test.
func Check(t testing.TB, impl kvsim.Impl, opts Options) {
	t.Helper()
	if impl.Name == "" {
		t.Fatal("kvsimtest: the implementation needs a Name")
	}
	dir := cmp.Or(opts.FailDir, filepath.Join("testdata", "kvsim"))
	failFile := filepath.Join(dir, safeName(t.Name())+".fail")
	artifacts := cmp.Or(*flagArtifact, filepath.Join(dir, "artifacts", safeName(t.Name())))
	if abs, err := filepath.Abs(artifacts); err == nil {
		artifacts = abs // a path the failure names, wherever it is read
	}
	pkg := packagePath()
	cat := campaign.Default().With(impl)
	cat.Repro = func(s kvsim.Spec) kvsim.Repro { return repro(pkg, t.Name(), s) }
	rep := campaign.Reporter{Catalogue: cat, Artifacts: artifacts, Timeout: opts.RunTimeout}
	report := func(r scenarios.Result, failFileStatus string) {
		t.Helper()
		fail(t, rep, r, failFileStatus, *flagArtifact == "")
	}

	if replayFailFile(t, cat, failFile, fromRoot(pkg, failFile), opts.RunTimeout, report) {
		return
	}
	faults := cmp.Or(*flagFaults, scenarios.SwarmName)
	var names []string
	if *flagScenario != "" {
		names = strings.Split(*flagScenario, ",")
	}
	runs, err := cat.Runs(names, faults, impl)
	if err != nil {
		t.Fatalf("kvsimtest: %v", err)
	}
	cfg := campaign.Config{Runs: runs, Seeds: seeds(opts), RunTimeout: opts.RunTimeout}
	if isSet("kvsim.seed") {
		cfg.Start, cfg.Seeds = *flagSeed, 1
	}
	sum, err := campaign.Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("kvsimtest: %v", err)
	}
	if sum.Failed == 0 {
		t.Logf("kvsim: %d runs of %s passed (%d seeds from %d, faults %s)", sum.Runs, impl.Name, sum.Seeds, cfg.Start, faults)
		return
	}
	r := sum.Failures[0]
	shown := fromRoot(pkg, failFile)
	switch added, err := saveFailFile(failFile, t.Name(), r); {
	case err != nil:
		report(r, fmt.Sprintf("not written: %v", err))
	case added:
		report(r, shown+" (added: go test replays it first from now on)")
	default:
		report(r, shown+" (has it already)")
	}
}

// replayFailFile runs the fail file's entries first, guarded; it reports
// whether one still fails (and failed t through report).
func replayFailFile(t testing.TB, cat campaign.Catalogue, path, shown string, timeout time.Duration, report func(scenarios.Result, string)) bool {
	t.Helper()
	entries, err := readFailFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false
	case err != nil:
		t.Fatalf("kvsimtest: %v", err)
		return true
	}
	for _, e := range entries {
		cfg, err := cat.ResolveEntry(e)
		if err != nil {
			t.Fatalf("kvsimtest: %s: %v", path, err)
			return true
		}
		r, err := campaign.RunGuarded(context.Background(), nil, cfg, timeout)
		if err != nil {
			t.Fatalf("kvsimtest: %v", err)
			return true
		}
		if r.Failed() {
			report(r, shown+" (replayed from it)")
			return true
		}
		t.Logf("kvsim: fail file entry %q passes now", e.Spec)
	}
	return false
}

// fail reports r on t as every front door reports a failure
// (campaign.Reporter: its lines, its repro lines, its artifacts and
// report.html from a guarded replay), shrinking it first under
// -kvsim.shrink. When the artifacts' folder is kvsim's own, the last
// failure's artifacts are removed first (one failure's at a time, not one
// folder per failing run) and a .gitignore keeps them out of git.
func fail(t testing.TB, rep campaign.Reporter, r scenarios.Result, failFile string, own bool) {
	t.Helper()
	var msg strings.Builder
	msg.WriteString("kvsim: ")
	if own {
		if err := ownArtifacts(rep.Artifacts); err != nil {
			fmt.Fprintf(&msg, "(artifacts: %v)\n", err)
			rep.Artifacts = ""
		}
	}
	rep.Report(context.Background(), &msg, r)
	fmt.Fprintf(&msg, "fail file: %s", failFile)
	if *flagShrink {
		if minimal, ok := campaign.Shrink(t, r.Config(), campaign.ShrinkOptions{}); ok {
			fmt.Fprintf(&msg, "\nshrunk to %d ops, %d RPCs, faults %s: %s\n%s", minimal.Ops, minimal.RPCs, minimal.FaultModel, minimal.Reason, models.FormatKV(minimal.KVHistory))
		}
	}
	t.Fatal(msg.String())
}

// ownArtifacts empties kvsim's own artifacts folder dir and keeps it out
// of version control.
func ownArtifacts(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ignore := filepath.Join(filepath.Dir(dir), ".gitignore")
	return os.WriteFile(ignore, []byte("# kvsimtest's artifacts of the last failure of each test\n*\n"), 0o644)
}

// packagePath is the test's package as go test names it from the root of
// its module ("./store", or "." at the root): go test runs a test binary
// in its package's folder.
func packagePath() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil || rel == "." {
				return "."
			}
			return "./" + filepath.ToSlash(rel)
		}
		if filepath.Dir(dir) == dir {
			return "."
		}
	}
}

// fromRoot names a path of the package's folder from the module's root,
// where the repro line is run.
func fromRoot(pkg, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(filepath.FromSlash(pkg), path)
}

// repro is the go test line that replays s, run from the module's root.
func repro(pkg, test string, s kvsim.Spec) kvsim.Repro {
	top, _, _ := strings.Cut(test, "/")
	line := fmt.Sprintf("go test %s -run '^%s$' -kvsim.scenario=%s -kvsim.seed=%d -kvsim.faults=%s", pkg, top, s.Scenario, s.Seed, s.Faults)
	return kvsim.Repro{Run: line, Shrink: line + " -kvsim.shrink -v"}
}

func seeds(opts Options) uint64 {
	switch {
	case opts.Seeds > 0:
		return opts.Seeds
	case *flagSeeds > 0:
		return *flagSeeds
	case testing.Short():
		return 100
	}
	return 500
}

func isSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// safeName turns a test name into a file name.
func safeName(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r == ' ' {
			return '_'
		}
		return r
	}, name)
}
