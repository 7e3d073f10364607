package labrt

import (
	"flag"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/models"
	"github.com/kvsim/kvsim/scenarios"
)

// shrink is the generated program's "shrink" command: rapid looks for a
// failing run of the scenario and profile against the student's code and
// shrinks it (campaign.Shrink), outside go test. Exit 1 when it found one,
// 0 when not, 2 on bad usage.
func shrink(cat campaign.Catalogue, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kvsim lab --shrink", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scenario := fs.String("scenario", "", "scenario to shrink a failure of")
	faults := fs.String("faults", scenarios.SwarmName, "fault profile")
	impl := fs.String("impl", "", "implementation")
	artifacts := fs.String("artifacts", "", "write the minimal run's trace, history and visualization under `DIR`")
	budget := fs.Duration("shrink-time", 5*time.Second, "wall time rapid may spend shrinking")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := cat.Resolve(scenarios.Spec{Scenario: *scenario, Faults: *faults, Impl: *impl})
	if err != nil {
		fmt.Fprintf(stderr, "kvsim lab: %v\n", err)
		return 2
	}
	// campaign.Shrink is written for go test: it reads -test.short and
	// restores rapid's flags in Cleanup.
	testing.Init()
	if err := flag.CommandLine.Parse(nil); err != nil {
		fmt.Fprintf(stderr, "kvsim lab: %v\n", err)
		return 2
	}
	t := &shrinkTB{}
	defer t.cleanup()
	fmt.Fprintf(stderr, "kvsim lab: rapid is looking for a failing run of %s under %s and shrinking it (up to %v)...\n", *scenario, *faults, *budget)
	r, found := campaign.Shrink(t, cfg, campaign.ShrinkOptions{Time: *budget})
	if t.fatal != "" {
		fmt.Fprintf(stderr, "kvsim lab: %s\n", t.fatal)
		return 2
	}
	if !found {
		fmt.Fprintf(stdout, "rapid found no failing run of %s under %s\n", *scenario, *faults)
		return 0
	}
	fmt.Fprintf(stdout, "minimal failing run: %s: %s\n  fault model  %s\n  ops, rpcs    %d, %d\nhistory:\n%s",
		r.Spec, r.Reason, r.FaultModel, r.Ops, r.RPCs, models.FormatKV(r.KVHistory))
	if *artifacts != "" {
		a, err := scenarios.WriteArtifacts(r, *artifacts)
		if err != nil {
			fmt.Fprintf(stderr, "kvsim lab: artifacts: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "artifacts: %s\n", a.Dir)
	}
	return 1
}

// shrinkTB is the testing.TB that campaign.Shrink needs, outside a test.
// The methods it does not override are never called: the embedded TB is nil.
type shrinkTB struct {
	testing.TB
	cleanups []func()
	fatal    string
}

func (t *shrinkTB) Helper()             {}
func (t *shrinkTB) Name() string        { return "kvsim-lab-shrink" }
func (t *shrinkTB) Cleanup(f func())    { t.cleanups = append(t.cleanups, f) }
func (t *shrinkTB) Log(...any)          {}
func (t *shrinkTB) Logf(string, ...any) {}
func (t *shrinkTB) Fatal(args ...any)   { t.fatal = fmt.Sprint(args...) }
func (t *shrinkTB) Fatalf(f string, args ...any) {
	t.fatal = fmt.Sprintf(f, args...)
}

func (t *shrinkTB) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}
