package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/kvsim/kvsim/raft/scenario"
	"github.com/kvsim/kvsim/worker"
)

// raftSmaller orders Raft failures by how much there is to read: a run
// that returned before one that did not (stuck past its wall time, its
// worker dead: nothing to read), then fewer servers, then an earlier end
// (a failing run ends at its first violation), then fewer RPCs.
func raftSmaller(a, b *scenario.Result) bool {
	if returned := a.Servers > 0; returned != (b.Servers > 0) {
		return returned
	}
	if a.Servers != b.Servers {
		return a.Servers < b.Servers
	}
	if a.Time != b.Time {
		return a.Time < b.Time
	}
	return a.RPCs < b.RPCs
}

// shrinkRaft is kvsim lab --shrink on a raft1 folder. A Raft run is made
// of a seed, not of recorded choices a cut could shorten, so it searches:
// seeds from start on, of every scenario named, on parallel workers, for
// budget of wall time (runs still going then are dropped), and keeps the
// smallest failure (raftSmaller), which it prints as a campaign prints a
// failure, with the line that replays it, and writes its outputs
// (replayed traced).
func shrinkRaft(ctx context.Context, w io.Writer, names []string, start uint64, parallel int, budget time.Duration, run raftRun, outs raftOutputs, repro func(*scenario.Result) string) error {
	began := time.Now()
	search, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	var (
		first, best   *worker.RaftResponse
		runs, failing int
		seed          = start
		name          int
	)
	next := func() (string, uint64, bool) {
		n, sd := names[name], seed
		if name++; name == len(names) {
			name, seed = 0, seed+1
		}
		return n, sd, true
	}
	labRuns(search, nil, parallel, run, next, func(resp worker.RaftResponse) {
		runs++
		if !resp.Result.Failed() {
			return
		}
		failing++
		if first == nil {
			first = &resp
		}
		if best == nil || raftSmaller(&resp.Result, &best.Result) {
			best = &resp
		}
	})
	took := time.Since(began).Round(100 * time.Millisecond)
	if best == nil {
		fmt.Fprintf(w, "no failing run in %d runs (%v): nothing to shrink\n", runs, took)
		if ctx.Err() != nil {
			return errInterrupted
		}
		return nil
	}
	r := &best.Result
	fmt.Fprintf(w, "smallest failing run: %d servers, failing at %v of virtual time, %d RPCs (the first failing run found: %d servers, at %v, %d RPCs); the smallest of %d failures in %d runs, searched for %v:\n",
		r.Servers, r.Time, r.RPCs, first.Result.Servers, first.Result.Time, first.Result.RPCs, failing, runs, took)
	printRaftRun(w, best, repro)
	if outs.traced() {
		replay, interrupted := run(ctx, r.Scenario, r.Seed, true)
		if interrupted {
			return errInterrupted
		}
		if replay.Result.Hash != r.Hash {
			fmt.Fprintf(w, "warning: the replay's trace hash %016x differs from the first run's %016x: the run is not deterministic\n", replay.Result.Hash, r.Hash)
		}
		if err := outs.write(w, &replay, repro(&replay.Result)); err != nil {
			return exitCode(2)
		}
	}
	return exitCode(1)
}
