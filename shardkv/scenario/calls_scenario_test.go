package scenario_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/shardkv/scenario"
	"github.com/kvsim/kvsim/shardkv/shardcfg"
	"github.com/kvsim/kvsim/shardkv/shardgrp"
	"github.com/kvsim/kvsim/sim"
)

// callsOnly is impl as the one-owner check sees a course folder's groups:
// they do not observe what they serve, and the check watches the calls to
// them (Impl.KeyShard).
func callsOnly(impl scenario.Impl) scenario.Impl {
	start := impl.StartGroup
	impl.StartGroup = func(node *harness.Node, srv *sim.Server, gid shardcfg.Tgid, _ func(shardgrp.Served)) {
		start(node, srv, gid, func(shardgrp.Served) {})
	}
	impl.KeyShard = func(key string) int { return int(shardcfg.Key2Shard(key)) }
	return impl
}

// TestCallsReferencePasses: judged only by the calls to its groups, the
// reference passes every scenario: the rule blames no correct group.
func TestCallsReferencePasses(t *testing.T) {
	n, budget := 40, 5*time.Second
	switch {
	case testing.Short():
		n, budget = 2, time.Second
	case raceEnabled:
		n, budget = 2, 5*time.Second
	}
	if *seedsFlag > 0 {
		n = *seedsFlag
	}
	if *budgetFlag > 0 {
		budget = *budgetFlag
	}
	impl := callsOnly(scenario.Reference())
	for _, s := range scenario.All() {
		t.Run(s.Name, func(t *testing.T) {
			ran, failed := campaign(s, impl, *fromFlag, n, budget, false)
			report(t, s, impl, failed)
			t.Logf("%d seeds from %d", ran, *fromFlag)
		})
	}
}

// TestCallsFindServeFrozen: judged only by the calls to its groups, a
// group that serves a frozen shard fails the one-owner check, which names
// the freeze.
func TestCallsFindServeFrozen(t *testing.T) {
	s, err := scenario.Named("join-leave")
	if err != nil {
		t.Fatal(err)
	}
	ran, failed := campaign(s, callsOnly(scenario.Flawed("serve-frozen", scenario.Flaws{Group: shardgrp.ServeFrozen})), 0, 20, time.Hour, true)
	if len(failed) == 0 {
		t.Fatalf("not found in %d seeds", ran)
	}
	if f := failed[0].Failure; !strings.HasPrefix(f, "one owner: group ") || !strings.Contains(f, "after it had acknowledged freezing shard") {
		t.Errorf("found first by another check: %v", &failed[0])
	}
	t.Logf("found at seed %d: %v", failed[0].Seed, &failed[0])
}
