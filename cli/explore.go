package cli

import (
	"cmp"
	"fmt"

	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/sim/explore"
	"github.com/spf13/cobra"
)

func newExploreCmd(cat campaign.Catalogue) *cobra.Command {
	var (
		spec   scenarios.Spec
		bound  explore.Bound
		ladder bool
	)
	cmd := &cobra.Command{
		Use:   "explore --scenario S [--faults P] [--impl I] [--max-faults N] [--max-ties N] [--workload N] [--runs N] | --ladder",
		Short: "Enumerate every run of a small configuration within a bound (stateless model checking)",
		Long: `Enumerate every run of one scenario, profile and implementation within a
bound, depth first over the decision tree, as a stateless model checker
does: every tie at most --max-ties times out of scheduling order, every
per-message fault (drop, duplicate, long delay) on or off with at most
--max-faults in a run, each workload draw over its first --workload values.
Jitter is 0 and long delays are at their longest, to keep the tree small.

It prints how many distinct runs it covered and "no bug within this bound"
when it exhausted the bound without a failure. A failure prints its repro
line, which replays the run from its recorded choices (--strategy
replay:...). --ladder climbs the default bounds instead, from the smallest.
Exit 0 when no run failed, 1 when one did, 2 on bad usage.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if spec.Scenario == "" {
				return usagef("explore needs --scenario")
			}
			if bound.Faults < 0 || bound.Workload < 0 || bound.Runs < 0 {
				return usagef("--max-faults, --workload and --runs must be 0 or more")
			}
			cfg, err := cat.Resolve(spec)
			if err != nil {
				return usageError{err}
			}
			bounds := []explore.Bound{bound}
			if ladder {
				bounds = explore.Ladder()
			}
			restoreGC := manyRunsGC()
			x := campaign.Explore(cfg, bounds)
			restoreGC()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "explore %s faults=%s impl=%s, bound faults<=%d ties<=%d workload=%d runs<=%d\n",
				cfg.Scenario.Name, cfg.Profile.Name, cfg.Spec().Impl, x.Bound.Faults, x.Bound.Ties, max(x.Bound.Workload, 1), cmp.Or(x.Bound.Runs, explore.DefaultRuns))
			fmt.Fprintf(out, "%d distinct runs, %d decisions at most in one\n", x.Runs, x.Deepest)
			switch {
			case x.Err != nil:
				return fmt.Errorf("explore: %v", x.Err)
			case x.Report.Failure != nil:
				fmt.Fprint(out, "FAIL ")
				printResult(out, x.Failure)
				return errFailureFound
			case x.Exhausted:
				fmt.Fprintln(out, "no bug within this bound: every run within it passed")
			default:
				fmt.Fprintln(out, "no bug found, but the bound was not exhausted: raise --runs or tighten the bound")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&spec.Scenario, "scenario", "", "scenario to explore (a small one: see 'kvsim scenarios')")
	f.StringVar(&spec.Faults, "faults", "", "fault profile whose faults may fire (default: the scenario's own)")
	f.StringVar(&spec.Impl, "impl", scenarios.ReferenceName, "implementation: reference or zoo/NAME")
	f.IntVar(&bound.Faults, "max-faults", 1, "most per-message faults in one run")
	f.IntVar(&bound.Ties, "max-ties", 1, "most ties taken out of scheduling order in one run; -1 for no limit")
	f.IntVar(&bound.Workload, "workload", 1, "values tried for each workload draw, from 0 up")
	f.IntVar(&bound.Runs, "runs", 0, fmt.Sprintf("most runs (default %d)", explore.DefaultRuns))
	f.BoolVar(&ladder, "ladder", false, "climb explore.Ladder's bounds instead of the flags' one")
	return cmd
}
