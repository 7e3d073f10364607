package scenario_test

import (
	"flag"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/raft/ref"
	"github.com/kvsim/kvsim/raft/scenario"
	"github.com/kvsim/kvsim/sim"
)

var (
	seedsFlag  = flag.Int("raft.seeds", 0, "seeds per Raft scenario (0: 2,000, or 20 under -short)")
	budgetFlag = flag.Duration("raft.budget", 0, "wall time per Raft scenario at most (0: 30s, or 500ms under -short)")
	fromFlag   = flag.Uint64("raft.from", 0, "the first seed (shards of a long campaign: -raft.from 100000 -raft.seeds 100000)")
)

// campaign runs seeds from, from+1, ... of s on every core, each worker
// with a runner, until n seeds ran or the budget is spent, and returns
// how many ran and the failures.
func campaign(s *scenario.Scenario, mk harness.Make, from uint64, n int, budget time.Duration) (int, []scenario.Result) {
	var next atomic.Int64
	deadline := time.Now().Add(budget)
	var mu sync.Mutex
	var failed []scenario.Result
	ran := 0
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			var runner sim.Runner
			for time.Now().Before(deadline) {
				seed := next.Add(1) - 1
				if seed >= int64(n) {
					return
				}
				r := scenario.Run(s, scenario.Config{Seed: from + uint64(seed), Make: mk, Runner: &runner})
				mu.Lock()
				ran++
				if r.Failed() {
					failed = append(failed, r)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return ran, failed
}

// TestReferencePasses: the reference Raft passes every scenario on many
// seeds (2,000 each, or as many as a budget allows; -raft.seeds and
// -raft.budget say otherwise): no check, no expectation of the course's
// tests fails, no run panics or gets stuck.
func TestReferencePasses(t *testing.T) {
	n, budget := 2000, 30*time.Second
	switch {
	case testing.Short():
		n, budget = 20, 500*time.Millisecond
	case raceEnabled:
		// The race detector's memory grows with every goroutine a
		// process starts, and CI runs the whole module under it.
		n, budget = 40, 5*time.Second
	}
	if *seedsFlag > 0 {
		n = *seedsFlag
	}
	if *budgetFlag > 0 {
		budget = *budgetFlag
	}
	for _, s := range scenario.All() {
		t.Run(s.Name, func(t *testing.T) {
			if raceEnabled && !light[s.Name] {
				t.Skip("too slow under the race detector")
			}
			start := time.Now()
			ran, failed := campaign(s, ref.Make, *fromFlag, n, budget)
			for i, r := range failed {
				if i == 5 {
					t.Errorf("and %d more", len(failed)-5)
					break
				}
				t.Errorf("%v", &r)
			}
			t.Logf("%d seeds, %.0f seeds/s", ran, float64(ran)/time.Since(start).Seconds())
		})
	}
}

// TestNamesAndDocs: every scenario has a unique name, a doc, and a
// profile that exists (or draws one), and Named finds it.
func TestNamesAndDocs(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range scenario.All() {
		if seen[s.Name] || s.Doc == "" || (s.Body == nil) == (s.Setup == nil) {
			t.Errorf("scenario %q: duplicate, no doc, or not exactly one of Body and Setup", s.Name)
		}
		seen[s.Name] = true
		if got, err := scenario.Named(s.Name); got != s || err != nil {
			t.Errorf("Named(%q) = %v, %v", s.Name, got, err)
		}
		if s.Setup == nil && s.Servers == 0 {
			t.Errorf("scenario %q draws nothing and has no servers", s.Name)
		}
		r := scenario.Run(s, scenario.Config{Seed: 0, Make: ref.Make, Profile: "no-such-profile"})
		if r.Failure != `no profile named "no-such-profile"` {
			t.Errorf("%s under a missing profile: %v", s.Name, &r)
		}
	}
	if len(seen) < 28 {
		t.Errorf("%d scenarios", len(seen))
	}
	for _, p := range scenario.Profiles {
		if p.Doc == "" || p.Faults == nil {
			t.Errorf("profile %q", p.Name)
		}
	}
}
