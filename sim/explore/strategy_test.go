package explore_test

import (
	"testing"

	"github.com/kvsim/kvsim/sim"
	"github.com/kvsim/kvsim/sim/explore"
)

func TestParseStrategy(t *testing.T) {
	for _, tt := range []struct {
		name, want string
		same       func(seed uint64) sim.Entropy // a strategy with the same runs
	}{
		{"", "random", sim.NewPCG},
		{"random", "random", sim.NewPCG},
		{"priority", "priority", func(s uint64) sim.Entropy { return explore.NewPriority(s, explore.PriorityOptions{}) }},
		{"priority:d=3,k=50", "priority:d=3,k=50", func(s uint64) sim.Entropy {
			return explore.NewPriority(s, explore.PriorityOptions{Depth: 3, Steps: 50})
		}},
	} {
		s, err := explore.ParseStrategy(tt.name)
		if err != nil || s.Name != tt.want {
			t.Errorf("ParseStrategy(%q) = %q, %v; want %q", tt.name, s.Name, err, tt.want)
			continue
		}
		for seed := range uint64(5) {
			if got, want := jittery(s.New(seed)).Hash, jittery(tt.same(seed)).Hash; got != want {
				t.Errorf("%q seed %d: hash %016x, want %016x", tt.name, seed, got, want)
			}
		}
	}
	for _, bad := range []string{"dfs", "random:d=1", "priority:d=0", "priority:d", "priority:x=1", "priority:d=2,"} {
		if _, err := explore.ParseStrategy(bad); err == nil {
			t.Errorf("ParseStrategy(%q) accepted", bad)
		}
	}
}
