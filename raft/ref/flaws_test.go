package ref

import (
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/raft/scenario"
	"github.com/kvsim/kvsim/sim"
)

// flawed is harness.Make for a reference Raft with flaws f.
func flawed(f flaw) harness.Make {
	return func(peers []*harness.End, me int, ps *harness.Persister, applyCh *sim.Chan[harness.ApplyMsg]) harness.Raft {
		return start(peers, me, ps, applyCh, f)
	}
}

// firstFailure runs seeds 0 to limit-1 of s on every core and returns
// the failing run of the lowest seed, if any.
func firstFailure(s *scenario.Scenario, mk harness.Make, limit int) (scenario.Result, bool) {
	var mu sync.Mutex
	best, found := scenario.Result{}, false
	next := 0
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			var runner sim.Runner
			for {
				mu.Lock()
				seed := next
				next++
				stop := seed >= limit || found && uint64(seed) > best.Seed
				mu.Unlock()
				if stop {
					return
				}
				r := scenario.Run(s, scenario.Config{Seed: uint64(seed), Make: mk, Runner: &runner})
				mu.Lock()
				if r.Failed() && (!found || r.Seed < best.Seed) {
					best, found = r, true
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return best, found
}

// TestFlawsAreFound: a reference Raft given one deliberate bug fails a
// scenario within a few hundred seeds, with the check the bug breaks:
// voting for two candidates in one term (two leaders of a term),
// committing an entry of an earlier term by counting its replicas (the
// paper's Figure 8: another command applied at its index), not
// persisting the vote (a restarted server votes again: two leaders), and
// applying out of order (a gap).
func TestFlawsAreFound(t *testing.T) {
	for _, c := range []struct {
		name     string
		f        flaw
		scenario string
		limit    int
		check    string
	}{
		{"votes for two candidates in one term", voteTwice, "swarm", 300, "vote-once"},
		{"commits an earlier term's entry by counting replicas", countOldTerms, "figure8", 300, "state-machine-safety"},
		{"does not persist its vote", forgetVote, "swarm", 500, "vote-once"},
		{"applies out of order", applyOutOfOrder, "concurrent-starts", 10, "state-machine-safety"},
	} {
		t.Run(c.scenario+"/"+strings.ReplaceAll(c.name, " ", "-"), func(t *testing.T) {
			if (raceEnabled || testing.Short()) && c.limit > 100 {
				t.Skip("hundreds of seeds: too slow for -short or the race detector")
			}
			s, err := scenario.Named(c.scenario)
			if err != nil {
				t.Fatal(err)
			}
			r, found := firstFailure(s, flawed(c.f), c.limit)
			if !found {
				t.Fatalf("a Raft that %s passed %d seeds of %s", c.name, c.limit, c.scenario)
			}
			if r.Violation == nil || r.Violation.Check != c.check {
				t.Errorf("found by %q, want a violation of %s", r.Failure, c.check)
			}
			t.Logf("a Raft that %s: %s seed %d: %s", c.name, c.scenario, r.Seed, r.Failure)
		})
	}
}

// TestStartThatWaitsPasses: a Raft whose Start returns only once its
// entry is applied (or it stops leading, or 100ms passed) is correct, and
// passes: leader completeness judges the index a Start returns against
// what the server had applied when the call began, not when it returned.
func TestStartThatWaitsPasses(t *testing.T) {
	for _, c := range []struct {
		scenario string
		seeds    int
	}{{"basic-agree", 20}, {"concurrent-starts", 20}, {"figure8", 5}, {"swarm", 50}} {
		t.Run(c.scenario, func(t *testing.T) {
			s, err := scenario.Named(c.scenario)
			if err != nil {
				t.Fatal(err)
			}
			if r, found := firstFailure(s, flawed(startWaits), c.seeds); found {
				t.Fatalf("seed %d: %s", r.Seed, r.Failure)
			}
		})
	}
}
