package sim

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestBytesEntropy(t *testing.T) {
	e := NewBytes([]byte{5, 0x34, 0x12, 9})
	if got := e.Uint64N(10); got != 5 {
		t.Errorf("one-byte draw = %d, want 5", got)
	}
	if got := e.Uint64N(1 << 16); got != 0x1234 {
		t.Errorf("two-byte draw = %#x, want 0x1234", got)
	}
	if got := e.Uint64N(1); got != 0 {
		t.Errorf("draw from [0,1) = %d, want 0 and no byte consumed", got)
	}
	if got := e.Uint64N(256); got != 9 {
		t.Errorf("draw = %d, want 9", got)
	}
	// Exhausted: falls back to a PRNG determined by the input.
	a, b := NewBytes([]byte{1, 2}), NewBytes([]byte{1, 2})
	for range 2 {
		a.Uint64N(256)
		b.Uint64N(256)
	}
	for i := range 100 {
		if x, y := a.Uint64N(1000), b.Uint64N(1000); x != y {
			t.Fatalf("draw %d after exhaustion: %d vs %d", i, x, y)
		}
	}
}

func TestChanceExtremesDrawNothing(t *testing.T) {
	e := NewBytes(nil)
	for _, p := range []float64{0, -1} {
		if chance(e, p) {
			t.Errorf("chance(%v) = true", p)
		}
	}
	for _, p := range []float64{1, 2} {
		if !chance(e, p) {
			t.Errorf("chance(%v) = false", p)
		}
	}
	// A zero draw (what shrinking tends to) means no fault.
	if chance(NewBytes([]byte{0, 0, 0, 0}), 0.999) {
		t.Error("a zero draw injected a fault")
	}
}

// TestFuzzBytesSteerRuns checks that byte entropy gives valid, reproducible
// runs for arbitrary inputs.
func TestFuzzBytesSteerRuns(t *testing.T) {
	inputs := [][]byte{nil, {0}, {255, 255, 255}, []byte("some fuzzer input bytes")}
	for _, in := range inputs {
		run := func() Result {
			w, _ := newCounterWorld(0, Options{Entropy: NewBytes(in), Faults: chaos})
			workload(w, 3, 5)
			return w.Run()
		}
		r1, r2 := run(), run()
		if r1.Status != Done || r1.Hash != r2.Hash {
			t.Errorf("input %q: %v %x vs %v %x", in, r1.Status, r1.Hash, r2.Status, r2.Hash)
		}
	}
}

func FuzzWorld(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Fuzz(func(t *testing.T, data []byte) {
		w, c := newCounterWorld(0, Options{Entropy: NewBytes(data), Faults: chaos})
		var ok int64
		for i := range 3 {
			w.Spawn(string(rune('a'+i)), func(p *Proc) {
				for range 5 {
					var reply addReply
					for !p.Call("server", "Counter.Add", &addArgs{N: 1}, &reply) {
						p.Sleep(10 * time.Millisecond)
					}
					ok++
				}
			})
		}
		r := w.Run()
		if r.Status != Done {
			t.Fatalf("%v: %s", r.Status, r.Reason)
		}
		// Retries may apply a request twice, never zero times.
		if ok != 15 || c.sum < ok {
			t.Fatalf("%d calls acknowledged, server sum %d", ok, c.sum)
		}
	})
}

// TestPCGMatchesMathRand: NewPCG's draws are math/rand/v2's over the same
// generator, so replacing the Rand wrapper changed no run.
func TestPCGMatchesMathRand(t *testing.T) {
	if bits.UintSize != 64 {
		t.Skip("math/rand/v2 draws small ranges differently on 32-bit machines")
	}
	rapid.Check(t, func(t *rapid.T) {
		seed := rapid.Uint64().Draw(t, "seed")
		got := NewPCG(seed)
		want := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		ns := rapid.SliceOfN(rapid.OneOf(
			rapid.Uint64Range(1, 1000),
			rapid.Uint64Min(1),
			rapid.Custom(func(t *rapid.T) uint64 { return 1 << rapid.IntRange(0, 63).Draw(t, "shift") }),
			rapid.Custom(func(t *rapid.T) uint64 { return 1<<63 + rapid.Uint64Range(0, 1<<20).Draw(t, "above") }),
		), 1, 50).Draw(t, "n")
		for i, n := range ns {
			if g, w := got.Uint64N(n), want.Uint64N(n); g != w {
				t.Fatalf("draw %d of [0, %d): got %d, math/rand/v2 gives %d", i, n, g, w)
			}
		}
	})
}

// TestStreamsAreKeyedByName: a seed's stream of a name draws the same
// values whatever is drawn on its other streams, and in whatever order
// they were made; streams of other names or seeds differ; a name asked for
// again is the same stream, where it left off; past the streams kept in
// place, streams are still found by name.
func TestStreamsAreKeyedByName(t *testing.T) {
	draws := func(e Entropy, n int) []uint64 {
		out := make([]uint64, n)
		for i := range out {
			out[i] = e.Uint64N(1 << 40)
		}
		return out
	}
	alone := draws(NewPCG(7).(Keyed).Stream("workload/c1"), 20)
	busy := NewPCG(7).(Keyed)
	for i := range 60 { // more streams than are kept in place
		draws(busy.Stream(fmt.Sprint("other", i)), 3)
	}
	c1 := busy.Stream("workload/c1")
	got := append(draws(c1, 5), draws(busy.Stream("workload/c1"), 15)...)
	if !slices.Equal(got, alone) {
		t.Errorf("stream workload/c1 of seed 7 drew %v beside other streams, %v alone", got, alone)
	}
	if slices.Equal(draws(NewPCG(7).(Keyed).Stream("workload/c2"), 20), alone) || slices.Equal(draws(NewPCG(8).(Keyed).Stream("workload/c1"), 20), alone) {
		t.Error("another name or another seed drew the same stream")
	}
	if plain := NewBytes([]byte{1, 2, 3}); Stream(plain, "tie") != plain {
		t.Error("entropy that is not keyed has streams of its own")
	}
}

// TestChooserStreamsNameThemselves: a Chooser's stream names itself in
// every draw, whether drawn with Uint64N or through Decide.
func TestChooserStreamsNameThemselves(t *testing.T) {
	rec := &recorder{Entropy: NewPCG(3), seen: map[Decision]int{}}
	s := Stream(rec, "targeted/hold-reply")
	s.Uint64N(10)
	Decide(s, DecideNemesis, 10)
	if rec.bad != "" || rec.seen[Workload] != 1 || rec.seen[DecideNemesis] != 1 {
		t.Errorf("told %v (%s)", rec.seen, rec.bad)
	}
}
