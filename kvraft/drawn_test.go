package kvraft_test

import (
	"slices"
	"testing"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/kvraft"
	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/scenarios"
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
