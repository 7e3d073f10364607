package scenario_test

import (
	"testing"

	"github.com/kvsim/kvsim/raft/raftcheck"
	"github.com/kvsim/kvsim/raft/ref"
	"github.com/kvsim/kvsim/raft/scenario"
	"github.com/kvsim/kvsim/sim"
)

// TestFigure8UnreliableReorders: figure8-unreliable holds replies long
// only from its 200th round on (a thousand Starts called before the first
// held reply), as the course's test turns long reordering on there; on
// the course profile, from the first RPCs on (the first election: a few
// dozen Starts called before); on kvsim's reliable network, never.
func TestFigure8UnreliableReorders(t *testing.T) {
	s, err := scenario.Named("figure8-unreliable")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		profile     string
		least, most int // Starts called before the first held reply
		none        bool
	}{{"", 1000, 1 << 30, false}, {"course", 0, 200, false}, {"reliable", 0, 0, true}} {
		r := scenario.Run(s, scenario.Config{Seed: 1, Make: ref.Make, Profile: c.profile, Trace: true})
		if r.Failed() {
			t.Fatalf("%s: %v", c.profile, &r)
		}
		first := -1
		for _, rec := range r.Trace {
			if rec.Kind == sim.RecTail {
				first = int(rec.At)
				break
			}
		}
		if first < 0 != c.none {
			t.Fatalf("profile %q: a reply held first at %v; want one held: %v", c.profile, first, !c.none)
		}
		if c.none {
			continue
		}
		calls := 0
		for _, e := range r.Events {
			if e.Kind == raftcheck.Call && int(e.At) < first {
				calls++
			}
		}
		if calls < c.least || calls > c.most {
			t.Errorf("profile %q: %d Starts called before the first held reply, want %d to %d", c.profile, calls, c.least, c.most)
		}
	}
}
