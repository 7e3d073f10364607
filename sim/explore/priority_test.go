package explore_test

import (
	"testing"

	"github.com/kvsim/kvsim/sim"
	"github.com/kvsim/kvsim/sim/explore"
)

// TestPrioritySameSeedSameRun: a seed is one run, and seeds differ.
func TestPrioritySameSeedSameRun(t *testing.T) {
	seen := map[uint64]bool{}
	for seed := range uint64(50) {
		o := explore.PriorityOptions{Depth: 3, Steps: 40}
		a := jittery(explore.NewPriority(seed, o))
		b := jittery(explore.NewPriority(seed, o))
		if a.Status != sim.Done || a.Hash != b.Hash {
			t.Fatalf("seed %d: %v %016x, then %016x", seed, a.Status, a.Hash, b.Hash)
		}
		seen[a.Hash] = true
	}
	if len(seen) < 40 {
		t.Errorf("50 seeds gave only %d distinct runs", len(seen))
	}
}

// TestPriorityFindsShallowOrderingBugs compares hits on the toy ordering
// bugs of depth 1 and 2 over the same seeds: the priority strategy must
// reach at least half of PCT's bound 1/(n*k^(d-1)) and beat uniform random.
func TestPriorityFindsShallowOrderingBugs(t *testing.T) {
	const seeds, k = 2000, 8
	for _, depth := range []int{1, 2} {
		steps := 2*k + 2 // ties in a run: at most one per step, plus the start
		var pct, random int
		for seed := range uint64(seeds) {
			if orderBug(explore.NewPriority(seed, explore.PriorityOptions{Depth: depth, Steps: steps}), depth, k) {
				pct++
			}
			if orderBug(sim.NewPCG(seed), depth, k) {
				random++
			}
		}
		bound := float64(seeds) / 2 // n = 2 processes
		for range depth - 1 {
			bound /= float64(steps)
		}
		t.Logf("depth %d: priority %d/%d runs, uniform random %d/%d (PCT bound %.0f)", depth, pct, seeds, random, seeds, bound)
		if float64(pct) < bound/2 || pct <= random {
			t.Errorf("depth %d: priority found the bug in %d runs (bound %.0f), random in %d", depth, pct, bound, random)
		}
	}
}

// TestPriorityDrawsAsRandom: in a world without ties or jitter, the
// priority strategy has nothing to order, and its faults are random's.
func TestPriorityDrawsAsRandom(t *testing.T) {
	for seed := range uint64(20) {
		got := calls(explore.NewPriority(seed, explore.PriorityOptions{}), 20, 0.3)
		want := calls(sim.NewPCG(seed), 20, 0.3)
		if got.Hash != want.Hash {
			t.Errorf("seed %d: hash %016x, random's %016x", seed, got.Hash, want.Hash)
		}
	}
}
