package scenario_test

import (
	"runtime"
	"testing"

	"github.com/kvsim/kvsim/shardkv/scenario"
	"github.com/kvsim/kvsim/sim"
)

// TestSameSeedSameHash: every scenario gives, for each seed, the same
// trace hash at GOMAXPROCS 1 and 2, with and without a runner's reused
// memory; and different seeds give different runs (under -short and
// -race, a few scenarios on one seed).
func TestSameSeedSameHash(t *testing.T) {
	seeds := 3
	light := testing.Short() || raceEnabled
	if light {
		seeds = 1
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, s := range scenario.All() {
		t.Run(s.Name, func(t *testing.T) {
			if light && !lightScenarios[s.Name] {
				t.Skip("too slow for -short and -race")
			}
			var runner sim.Runner
			first := map[uint64]uint64{}
			for _, procs := range []int{1, 2} {
				runtime.GOMAXPROCS(procs)
				for round := range 2 {
					for seed := range uint64(seeds) {
						cfg := scenario.Config{Seed: seed}
						if round == 1 {
							cfg.Runner = &runner
						}
						r := scenario.Run(s, cfg)
						if r.Failed() {
							t.Fatalf("%v", &r)
						}
						if h, ok := first[seed]; !ok {
							first[seed] = r.Hash
						} else if h != r.Hash {
							t.Fatalf("seed %d: hash %016x at GOMAXPROCS %d (round %d), %016x before", seed, r.Hash, procs, round, h)
						}
					}
				}
			}
			distinct := map[uint64]bool{}
			for _, h := range first {
				distinct[h] = true
			}
			if seeds > 1 && len(distinct) != seeds {
				t.Errorf("%d seeds made %d different runs", seeds, len(distinct))
			}
		})
	}
}

// lightScenarios are the scenarios -short and -race run here: a reliable
// network, controllers cut off, and everything at once.
var lightScenarios = map[string]bool{"join-leave": true, "ctrler-partition": true, "chaos": true}
