package sim

import "testing"

// recorder passes every draw through to the stream it names of a PCG, and
// counts what it was told.
type recorder struct {
	Entropy
	seen map[Decision]int
	bad  string
}

func (r *recorder) Choose(d *Draw) uint64 {
	r.seen[d.Decision]++
	switch d.Decision {
	case DecideTie:
		if uint64(len(d.Due)) != d.N {
			r.bad = "a tie's Due does not list N events"
		}
	case DecideDropRequest, DecideDuplicate, DecideDropReply, DecideJitter, DecideTail, DecideTailDelay:
		if d.Endpoint < 0 {
			r.bad = d.Decision.String() + " names no endpoint"
		}
	}
	if d.Stream == "" {
		r.bad = d.Decision.String() + " names no stream"
		return r.Uint64N(d.N)
	}
	return Stream(r.Entropy, d.Stream).Uint64N(d.N)
}

// TestChooserSeesTheSameDraws checks that a Chooser is asked exactly the
// draws a plain Entropy would be, each naming its stream: a Chooser that
// draws each from the stream it names replays the PCG run hash for hash,
// and every kind of decision of the chaos profile is named.
func TestChooserSeesTheSameDraws(t *testing.T) {
	for seed := range uint64(50) {
		rec := &recorder{Entropy: NewPCG(seed), seen: map[Decision]int{}}
		w, _ := newCounterWorld(seed, Options{Faults: chaos, Entropy: rec})
		workload(w, 4, 20)
		got := w.Run()
		if want := runChaos(seed); got.Hash != want.Hash {
			t.Fatalf("seed %d: hash %016x through a Chooser, %016x without", seed, got.Hash, want.Hash)
		}
		if rec.bad != "" {
			t.Fatal(rec.bad)
		}
		if seed == 0 {
			for d := DecideTie; d <= DecideFaultLength; d++ {
				if d != DecideTie && rec.seen[d] == 0 {
					t.Errorf("no %v draw in a chaos run", d)
				}
			}
		}
	}
}

type outOfRange struct{ Entropy }

func (outOfRange) Choose(d *Draw) uint64 { return d.N }

func TestChooserOutOfRangePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("a value out of range was accepted")
		}
	}()
	w, _ := newCounterWorld(0, Options{Faults: chaos, Entropy: outOfRange{NewPCG(0)}})
	workload(w, 1, 1)
	w.Run()
}

func TestDecide(t *testing.T) {
	a, b := NewPCG(3), NewPCG(3)
	for range 10 {
		if x, y := Decide(a, DecideNemesis, 1000), b.Uint64N(1000); x != y {
			t.Fatalf("Decide on a plain entropy drew %d, Uint64N %d", x, y)
		}
	}
	rec := &recorder{Entropy: NewPCG(3), seen: map[Decision]int{}}
	Decide(rec, DecideNemesis, 10)
	if rec.seen[DecideNemesis] != 1 {
		t.Errorf("the Chooser was told %v", rec.seen)
	}
	defer func() {
		if recover() == nil {
			t.Error("a value out of range was accepted")
		}
	}()
	Decide(outOfRange{NewPCG(0)}, DecideNemesis, 10)
}
