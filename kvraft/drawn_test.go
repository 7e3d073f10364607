package kvraft_test

import (
	"slices"
	"testing"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/kvraft"
	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/sim"
)

// TestDrawnClusterSize: a cluster of kvsim.DrawnServers is, run by run,
// of each of kvsim.ClusterSizes, the same size again for the same seed,
// and the reference passes on each.
func TestDrawnClusterSize(t *testing.T) {
	var size int
	impl := kvraft.Impl(3)
	impl.Name, impl.Servers = "replicated-drawn", kvsim.DrawnServers
	newReplica := impl.NewReplica
	impl.NewReplica = func(node any) rpc.Server {
		size = len(node.(*harness.Node).Ends)
		return newReplica(node)
	}
	cfg := scenarios.Config{Scenario: scenario(t, "reliable-put"), Profile: profile(t, "reliable"), Impl: impl}
	var seen []int
	for seed := range uint64(12) {
		cfg.Seed = seed
		if r := scenarios.Run(cfg); r.Failed() {
			t.Fatalf("seed %d: %s", seed, r.Summary())
		}
		first := size
		if scenarios.Run(cfg); size != first {
			t.Fatalf("seed %d: %d servers, then %d", seed, first, size)
		}
		if !slices.Contains(seen, size) {
			seen = append(seen, size)
		}
	}
	slices.Sort(seen)
	if !slices.Equal(seen, kvsim.ClusterSizes()) {
		t.Errorf("12 seeds drew cluster sizes %v, want each of %v", seen, kvsim.ClusterSizes())
	}
}

// TestCourseCalls: a cluster written for the course's network
// (kvsim.Impl.CourseCalls) is run with its call semantics under every
// profile (calls fail when their messages are lost, not at a timeout),
// and a targeted hold, which would wait for a timeout that never comes,
// delays its message instead; the reference passes so.
func TestCourseCalls(t *testing.T) {
	impl := kvraft.Impl(3)
	impl.Name, impl.CourseCalls = "replicated-course", true
	seeds := uint64(6)
	if testing.Short() {
		seeds = 2
	}
	delayed := 0
	for _, name := range []string{"kv-swarm", "leader-cut", "lock-swarm"} {
		for seed := range seeds {
			cfg := scenarios.Config{Scenario: scenario(t, name), Profile: profile(t, scenarios.SwarmName), Impl: impl, Seed: seed, Trace: true}
			r := scenarios.Run(cfg)
			if r.Failed() {
				t.Fatalf("%s", r.Summary())
			}
			for _, rec := range r.Trace {
				if rec.Kind == sim.RecNemesisHold {
					t.Fatalf("%s seed %d: a %v record under the course's call semantics", name, seed, rec.Kind)
				}
				if rec.Kind == sim.RecNemesisDelay {
					delayed++
				}
			}
		}
	}
	if delayed == 0 {
		t.Errorf("no message delayed by the nemesis in %d seeds: the test shows nothing of holds", seeds)
	}
}
