package scenario_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kvsim/kvsim/shardkv/scenario"
	"github.com/kvsim/kvsim/sim"
)

var (
	seedsFlag  = flag.Int("shardkv.seeds", 0, "seeds per sharded scenario (0: 40, 2 under -short and -race)")
	budgetFlag = flag.Duration("shardkv.budget", 0, "wall time per sharded scenario at most (0: 5s, 1s under -short, 5s under -race)")
	fromFlag   = flag.Uint64("shardkv.from", 0, "the first seed (shards of a long campaign: -shardkv.from 100000 -shardkv.seeds 100000)")
	traceFlag  = flag.String("shardkv.trace", "", "a directory to write the trace of each failing seed to, replayed (<scenario>-<seed>.trace)")
)

// report reports the failures of a campaign of s, each with the line that
// replays it, and writes the first ones' traces if -shardkv.trace says
// where.
func report(t *testing.T, s *scenario.Scenario, impl scenario.Impl, failed []scenario.Result) {
	t.Helper()
	for i, r := range failed {
		if i == 5 {
			t.Errorf("and %d more", len(failed)-5)
			return
		}
		t.Errorf("%v\n\treplay: go test ./shardkv/scenario -run 'TestReferencePasses/%s$' -shardkv.from %d -shardkv.seeds 1 -shardkv.trace .", &r, s.Name, r.Seed)
		if *traceFlag == "" {
			continue
		}
		again := scenario.Run(s, scenario.Config{Seed: r.Seed, Impl: impl, Trace: true})
		var b bytes.Buffer
		if err := sim.WriteTrace(&b, again.Trace); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(*traceFlag, fmt.Sprintf("%s-%d.trace", s.Name, r.Seed))
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("trace of seed %d (hash %016x, %016x when first run): %s", r.Seed, again.Hash, r.Hash, path)
	}
}

// campaign runs seeds from, from+1, ... of s with impl on every core,
// each worker with a runner, until n seeds ran, the budget is spent, or
// (stopAtFirst) one failed; it returns how many ran and the failures, in
// seed order.
func campaign(s *scenario.Scenario, impl scenario.Impl, from uint64, n int, budget time.Duration, stopAtFirst bool) (int, []scenario.Result) {
	results := make([]*scenario.Result, n)
	var next atomic.Int64
	var found atomic.Bool
	deadline := time.Now().Add(budget)
	more := func() bool { return time.Now().Before(deadline) && !(stopAtFirst && found.Load()) }
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			var runner sim.Runner
			for i := next.Add(1) - 1; i < int64(n) && more(); i = next.Add(1) - 1 {
				r := scenario.Run(s, scenario.Config{Seed: from + uint64(i), Impl: impl, Runner: &runner})
				results[i] = &r
				if r.Failed() {
					found.Store(true)
				}
			}
		})
	}
	wg.Wait()
	ran, failed := 0, []scenario.Result(nil)
	for _, r := range results {
		if r != nil {
			ran++
			if r.Failed() {
				failed = append(failed, *r)
			}
		}
	}
	return ran, failed
}

// TestReferencePasses: the reference service passes every sharded
// scenario on many seeds (-shardkv.seeds, -shardkv.budget and
// -shardkv.from say how many and which): no check fails, no run panics or
// gets stuck.
func TestReferencePasses(t *testing.T) {
	n, budget := 40, 5*time.Second
	switch {
	case testing.Short():
		n, budget = 2, time.Second
	case raceEnabled:
		// The race detector's memory grows with every goroutine a
		// process starts, and CI runs the whole module under it.
		n, budget = 2, 5*time.Second
	}
	if *seedsFlag > 0 {
		n = *seedsFlag
	}
	if *budgetFlag > 0 {
		budget = *budgetFlag
	}
	for _, s := range scenario.All() {
		t.Run(s.Name, func(t *testing.T) {
			start := time.Now()
			ran, failed := campaign(s, scenario.Reference(), *fromFlag, n, budget, false)
			report(t, s, scenario.Reference(), failed)
			t.Logf("%d seeds from %d, %.0f seeds/s", ran, *fromFlag, float64(ran)/time.Since(start).Seconds())
		})
	}
}

// TestNamesAndDocs: every scenario has a unique name and a doc, and Named
// finds it and no other.
func TestNamesAndDocs(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range scenario.All() {
		if seen[s.Name] || s.Doc == "" {
			t.Errorf("scenario %q: duplicate or without a doc", s.Name)
		}
		seen[s.Name] = true
		if got, err := scenario.Named(s.Name); got != s || err != nil {
			t.Errorf("Named(%q) = %v, %v", s.Name, got, err)
		}
	}
	if _, err := scenario.Named("no-such-scenario"); err == nil {
		t.Errorf("Named found a scenario that does not exist")
	}
}
