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
	flagArtifact = flag.String("kvsim.artifacts", "", "kvsim: write a failure's trace, history and report under this directory (default: a new temporary one)")
)

// Options tune Check; the zero value reads the flags.
type Options struct {
	// Seeds overrides -kvsim.seeds.
	Seeds uint64
	// FailDir is where fail files go; "" means testdata/kvsim.
	FailDir string
}

// Check runs every scenario (or those of -kvsim.scenario) under swarm
// faults (or -kvsim.faults) against impl, first replaying the entries of
// the test's fail file. A failure fails t with its go test repro line and
// is added to the fail file. impl.Name must be set: it labels every result.
func Check(t testing.TB, impl scenarios.Impl, opts Options) {
	t.Helper()
	if impl.Name == "" {
		t.Fatal("kvsimtest: the implementation needs a Name")
	}
	failFile := filepath.Join(cmp.Or(opts.FailDir, filepath.Join("testdata", "kvsim")), safeName(t.Name())+".fail")
	impl.Repro = func(s scenarios.Spec) scenarios.Repro { return repro(t.Name(), s) }
	cat := campaign.Default().With(impl)

	if replayFailFile(t, cat, failFile) {
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
	cfg := campaign.Config{Runs: runs, Seeds: seeds(opts)}
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
	if _, err := campaign.SaveRegression(failFile, r); err != nil {
		t.Errorf("kvsimtest: writing the fail file: %v", err)
	}
	fail(t, r, failFile)
}

// replayFailFile runs the fail file's entries first; it reports whether
// one still fails (and failed t).
func replayFailFile(t testing.TB, cat campaign.Catalogue, path string) bool {
	t.Helper()
	entries, err := campaign.ReadRegressions(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false
	case err != nil:
		t.Fatalf("kvsimtest: %v", err)
	}
	for _, e := range entries {
		cfg, err := cat.Resolve(e.Spec)
		if err != nil {
			t.Fatalf("kvsimtest: %s: %v", path, err)
			return true
		}
		if r := scenarios.Run(cfg); r.Failed() {
			fail(t, r, path)
			return true
		}
		t.Logf("kvsim: fail file entry %q passes now", e)
	}
	return false
}

// fail reports r on t, shrinking it first under -kvsim.shrink.
func fail(t testing.TB, r scenarios.Result, failFile string) {
	t.Helper()
	msg := fmt.Sprintf("kvsim: %s\nfault model: %s\nreplay: %s\nshrink: %s\nfail file: %s", r.Summary(), r.FaultModel, r.Run, r.Shrink, failFile)
	if report, err := writeArtifacts(r); err != nil {
		msg += "\nartifacts: " + err.Error()
	} else {
		msg += "\nreport: " + report
	}
	if r.Stack != "" {
		msg += "\nstack:\n" + r.Stack
	}
	if *flagShrink {
		if minimal, ok := campaign.Shrink(t, r.Config(), campaign.ShrinkOptions{}); ok {
			msg += fmt.Sprintf("\nshrunk to %d ops, %d RPCs, faults %s: %s\n%s", minimal.Ops, minimal.RPCs, minimal.FaultModel, minimal.Reason, models.FormatKV(minimal.KVHistory))
		}
	}
	t.Fatal(msg)
}

// writeArtifacts replays the failing run with tracing and writes its
// artifacts, returning the report's path.
func writeArtifacts(r scenarios.Result) (string, error) {
	dir := *flagArtifact
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "kvsim-artifacts-"); err != nil {
			return "", err
		}
	}
	traced, err := scenarios.Replay(r)
	if err != nil {
		return "", err
	}
	a, err := campaign.WriteArtifacts(traced, dir)
	return a.Report, err
}

// repro is the go test line that replays s, run in the test's package.
func repro(test string, s scenarios.Spec) scenarios.Repro {
	top, _, _ := strings.Cut(test, "/")
	line := fmt.Sprintf("go test -run '^%s$' -kvsim.scenario=%s -kvsim.seed=%d -kvsim.faults=%s", top, s.Scenario, s.Seed, s.Faults)
	return scenarios.Repro{Run: line, GoTest: line, Shrink: line + " -kvsim.shrink -v"}
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
