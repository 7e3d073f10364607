package kvraft_test

import (
	"fmt"
	"testing"

	"github.com/kvsim/kvsim/kvraft"
	"github.com/kvsim/kvsim/scenarios"
)

// TestFlawsAreFound: each deliberate bug of the replicated service is
// found by some scenario under swarm within a modest number of seeds, and
// its failure replays to the same trace hash.
func TestFlawsAreFound(t *testing.T) {
	flaws := []struct {
		name  string
		flaws kvraft.Flaw
		n     int
		limit uint64 // seeds of each scenario; the test's finds are deterministic
		short bool   // run in -short mode too
	}{
		// A leader that has lost its majority but not heard of its
		// successor reads its own, stale, state.
		{"local-get", kvraft.LocalGet, 3, 50, true},
		{"local-get", kvraft.LocalGet, 5, 50, false},
		// A submission answered with the result of another entry
		// committed at its index (a deposed leader's index, reused).
		{"other-ops-result", kvraft.OtherOpsResult, 3, 50, false},
		{"other-ops-result", kvraft.OtherOpsResult, 5, 50, false},
		// A snapshot without the data: lost at a restart or an install.
		{"empty-snapshot", kvraft.EmptySnapshot, 3, 50, true},
		{"empty-snapshot", kvraft.EmptySnapshot, 5, 50, false},
		// No snapshots: the Raft state grows past its bound.
		{"no-snapshots", kvraft.NoSnapshots, 3, 50, false},
	}
	for _, f := range flaws {
		impl := kvraft.Flawed(fmt.Sprintf("flawed/%s-%d", f.name, f.n), f.n, f.flaws)
		t.Run(impl.Name, func(t *testing.T) {
			if (testing.Short() || raceEnabled) && !f.short {
				// Tens of seeds of a cluster each: minutes under the race detector.
				t.Skip("not in -short mode or under the race detector")
			}
			limit := f.limit
			if *flagSeeds > 0 {
				limit = uint64(*flagSeeds)
			}
			t.Parallel()
			for _, name := range []string{"leader-cut", "crash-restart", "kv-random", "kv-swarm", "lock-counter"} {
				sc := scenario(t, name)
				for seed := range limit {
					cfg := scenarios.Config{Scenario: sc, Profile: profile(t, scenarios.SwarmName), Impl: impl, Seed: seed}
					r := scenarios.Run(cfg)
					if !r.Failed() {
						continue
					}
					if again := scenarios.Run(cfg); again.TraceHash != r.TraceHash || again.Verdict != r.Verdict {
						t.Errorf("%s does not replay: %s %s then %s %s", reproLine(r), r.TraceHash, r.Verdict, again.TraceHash, again.Verdict)
					}
					t.Logf("found by %s (seed %d of %d): %s", name, seed, limit, r.Summary())
					return
				}
			}
			t.Errorf("no seed of leader-cut, crash-restart, kv-random, kv-swarm or lock-counter below %d found it", limit)
		})
	}
}

// scenario is the scenario named name.
func scenario(t testing.TB, name string) scenarios.Scenario {
	for _, sc := range scenarios.All() {
		if sc.Name == name {
			return sc
		}
	}
	t.Fatalf("no scenario %q", name)
	return scenarios.Scenario{}
}
