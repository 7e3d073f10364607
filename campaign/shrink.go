package campaign

import (
	"flag"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/sim/simrapid"
	"pgregory.net/rapid"
)

// ShrinkOptions bound rapid's search. The zero value is a repeatable search
// of 300 runs with 5 s of shrinking.
type ShrinkOptions struct {
	// Checks is how many runs rapid tries before giving up; 0 means 300.
	// It holds under go test -short too (rapid divides its count by 5
	// there; Shrink makes up for it).
	Checks int
	// Seed seeds rapid's search; 0 means a fixed seed, so that the same
	// configuration always shrinks to the same run.
	Seed uint64
	// Time bounds the shrinking in wall time; 0 means 5 s. A slower
	// machine gets a larger, still failing, run.
	Time time.Duration
}

const defaultShrinkSeed = 20261125

// Shrink has rapid look for a failing run of cfg's scenario, profile and
// implementation, drawing every choice (fault model, workload, delays,
// drops, tie-breaks) from rapid, then shrink it to a minimal one. It
// returns that run, traced, and true; or false when rapid found no
// failure. cfg's Seed and Entropy are ignored. Rapid's failure report goes
// nowhere: the caller decides what a found failure means. Shrink sets
// rapid's flags for its search, so calls must not run in parallel.
func Shrink(t testing.TB, cfg scenarios.Config, opts ShrinkOptions) (scenarios.Result, bool) {
	t.Helper()
	checks := opts.Checks
	if checks == 0 {
		checks = 300
	}
	if testing.Short() {
		checks *= 5
	}
	seed := opts.Seed
	if seed == 0 {
		seed = defaultShrinkSeed
	}
	shrinkTime := opts.Time
	if shrinkTime == 0 {
		shrinkTime = 5 * time.Second
	}
	setFlag(t, "rapid.seed", strconv.FormatUint(seed, 10))
	setFlag(t, "rapid.nofailfile", "true")
	setFlag(t, "rapid.checks", strconv.Itoa(checks))
	setFlag(t, "rapid.shrinktime", shrinkTime.String())

	var minimal scenarios.Result
	found := &failureRecorder{TB: t}
	var runner scenarios.Runner // rapid's runs follow one another
	rapid.Check(found, func(rt *rapid.T) {
		c := cfg
		c.Entropy, c.Trace = simrapid.Entropy(rt), true
		if r := runner.Run(c); r.Failed() {
			minimal = r
			rt.Fatal(r.Summary())
		}
	})
	return minimal, found.failed && minimal.Failed()
}

// failureRecorder is a rapid.TB that records rapid's failure report
// instead of failing the test.
type failureRecorder struct {
	testing.TB
	failed bool
}

func (f *failureRecorder) Errorf(string, ...any) { f.failed = true }
func (f *failureRecorder) Error(...any)          { f.failed = true }
func (f *failureRecorder) Fatalf(string, ...any) { f.failed = true }
func (f *failureRecorder) Fatal(...any)          { f.failed = true }
func (f *failureRecorder) Fail()                 { f.failed = true }
func (f *failureRecorder) FailNow()              { f.failed = true }
func (f *failureRecorder) Failed() bool          { return f.failed }
func (f *failureRecorder) Log(...any)            {}
func (f *failureRecorder) Logf(string, ...any)   {}

// setFlag sets a flag for the rest of the test, or fails it when the
// binary has no such flag.
func setFlag(t testing.TB, name, value string) {
	t.Helper()
	fl := flag.Lookup(name)
	if fl == nil {
		t.Fatalf("campaign: no flag -%s in this binary", name)
	}
	old := fl.Value.String()
	if err := flag.Set(name, value); err != nil {
		t.Fatal(fmt.Errorf("campaign: -%s=%s: %w", name, value, err))
	}
	t.Cleanup(func() { flag.Set(name, old) })
}
