package scenario_test

import (
	"runtime"
	"testing"

	"github.com/kvsim/kvsim/raft/ref"
	"github.com/kvsim/kvsim/raft/scenario"
	"github.com/kvsim/kvsim/sim"
)

// TestSameSeedSameHash: every scenario gives, for each seed, the same
// trace hash at GOMAXPROCS 1 and 2, with and without a runner's reused
// memory, run twice each (once under -short); and different seeds give
// different runs.
func TestSameSeedSameHash(t *testing.T) {
	seeds, rounds := 4, 2
	if testing.Short() {
		seeds, rounds = 2, 1
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, s := range scenario.All() {
		t.Run(s.Name, func(t *testing.T) {
			if raceEnabled && !light[s.Name] {
				t.Skip("too slow under the race detector")
			}
			var runner sim.Runner
			first := map[uint64]uint64{}
			for _, procs := range []int{1, 2} {
				runtime.GOMAXPROCS(procs)
				for round := range 2 * rounds {
					for seed := range uint64(seeds) {
						cfg := scenario.Config{Seed: seed, Make: ref.Make}
						if round%2 == 1 {
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
			if len(distinct) != seeds {
				t.Errorf("%d seeds made %d different runs", seeds, len(distinct))
			}
		})
	}
}

// light are the scenarios the race detector runs: a few of each kind.
var light = map[string]bool{"basic-agree": true, "re-election": true, "persist1": true, "figure8": true, "snapshot-install": true, "swarm": true}
