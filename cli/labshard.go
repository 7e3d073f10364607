package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/lab"
	"github.com/kvsim/kvsim/shardkv/scenario"
	"github.com/kvsim/kvsim/sim"
	"github.com/kvsim/kvsim/worker"
	"github.com/spf13/cobra"
)

// runShardLab is kvsim lab on a shardkv1 folder: the sharded scenarios
// (package shardkv/scenario) with the folder's groups, controllers and
// clerks, made in the folder's worker processes; a campaign, or one run
// with --seed.
func runShardLab(ctx context.Context, cmd *cobra.Command, fl labFlags, prog lab.Program, single bool) error {
	names, err := shardScenarios(fl.cf.scenario)
	if err != nil {
		return usageError{err}
	}
	pool := &worker.Pool{Path: prog.Path, Env: append(os.Environ(), "KVSIM_LAB_DIR="+fl.dir), Stderr: cmd.ErrOrStderr()}
	defer pool.Close()
	out := cmd.OutOrStdout()
	repro := func(r *scenario.Result) string {
		line := fmt.Sprintf("kvsim lab --dir %s --scenario %s --seed %d", shellQuote(fl.dir), r.Scenario, r.Seed)
		if fl.cf.runTimeout != clusterRunTimeout {
			line += " --run-timeout " + fl.cf.runTimeout.String()
		}
		return line
	}
	run := func(ctx context.Context, name string, seed uint64, trace bool) (worker.ShardResponse, bool) {
		req := worker.ShardRequest{Scenario: name, Seed: seed, Trace: trace}
		resp, interrupted := labCall(ctx, pool, fl.cf.runTimeout, req, func(why string) worker.ShardResponse {
			return worker.ShardResponse{Result: scenario.Result{Scenario: name, Seed: seed, Failure: why}}
		})
		if resp.Err != "" {
			resp.Result.Failure = resp.Err
		}
		return resp, interrupted
	}
	if single {
		resp, interrupted := run(ctx, names[0], fl.seed, fl.rf.showTrace)
		if interrupted {
			return errInterrupted
		}
		if fl.rf.showTrace {
			sim.WriteTrace(out, resp.Result.Trace)
		}
		printShardRun(out, &resp, repro)
		if resp.Result.Failed() {
			return exitCode(1)
		}
		return nil
	}
	parallel := fl.cf.parallel
	if parallel <= 0 {
		parallel = runtime.NumCPU()
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "kvsim lab: %s: sharded scenarios %s, seeds %d to %d\n", fl.dir, strings.Join(names, ","), fl.cf.start, fl.cf.start+fl.cf.seeds-1)
	results, failed := labCampaign(ctx, names, fl.cf.start, fl.cf.seeds, parallel, fl.cf.keepGoing, run, shardOutcome)
	for _, r := range firstFailures(results, shardOutcome) {
		printShardRun(out, r, repro)
		fmt.Fprintln(out)
	}
	return labEnd(ctx, out, names, results, failed, shardOutcome)
}

// shardOutcome is a sharded run's scenario, seed and verdict.
func shardOutcome(r *worker.ShardResponse) labOutcome {
	return labOutcome{r.Result.Scenario, r.Result.Seed, r.Result.Failed()}
}

// shardScenarios resolves --scenario ("all", or names separated by
// commas) among the sharded scenarios.
func shardScenarios(list string) ([]string, error) {
	var all []string
	for _, s := range scenario.All() {
		all = append(all, s.Name)
	}
	if list == "" || list == "all" {
		return all, nil
	}
	names := strings.Split(list, ",")
	for _, n := range names {
		if !slices.Contains(all, n) {
			return nil, fmt.Errorf("lab: unknown sharded scenario %q (have: %s)", n, strings.Join(all, ", "))
		}
	}
	return names, nil
}

// printShardRun prints a run's outcome, and for a failure what the
// folder printed and the line that replays it.
func printShardRun(w io.Writer, resp *worker.ShardResponse, repro func(*scenario.Result) string) {
	r := &resp.Result
	if !r.Failed() {
		fmt.Fprintf(w, "ok %s seed=%d (%s): trace hash %016x, %d operations, %d configurations, %v of virtual time\n", r.Scenario, r.Seed, r.Shape, r.Hash, r.Ops, r.Configs, r.Time)
		return
	}
	fmt.Fprintf(w, "FAIL %s seed=%d: %s\n", r.Scenario, r.Seed, r.Failure)
	fmt.Fprintf(w, "  shape           %s\n  trace hash      %016x\n  operations      %d\n  configurations  %d (%d controllers interrupted)\n  simulated time  %v\n  kvsim           %s\n",
		r.Shape, r.Hash, r.Ops, r.Configs, r.Interrupted, r.Time, kvsim.Version())
	if resp.Output != "" {
		lines := strings.Split(strings.TrimRight(resp.Output, "\n"), "\n")
		fmt.Fprintf(w, "output of the folder (last %d lines):\n", min(20, len(lines)))
		for _, l := range lines[max(0, len(lines)-20):] {
			fmt.Fprintf(w, "  | %s\n", l)
		}
	}
	fmt.Fprintf(w, "repro: %s\n", repro(r))
	fmt.Fprintf(w, "trace: %s --trace\n", repro(r))
}
