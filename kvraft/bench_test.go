package kvraft_test

import (
	"testing"

	"github.com/kvsim/kvsim/kvraft"
	"github.com/kvsim/kvsim/scenarios"
)

// BenchmarkReplicatedSeed runs, per iteration, one seed of a scenario on
// the 5-server replicated reference under swarm faults, a new seed each
// time: what a campaign over the replicated service costs a seed.
func BenchmarkReplicatedSeed(b *testing.B) {
	for _, name := range []string{"kv-swarm", "crash-restart", "many-clients"} {
		b.Run(name, func(b *testing.B) {
			var sc scenarios.Scenario
			for _, s := range scenarios.All() {
				if s.Name == name {
					sc = s
				}
			}
			p, impl := profile(b, scenarios.SwarmName), kvraft.Impl(5)
			var r scenarios.Runner
			seed := uint64(0)
			for b.Loop() {
				if res := r.Try(scenarios.Config{Scenario: sc, Profile: p, Impl: impl, Seed: seed}); res.Failed() {
					b.Fatalf("%s", res.Summary())
				}
				seed++
			}
		})
	}
}
