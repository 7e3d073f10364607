package cli

import (
	"testing"

	"github.com/kvsim/kvsim"
)

// TestLabRepro: a folder's repro lines are kvsim lab lines, with the
// folder and every value quoted for a shell where it needs it.
func TestLabRepro(t *testing.T) {
	for _, tc := range []struct {
		dir       string
		spec      kvsim.Spec
		run, shrk string
	}{
		{
			"subs/alice", kvsim.Spec{Scenario: "kv-random", Seed: 7, Faults: "swarm", Impl: "lab/alice"},
			"kvsim lab --dir subs/alice --scenario kv-random --seed 7 --faults swarm",
			"kvsim lab --dir subs/alice --scenario kv-random --faults swarm --shrink",
		},
		{
			"my lab's/kvsrv1", kvsim.Spec{Scenario: "lock-counter", Seed: 0, Faults: "lossy", Impl: "lab/kvsrv1", Strategy: "replay:0*13"},
			`kvsim lab --dir 'my lab'\''s/kvsrv1' --scenario lock-counter --seed 0 --faults lossy --strategy 'replay:0*13'`,
			`kvsim lab --dir 'my lab'\''s/kvsrv1' --scenario lock-counter --faults lossy --shrink`,
		},
	} {
		got := labRepro(tc.dir)(tc.spec)
		if got.Run != tc.run || got.Shrink != tc.shrk || got.GoTest != "" {
			t.Errorf("%s: got %+v\nwant run %s\n     shrink %s", tc.dir, got, tc.run, tc.shrk)
		}
	}
}
