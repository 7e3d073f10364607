package scenarios

import (
	"slices"
	"strings"
	"testing"

	"github.com/kvsim/kvsim/sim"
	"github.com/kvsim/kvsim/sim/explore"
)

// TestChoicesReplayTheRun: a run recorded (Config.Record) is the run it
// would have been, and its choices, written and read back, replay it to
// the same trace hash and verdict, with no strategy to draw from:
// every scenario under its own profile and both swarms, seeded and under
// the priority strategy (a Chooser, whose decisions are recorded by the
// stream each names).
func TestChoicesReplayTheRun(t *testing.T) {
	seeds := uint64(4)
	if testing.Short() {
		seeds = 2
	}
	priority, err := explore.ParseStrategy("priority")
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range All() {
		for _, faults := range []string{"", SwarmName, SwarmDupName} {
			for seed := range seeds {
				for _, strategy := range []explore.Strategy{{}, priority} {
					cfg := config(t, sc.Name, faults, seed)
					cfg.Strategy = strategy
					plain := Run(cfg)
					cfg.Record = true
					rec := Run(cfg)
					name := plain.Spec.String()
					if rec.TraceHash != plain.TraceHash || rec.Verdict != plain.Verdict {
						t.Fatalf("%s: recording changed the run: %s, want %s", name, rec.Summary(), plain.Summary())
					}
					if rec.Choices == nil {
						t.Fatalf("%s: no choices recorded", name)
					}
					text := rec.Choices.String()
					if strings.ContainsAny(text, " \t\n") {
						t.Fatalf("%s: choices %q are not one word", name, text)
					}
					choices, err := ParseChoices(text)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					again := config(t, sc.Name, faults, seed) // no strategy: the choices are drawn
					again.Choices = choices
					got := Run(again)
					if got.TraceHash != plain.TraceHash || got.Verdict != plain.Verdict || got.Reason != plain.Reason {
						t.Fatalf("%s: replayed from its choices: %s (hash %s), want %s (hash %s)", name, got.Summary(), got.TraceHash, plain.Summary(), plain.TraceHash)
					}
				}
			}
		}
	}
}

// TestChoicesSurviveNewStreams: a stream the recording has no values for
// (a fault kind, a site or a client added since) draws zeros, its
// simplest outcome, and every recorded stream still draws its own values
// however the streams' draws interleave.
func TestChoicesSurviveNewStreams(t *testing.T) {
	c := Choices{"a": {3, 1}, "b": {7}}
	p := newReplay(c)
	a, b, fresh := p.Stream("a"), p.Stream("b"), p.Stream("new")
	got := []uint64{b.Uint64N(10), fresh.Uint64N(10), a.Uint64N(10), fresh.Uint64N(10), a.Uint64N(2), a.Uint64N(10), b.Uint64N(10)}
	// a's 3 then 1 (held below 2 it stays 1), then zeros; b's 7, then 0.
	if want := []uint64{7, 0, 3, 0, 1, 0, 0}; !slices.Equal(got, want) {
		t.Errorf("draws %v, want %v", got, want)
	}
	if p.Stream("a") != a {
		t.Error("a stream asked for again is not the same stream")
	}
	if v := newReplay(Choices{"a": {9}}).Stream("a").Uint64N(4); v != 3 {
		t.Errorf("a recorded 9 drawn in [0, 4): %d, want 3 (held to the range)", v)
	}
}

func TestChoicesText(t *testing.T) {
	c := Choices{"": {4}, "tie": {0, 0, 0, 2, 0, 0}, "workload/c1": {5, 1}, "swarm/dup": {0, 0}, "jitter": nil}
	const want = ":4,tie:0*3.2,workload/c1:5.1" // trailing zeros and empty streams left out
	if got := c.String(); got != want {
		t.Errorf("String: %q, want %q", got, want)
	}
	back, err := ParseChoices(want)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.String(); got != want {
		t.Errorf("read back: %q, want %q", got, want)
	}
	if c, err := ParseChoices(""); err != nil || c == nil || len(c) != 0 {
		t.Errorf(`ParseChoices(""): %v, %v; want no streams, not nil`, c, err)
	}
	for _, bad := range []string{"tie", "tie:x", "tie:1,tie:2", "tie:0*y"} {
		if _, err := ParseChoices(bad); err == nil {
			t.Errorf("ParseChoices(%q): no error", bad)
		}
	}
}

// TestRecordRefusesUnwritableNames: a stream whose name Choices.String
// could not write back records no choices rather than wrong ones.
func TestRecordRefusesUnwritableNames(t *testing.T) {
	e, choices := record(sim.NewPCG(1))
	sim.Stream(e, "a,b").Uint64N(3)
	if c, err := choices(); err == nil {
		t.Errorf("choices %v, want an error for the name a,b", c)
	}
}
