package explore_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/kvsim/kvsim/sim"
	"github.com/kvsim/kvsim/sim/explore"
	"pgregory.net/rapid"
)

func ok(sim.Entropy) (bool, string) { return false, "" }

// TestExhaustiveCounts checks the number of runs against hand counts.
func TestExhaustiveCounts(t *testing.T) {
	twoTies := func(ent sim.Entropy) (bool, string) {
		// a and b start together (a tie), each sleeps 1ms and wakes
		// together (a second tie).
		w := sim.New(0, sim.Options{Entropy: ent})
		for _, name := range []string{"a", "b"} {
			w.Spawn(name, func(p *sim.Proc) { p.Sleep(1e6) })
		}
		w.Run()
		return false, ""
	}
	twoCalls := func(ent sim.Entropy) (bool, string) {
		calls(ent, 2, 0.5)
		return false, ""
	}
	// Each call is dropped on the way out, dropped on the way back, or
	// answered; with one fault allowed: 1 + 1 + 3 runs.
	workload := func(ent sim.Entropy) (bool, string) {
		ent.Uint64N(3)
		ent.Uint64N(3)
		return false, ""
	}
	nemesis := func(ent sim.Entropy) (bool, string) {
		sim.Decide(ent, sim.DecideNemesis, 1<<32)
		sim.Decide(ent, sim.DecideNemesis, 1<<32)
		return false, ""
	}
	tests := []struct {
		name  string
		run   func(sim.Entropy) (bool, string)
		bound explore.Bound
		want  int
	}{
		{"two ties, no limit", twoTies, explore.Bound{Ties: -1}, 4},
		{"two ties, one out of order", twoTies, explore.Bound{Ties: 1}, 3},
		{"two ties, in order", twoTies, explore.Bound{}, 1},
		{"two calls, no faults", twoCalls, explore.Bound{}, 1},
		{"two calls, one fault", twoCalls, explore.Bound{Faults: 1}, 5},
		{"two calls, two faults", twoCalls, explore.Bound{Faults: 2}, 9},
		{"workload, simplest", workload, explore.Bound{}, 1},
		{"workload, two values", workload, explore.Bound{Workload: 2}, 4},
		{"workload, every value", workload, explore.Bound{Workload: 10}, 9},
		{"targeted faults, one allowed", nemesis, explore.Bound{Faults: 1}, 3},
		{"targeted faults, none allowed", nemesis, explore.Bound{}, 1},
		{"interleavings of 2+2 steps", func(ent sim.Entropy) (bool, string) {
			stepper(ent, map[string]int{"a": 2, "b": 2}, "a", "b")
			return false, ""
		}, explore.Bound{Ties: -1}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := explore.Exhaustive(tt.run, tt.bound)
			if rep.Runs != tt.want || !rep.Exhausted || rep.Failure != nil || rep.Err != nil {
				t.Errorf("%+v, want %d runs, exhausted, no failure", rep, tt.want)
			}
		})
	}
}

// TestExhaustiveFindsPlantedBug plants a bug behind one interleaving of
// 2+2 steps out of 6 and checks that the search finds it and that its
// choices replay it.
func TestExhaustiveFindsPlantedBug(t *testing.T) {
	const bad = "baab"
	run := func(ent sim.Entropy) (bool, string) {
		_, log := stepper(ent, map[string]int{"a": 2, "b": 2}, "a", "b")
		return log == bad, "steps ran in order " + log
	}
	rep := explore.Exhaustive(run, explore.Bound{Ties: -1})
	if rep.Failure == nil {
		t.Fatalf("bug not found: %v", rep)
	}
	if rep.Failure.Desc != "steps ran in order "+bad || rep.Failure.Run > 6 {
		t.Errorf("failure %+v", rep.Failure)
	}
	if failed, _ := run(explore.Replay(rep.Failure.Choices)); !failed {
		t.Errorf("replaying %v did not fail", rep.Failure.Choices)
	}
	// Within a bound of one out-of-order tie the bug is out of reach: b's
	// start must overtake a's, and then a's second step b's.
	rep = explore.Exhaustive(run, explore.Bound{Ties: 1})
	if rep.Failure != nil || !rep.Exhausted {
		t.Errorf("with one out-of-order tie: %v", rep)
	}
}

// TestExhaustiveFaultReplays finds a run in which both calls' requests are
// dropped (two faults) and replays it.
func TestExhaustiveFaultReplays(t *testing.T) {
	run := func(ent sim.Entropy) (bool, string) {
		r := calls(ent, 2, 0.5)
		return r.Stats.DroppedReq == 2, fmt.Sprintf("%+v", r.Stats)
	}
	if rep := explore.Exhaustive(run, explore.Bound{Faults: 1}); rep.Failure != nil || !rep.Exhausted {
		t.Fatalf("one fault cannot drop two requests: %v", rep)
	}
	rep := explore.Exhaustive(run, explore.Bound{Faults: 2})
	if rep.Failure == nil {
		t.Fatalf("not found: %v", rep)
	}
	if r := calls(explore.Replay(rep.Failure.Choices), 2, 0.5); r.Stats.DroppedReq != 2 {
		t.Errorf("replay: %+v", r.Stats)
	}
}

func TestExhaustiveRunsCap(t *testing.T) {
	rep := explore.Exhaustive(func(ent sim.Entropy) (bool, string) {
		ent.Uint64N(100)
		return false, ""
	}, explore.Bound{Workload: 100, Runs: 10})
	if rep.Runs != 10 || rep.Exhausted {
		t.Errorf("%+v, want 10 runs, not exhausted", rep)
	}
}

func TestExhaustiveNondeterminism(t *testing.T) {
	calls := 0
	rep := explore.Exhaustive(func(ent sim.Entropy) (bool, string) {
		calls++
		for range 1 + calls%2*2 { // 3 draws, then 1, ...
			ent.Uint64N(2)
		}
		return false, ""
	}, explore.Bound{Workload: 2})
	if rep.Err == nil {
		t.Errorf("nondeterministic run not reported: %v", rep)
	}
}

func TestChoicesRoundTrip(t *testing.T) {
	for _, c := range [][]uint64{nil, {0}, {0, 0, 0, 4294967295, 1, 0, 0, 2}, {7}} {
		s := explore.FormatChoices(c)
		got, err := explore.ParseChoices(s)
		if err != nil || len(got) != len(c) || len(c) > 0 && !reflect.DeepEqual(got, c) {
			t.Errorf("%v -> %q -> %v, %v", c, s, got, err)
		}
	}
	for _, bad := range []string{"x", "1..2", "0*-1", "0*y"} {
		if _, err := explore.ParseChoices(bad); err == nil {
			t.Errorf("ParseChoices(%q) accepted", bad)
		}
	}
}

func ExampleExhaustive() {
	// Two processes take two steps each; the run fails if b goes first
	// and a then takes both of its steps.
	rep := explore.Exhaustive(func(ent sim.Entropy) (bool, string) {
		_, log := stepper(ent, map[string]int{"a": 2, "b": 2}, "a", "b")
		return log == "baab", "order " + log
	}, explore.Bound{Ties: -1})
	fmt.Println(rep)
	rep = explore.Exhaustive(ok, explore.Bound{})
	fmt.Println(rep)
	// Output:
	// failure at run 5: order baab (replay: 1.0.1)
	// no bug within this bound: 1 runs, every run within the bound covered
}

// TestExhaustiveEnumeratesEveryLeaf checks the search against a brute-force
// count on random decision trees: every leaf within the bound is run
// exactly once.
func TestExhaustiveEnumeratesEveryLeaf(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		seed := rapid.Uint64().Draw(rt, "seed")
		width := rapid.IntRange(1, 4).Draw(rt, "workload")
		// The tree: at each node, a draw of 1 + v%4 values; the path
		// ends after 5 draws or when v%5 == 0.
		step := func(v, x uint64) uint64 { return v*31 + x + 7 }
		var count func(v uint64, depth int) int
		count = func(v uint64, depth int) int {
			if depth == 5 || v%5 == 0 && depth > 0 {
				return 1
			}
			total := 0
			for x := range min(1+v%4, uint64(width)) {
				total += count(step(v, x), depth+1)
			}
			return total
		}
		seen := map[string]bool{}
		rep := explore.Exhaustive(func(ent sim.Entropy) (bool, string) {
			v, path := seed, ""
			for depth := 0; depth < 5 && (v%5 != 0 || depth == 0); depth++ {
				x := ent.Uint64N(1 + v%4)
				path += fmt.Sprint(x, ".")
				v = step(v, x)
			}
			if seen[path] {
				rt.Fatalf("path %s run twice", path)
			}
			seen[path] = true
			return false, ""
		}, explore.Bound{Workload: width})
		if want := count(seed, 0); rep.Runs != want || !rep.Exhausted {
			rt.Fatalf("%v, want %d runs", rep, want)
		}
	})
}

func TestDeepen(t *testing.T) {
	// Two dropped requests need the second rung.
	run := func(ent sim.Entropy) (bool, string) {
		return calls(ent, 2, 0.5).Stats.DroppedReq == 2, "both requests dropped"
	}
	rep, rung := explore.Deepen(run, explore.Ladder())
	if rep.Failure == nil || rung != 1 || rep.Runs <= 5 {
		t.Errorf("rung %d: %v", rung, rep)
	}
	if failed, _ := run(explore.Replay(rep.Failure.Choices)); !failed {
		t.Error("the failure does not replay")
	}
	// No bug: every rung exhausted, the last one reported.
	rep, rung = explore.Deepen(func(ent sim.Entropy) (bool, string) { calls(ent, 2, 0.5); return false, "" }, explore.Ladder())
	if rep.Failure != nil || !rep.Exhausted || rung != 2 || rep.Runs != 5+9+9 {
		t.Errorf("rung %d: %v", rung, rep)
	}
	// A bound too big to exhaust stops the climb.
	rep, rung = explore.Deepen(func(ent sim.Entropy) (bool, string) {
		for range 20 {
			ent.Uint64N(2)
		}
		return false, ""
	}, []explore.Bound{{Runs: 10}, {Workload: 2, Runs: 10}, {Workload: 2}})
	if rep.Exhausted || rung != 1 || rep.Runs != 11 {
		t.Errorf("rung %d: %v", rung, rep)
	}
	if rep, rung = explore.Deepen(ok, nil); rung != -1 || rep.Runs != 0 {
		t.Errorf("empty ladder: rung %d: %v", rung, rep)
	}
}
