package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"

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
	// run makes one run; interrupted says that Ctrl-C or SIGTERM cut it
	// short (its worker killed), which is no failure of the folder's.
	run := func(ctx context.Context, name string, seed uint64, trace bool) (resp worker.RaftResponse, interrupted bool) {
		runCtx, cancel := context.WithTimeout(ctx, fl.cf.runTimeout)
		defer cancel()
		req := worker.RaftRequest{Scenario: name, Seed: seed, Profile: fl.cf.faults, Trace: trace}
		if err := pool.Call(runCtx, req, &resp); err != nil {
			if ctx.Err() != nil {
				return resp, true
			}
			resp = worker.RaftResponse{Result: scenario.Result{Scenario: name, Seed: seed, Failure: err.Error()}}
			if runCtx.Err() != nil && ctx.Err() == nil {
				resp.Result.Failure = fmt.Sprintf("stuck: the run had not returned after %v of wall time: a Raft that spins without blocking or blocks outside the simulator, or a long run on a loaded machine (--run-timeout sets the limit; the run's profile and size are the seed's, shown when it returns)", fl.cf.runTimeout)
			}
		}
		if resp.Err != "" {
			resp.Result.Failure = resp.Err
		}
		return resp, false
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
	seeds := fl.cf.seeds
	var (
		results  []worker.RaftResponse
		failed   bool
		stopping = make(chan struct{})
	)
	fmt.Fprintf(cmd.ErrOrStderr(), "kvsim lab: %s: Raft scenarios %s, seeds %d to %d\n", fl.dir, strings.Join(names, ","), fl.cf.start, fl.cf.start+seeds-1)
	var i uint64
	next := func() (string, uint64, bool) {
		if i >= seeds*uint64(len(names)) {
			return "", 0, false
		}
		name, seed := names[i%uint64(len(names))], fl.cf.start+i/uint64(len(names))
		i++
		return name, seed, true
	}
	raftRuns(ctx, stopping, parallel, run, next, func(resp worker.RaftResponse) {
		results = append(results, resp)
		if resp.Result.Failed() && !failed {
			failed = true
			if !fl.cf.keepGoing {
				close(stopping)
			}
		}
	})
	slices.SortFunc(results, func(a, b worker.RaftResponse) int {
		if a.Result.Seed != b.Result.Seed {
			return compareUint(a.Result.Seed, b.Result.Seed)
		}
		return slices.Index(names, a.Result.Scenario) - slices.Index(names, b.Result.Scenario)
	})
	shown := map[string]bool{}
	for i := range results {
		r := &results[i]
		if r.Result.Failed() && !shown[r.Result.Scenario] {
			shown[r.Result.Scenario] = true // the lowest failing seed of each scenario
			printRaftRun(out, r, repro)
			if outs.artifact != "" {
				// Replayed traced, for its artifacts.
				replay, interrupted := run(ctx, r.Result.Scenario, r.Result.Seed, true)
				if interrupted {
					fmt.Fprintln(out)
					continue
				}
				if replay.Result.Hash != r.Result.Hash {
					fmt.Fprintf(out, "warning: the replay's trace hash %016x differs from the first run's %016x: the run is not deterministic\n", replay.Result.Hash, r.Result.Hash)
				}
				outs.write(out, &replay, repro(&replay.Result))
			}
			fmt.Fprintln(out)
		}
	}
	printRaftTable(out, names, results)
	if ctx.Err() != nil {
		fmt.Fprintln(out, "interrupted: this summary is partial")
	}
	switch {
	case failed:
		return exitCode(1)
	case ctx.Err() != nil:
		return errInterrupted
	}
	return nil
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

func printRaftTable(w io.Writer, names []string, results []worker.RaftResponse) {
	type row struct{ runs, passed, failed int }
	rows := map[string]*row{}
	for _, n := range names {
		rows[n] = &row{}
	}
	passed, failed := 0, 0
	for i := range results {
		r := rows[results[i].Result.Scenario]
		r.runs++
		if results[i].Result.Failed() {
			r.failed++
			failed++
		} else {
			r.passed++
			passed++
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tRUNS\tPASSED\tFAILED")
	for _, n := range names {
		r := rows[n]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", n, r.runs, r.passed, r.failed)
	}
	tw.Flush()
	fmt.Fprintf(w, "%d passed, %d failed\n", passed, failed)
}

// raftRuns makes the runs next names, parallel at a time, until next has
// no more, stop is closed or ctx ends (runs ctx cuts short are dropped),
// and hands each finished run to done. next and done are called one at a
// time.
func raftRuns(ctx context.Context, stop <-chan struct{}, parallel int, run raftRun, next func() (string, uint64, bool), done func(worker.RaftResponse)) {
	type job struct {
		name string
		seed uint64
	}
	jobs := make(chan job)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range parallel {
		wg.Go(func() {
			for j := range jobs {
				resp, interrupted := run(ctx, j.name, j.seed, false)
				if interrupted {
					continue
				}
				mu.Lock()
				done(resp)
				mu.Unlock()
			}
		})
	}
	defer wg.Wait()
	defer close(jobs)
	for {
		mu.Lock()
		name, seed, ok := next()
		mu.Unlock()
		if !ok {
			return
		}
		select {
		case jobs <- job{name, seed}:
		case <-stop:
			return
		case <-ctx.Done():
			return
		}
	}
}

// raftRun makes one run of a folder's Raft: a scenario's seed, traced or
// not; interrupted says ctx ended before it did (Ctrl-C, or a search's
// time up).
type raftRun func(ctx context.Context, name string, seed uint64, trace bool) (resp worker.RaftResponse, interrupted bool)
