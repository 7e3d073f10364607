package labrt

import (
	"testing"

	"github.com/kvsim/kvsim"
)

func TestRepro(t *testing.T) {
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
			"my lab's/kvsrv1", kvsim.Spec{Scenario: "lock-counter", Seed: 0, Faults: "lossy", Impl: "lab/kvsrv1", Strategy: "pct"},
			`kvsim lab --dir 'my lab'\''s/kvsrv1' --scenario lock-counter --seed 0 --faults lossy --strategy pct`,
			`kvsim lab --dir 'my lab'\''s/kvsrv1' --scenario lock-counter --faults lossy --shrink`,
		},
	} {
		got := Student{Dir: tc.dir}.repro(tc.spec)
		if got.Run != tc.run || got.Shrink != tc.shrk || got.GoTest != "" {
			t.Errorf("%s: got %+v\nwant run %s\n     shrink %s", tc.dir, got, tc.run, tc.shrk)
		}
	}
}
