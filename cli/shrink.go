package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/search"
	"github.com/kvsim/kvsim/sim/explore"
	"github.com/spf13/cobra"
)

// defaultShrinkTime is how long kvsim lab --shrink searches by default:
// on the course-style bugs of lab/testdata, enough to get each down to a
// few operations.
const defaultShrinkTime = 10 * time.Second

// pickSeeds is the most seeds of the campaign a shrink starts with: those
// of a lab campaign.
const pickSeeds = 200

// runShrink is kvsim lab --shrink, shrinking outside go test: it looks for
// the smallest failing run of a scenario and profile, and reports it as a
// run is reported (the same lines, the same artifacts), with a repro line
// that replays exactly that run from its choices (--seed N --strategy
// replay:CHOICES). Without --scenario, it shrinks in the scenario and
// profile of the smallest failure of a campaign. A campaign comes first,
// through the executor; then the searches of search.Smallest, where the
// runs are made (executor.Smallest). Nothing of it sets process-wide
// state. Exit 1 when it found a failure, 0 when not.
func runShrink(cmd *cobra.Command, e edge, fl labFlags) error {
	ctx, stdout, stderr := cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr()
	if err := fl.rf.check(); err != nil {
		return err
	}
	impl, err := e.cat.Impl(fl.cf.impl)
	if err != nil {
		return usageError{err}
	}
	start, budget := time.Now(), fl.shrinkTime
	var names []string
	if fl.cf.scenario != "" && fl.cf.scenario != "all" {
		names = strings.Split(fl.cf.scenario, ",")
	}

	// A campaign first: its smallest failure is the first candidate and,
	// if more than one scenario is named, says which one to shrink in.
	runs, err := e.cat.Runs(names, fl.cf.faults, impl)
	if err != nil {
		return usageError{err}
	}
	sum, err := campaign.Run(ctx, campaign.Config{Runs: runs, Seeds: pickSeeds, Duration: budget / 4, KeepGoing: true, Executor: e.ex, RunTimeout: fl.cf.runTimeout})
	if err != nil {
		return usageError{err}
	}
	var small scenarios.Result
	if len(sum.Failures) > 0 {
		small = slices.MinFunc(sum.Failures, func(a, b scenarios.Result) int {
			return cmp.Or(cmp.Compare(a.Ops, b.Ops), cmp.Compare(a.Seed, b.Seed))
		})
	}
	var perRun time.Duration
	if sum.Runs > 0 {
		perRun = sum.Elapsed * time.Duration(runtime.GOMAXPROCS(0)) / time.Duration(sum.Runs)
	}
	every := cmp.Or(fl.cf.scenario, "every scenario")
	if len(names) != 1 {
		if !small.Failed() {
			fmt.Fprintf(stdout, "no failure in %d seeds of %s, so nothing to shrink: --scenario S searches S itself\n", sum.Seeds, every)
			return nil
		}
		names = []string{small.Scenario}
		fmt.Fprintf(stderr, "kvsim lab: shrinking in %s under %s: its failure was the smallest of a %d-seed campaign of %s (seed %d, %s)\n",
			small.Scenario, small.Faults, sum.Seeds, every, small.Seed, plural(small.Ops, "op"))
	}
	cfg, err := e.cat.Resolve(kvsim.Spec{Scenario: names[0], Faults: fl.cf.faults, Impl: impl.Name})
	if err != nil {
		return usageError{err}
	}
	what := cfg.Scenario.Name + " under " + cfg.Profile.Name
	fmt.Fprintf(stderr, "kvsim lab: looking for the smallest failing run of %s (up to %v)...\n", what, budget)
	req := search.Request{Budget: time.Until(start.Add(budget)), PerRun: perRun}
	if small.Failed() {
		req.Failing, req.Seed, req.TraceHash = true, small.Seed, small.TraceHash
	}
	// Guarded: a search whose run hangs outside the simulator is ended
	// (its worker killed) once its budget and two runs' timeouts passed.
	watched, cancel := context.WithTimeout(ctx, req.Budget+2*fl.cf.runTimeout)
	defer cancel()
	found, err := e.ex.Smallest(watched, cfg, req)
	switch {
	case err != nil && ctx.Err() == nil && watched.Err() != nil:
		return fmt.Errorf("the search for the smallest failing run of %s did not end within %v: a run hangs outside simulator calls (%v); a campaign of it reports the run stuck", what, req.Budget+2*fl.cf.runTimeout, err)
	case err != nil:
		return err
	}
	if !found.Failed {
		fmt.Fprintf(stdout, "no failing run of %s found in %.1fs: %d seeds, %d runs of small draws and %d of kvsim explore\n",
			what, time.Since(start).Seconds(), sum.Seeds, found.SmallRuns, found.ExploreRuns)
		return nil
	}

	// The minimal run, replayed from its choices as its repro line will.
	cfg.Seed, cfg.Strategy = found.Seed, explore.ReplayStrategy(found.Choices)
	return runTraced(cmd, e, cfg, fl.rf, func(r scenarios.Result, head io.Writer) error {
		if !r.Failed() || r.TraceHash != found.Result.TraceHash {
			fmt.Fprintf(stdout, "minimal failing run: %s\nbut its choices do not replay it (trace hash %s, %s the first time): the folder's code is not deterministic\n",
				found.Result.Summary(), r.TraceHash, found.Result.TraceHash)
			return errFailureFound
		}
		fmt.Fprintf(head, "minimal failing run: %s (the first failing run found had %d), found by %s in %.1fs:\n",
			plural(found.Result.Ops, "op"), found.FirstOps, found.By, time.Since(start).Seconds())
		return nil
	})
}
