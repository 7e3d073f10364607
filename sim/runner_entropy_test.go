package sim

import (
	"fmt"
	"slices"
	"testing"
)

// TestRunnerEntropyIsNewPCGs: a runner's Entropy of a seed draws what
// NewPCG's does, on itself and on every stream (more streams than are
// kept in place too), each time it is made anew for another seed or the
// same one; while a world of the runner's is running, a run made then gets
// entropy of its own, which leaves the running one's as it was.
func TestRunnerEntropyIsNewPCGs(t *testing.T) {
	draws := func(e Entropy) []uint64 {
		var out []uint64
		for i := range 40 {
			s := Stream(e, fmt.Sprint("s", i%37))
			out = append(out, s.Uint64N(1<<40), e.Uint64N(1000))
		}
		return out
	}
	var r Runner
	for _, seed := range []uint64{3, 4, 3} {
		if got, want := draws(r.Entropy(seed)), draws(NewPCG(seed)); !slices.Equal(got, want) {
			t.Fatalf("seed %d: the runner's entropy drew %v, NewPCG's %v", seed, got[:6], want[:6])
		}
	}

	outer := r.Entropy(5)
	w := r.New(5, Options{Entropy: outer})
	var inner []uint64
	w.Spawn("p", func(p *Proc) {
		Stream(outer, "a").Uint64N(10)
		inner = draws(r.Entropy(6)) // a run made while w runs
		p.Sleep(1)
	})
	w.Run()
	if want := draws(NewPCG(6)); !slices.Equal(inner, want) {
		t.Errorf("entropy made while a world ran drew %v, want %v", inner[:6], want[:6])
	}
	want := NewPCG(5)
	Stream(want, "a").Uint64N(10)
	if got, want := Stream(outer, "a").Uint64N(1<<40), Stream(want, "a").Uint64N(1<<40); got != want {
		t.Errorf("the running world's entropy moved under a run made meanwhile: %d, want %d", got, want)
	}
}
