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
	"github.com/kvsim/kvsim/raft/scenario"
	"github.com/kvsim/kvsim/sim"
	"github.com/kvsim/kvsim/worker"
	"github.com/spf13/cobra"
)

// runRaftLab is kvsim lab on a raft1 folder: the Raft scenarios (package
// raft/scenario) with the folder's Make, made in the folder's worker
// processes; a campaign, one run with --seed, or a search for the
// smallest failure with --shrink.
func runRaftLab(ctx context.Context, cmd *cobra.Command, fl labFlags, prog lab.Program, single bool) error {
	names, err := raftScenarios(fl.cf.scenario)
	if err != nil {
		return usageError{err}
	}
	if err := raftProfile(fl.cf.faults); err != nil {
		return usageError{err}
	}
	outs := raftOutputs{impl: fl.dir, reportTo: fl.rf.reportTo, artifact: fl.cf.artifacts}
	if err := outs.check(); err != nil {
		return err
	}
	pool := &worker.Pool{Path: prog.Path, Env: append(os.Environ(), "KVSIM_LAB_DIR="+fl.dir), Stderr: cmd.ErrOrStderr()}
	defer pool.Close()
	out := cmd.OutOrStdout()
	repro := func(r *scenario.Result) string {
		line := fmt.Sprintf("kvsim lab --dir %s --scenario %s --seed %d", shellQuote(fl.dir), r.Scenario, r.Seed)
		if fl.cf.faults != "" {
			line += " --faults " + shellQuote(fl.cf.faults)
		}
		if fl.cf.runTimeout != raftRunTimeout {
			line += " --run-timeout " + fl.cf.runTimeout.String()
		}
		return line
	}
	run := func(ctx context.Context, name string, seed uint64, trace bool) (worker.RaftResponse, bool) {
		req := worker.RaftRequest{Scenario: name, Seed: seed, Profile: fl.cf.faults, Trace: trace}
		resp, interrupted := labCall(ctx, pool, fl.cf.runTimeout, req, func(why string) worker.RaftResponse {
			return worker.RaftResponse{Result: scenario.Result{Scenario: name, Seed: seed, Failure: why}}
		})
		if resp.Err != "" {
			resp.Result.Failure = resp.Err
		}
		return resp, interrupted
	}
	parallel := fl.cf.parallel
	if parallel <= 0 {
		parallel = runtime.NumCPU()
	}
	if fl.shrink {
		return shrinkRaft(ctx, out, names, fl.cf.start, parallel, fl.shrinkTime, run, outs, repro)
	}
	if single {
		resp, interrupted := run(ctx, names[0], fl.seed, fl.rf.showTrace || outs.traced())
		if interrupted {
			return errInterrupted
		}
		if fl.rf.showTrace {
			sim.WriteTrace(out, resp.Result.Trace)
		}
		printRaftRun(out, &resp, repro)
		werr := outs.write(out, &resp, repro(&resp.Result))
		if resp.Result.Failed() {
			return exitCode(1)
		}
		if werr != nil {
			return exitCode(2)
		}
		return nil
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "kvsim lab: %s: Raft scenarios %s, seeds %d to %d\n", fl.dir, strings.Join(names, ","), fl.cf.start, fl.cf.start+fl.cf.seeds-1)
	results, failed := labCampaign(ctx, names, fl.cf.start, fl.cf.seeds, parallel, fl.cf.keepGoing, run, raftOutcome)
	for _, r := range firstFailures(results, raftOutcome) {
		printRaftRun(out, r, repro)
		if outs.artifact != "" {
			// Replayed traced, for its artifacts.
			replay, interrupted := run(ctx, r.Result.Scenario, r.Result.Seed, true)
			if !interrupted {
				if replay.Result.Hash != r.Result.Hash {
					fmt.Fprintf(out, "warning: the replay's trace hash %016x differs from the first run's %016x: the run is not deterministic\n", replay.Result.Hash, r.Result.Hash)
				}
				outs.write(out, &replay, repro(&replay.Result))
			}
		}
		fmt.Fprintln(out)
	}
	return labEnd(ctx, out, names, results, failed, raftOutcome)
}

// raftRun is a run of a raft1 folder.
type raftRun = labRun[worker.RaftResponse]

// raftOutcome is a Raft run's scenario, seed and verdict.
func raftOutcome(r *worker.RaftResponse) labOutcome {
	return labOutcome{r.Result.Scenario, r.Result.Seed, r.Result.Failed()}
}

func compareUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// raftScenarios resolves --scenario ("all", or names separated by commas).
func raftScenarios(list string) ([]string, error) {
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
			return nil, fmt.Errorf("lab: unknown Raft scenario %q (have: %s)", n, strings.Join(all, ", "))
		}
	}
	return names, nil
}

// raftProfile checks that --faults names a Raft network ("" keeps each
// scenario's own): an unknown one is a usage error, not a failure of
// every run.
func raftProfile(name string) error {
	if name == "" {
		return nil
	}
	var have []string
	for _, p := range scenario.Profiles {
		if p.Name == name {
			return nil
		}
		have = append(have, p.Name)
	}
	return fmt.Errorf("lab: unknown Raft fault profile %q (have: %s)", name, strings.Join(have, ", "))
}

// printRaftRun prints a run's outcome, and for a failure what the folder
// printed and the line that replays it.
func printRaftRun(w io.Writer, resp *worker.RaftResponse, repro func(*scenario.Result) string) {
	r := &resp.Result
	if !r.Failed() {
		fmt.Fprintf(w, "ok %s seed=%d profile=%s servers=%d: trace hash %016x, %d RPCs, %v of virtual time\n", r.Scenario, r.Seed, r.Profile, r.Servers, r.Hash, r.RPCs, r.Time)
		return
	}
	fmt.Fprintf(w, "FAIL %s seed=%d profile=%s servers=%d: %s\n", r.Scenario, r.Seed, r.Profile, r.Servers, r.Failure)
	fmt.Fprintf(w, "  fault model     %s\n  trace hash      %016x\n  rpcs            %d\n  simulated time  %v\n  kvsim           %s\n", r.Faults, r.Hash, r.RPCs, r.Time, kvsim.Version())
	if resp.Output != "" {
		lines := strings.Split(strings.TrimRight(resp.Output, "\n"), "\n")
		fmt.Fprintf(w, "output of the Raft (last %d lines):\n", min(20, len(lines)))
		for _, l := range lines[max(0, len(lines)-20):] {
			fmt.Fprintf(w, "  | %s\n", l)
		}
	}
	fmt.Fprintf(w, "repro: %s\n", repro(r))
	fmt.Fprintf(w, "trace: %s --trace\n", repro(r))
	fmt.Fprintf(w, "shrink: %s --shrink\n", strings.Replace(repro(r), fmt.Sprintf(" --seed %d", r.Seed), "", 1))
}
