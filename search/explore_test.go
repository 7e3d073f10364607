package search

import (
	"testing"

	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/sim"
	"github.com/kvsim/kvsim/sim/explore"
)

// config is the run of the built-in scenario name under its own profile.
func config(t *testing.T, name string) scenarios.Config {
	t.Helper()
	for _, sc := range scenarios.All() {
		if sc.Name != name {
			continue
		}
		for _, p := range scenarios.Profiles() {
			if p.Name == sc.DefaultFaults {
				return scenarios.Config{Scenario: sc, Profile: p}
			}
		}
	}
	t.Fatalf("no scenario %s with its profile", name)
	return scenarios.Config{}
}

// An explored seed draws its workload and its fault model as a campaign's
// run of that seed does: explore covers the workloads a campaign samples.
func TestExploreDrawsAsACampaign(t *testing.T) {
	for _, name := range []string{"kv-swarm", "lock-swarm", "kv-random", "partition-heal"} {
		cfg := config(t, name)
		for seed := range uint64(10) {
			c := cfg
			c.Seed, c.Trace = seed, true
			want := scenarios.Run(c)
			var got scenarios.Result
			explore.Exhaustive(func(ent sim.Entropy) (bool, string) {
				c.Entropy = &exploreEntropy{dfs: ent.(sim.Chooser), pcg: sim.NewPCG(seed)}
				got = scenarios.Run(c)
				return false, ""
			}, explore.Bound{Runs: 1})
			if got.Workload != want.Workload || got.FaultModel != want.FaultModel || name != "lock-swarm" && got.Ops != want.Ops {
				t.Errorf("%s seed %d: explored %q, %q, %d ops; the campaign's %q, %q, %d ops",
					name, seed, got.Workload, got.FaultModel, got.Ops, want.Workload, want.FaultModel, want.Ops)
			}
		}
	}
}
