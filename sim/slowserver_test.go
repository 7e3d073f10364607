package sim

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func init() {
	semanticChecks["slow-server"] = func(on bool) error {
		f := switched(Faults{}.With(SlowServer, Level{P: 1, D: 50 * time.Millisecond}), "slow-server", on)
		rt := roundTrips(f, 20)
		if slices.Min(rt) <= 2*DefaultLatency || slices.Max(rt) <= 10*time.Millisecond {
			return fmt.Errorf("no request was served late: round trips %v", rt)
		}
		return nil
	}
}

// TestSlowServerQueues: while a server serves a request slowly, the
// requests that reach it wait, and are handled in turn, each after the one
// before it is done; the trace brackets each slow service with slow and
// slow-done on the server, and a report draws it as a span there.
func TestSlowServerQueues(t *testing.T) {
	f := Faults{}.With(SlowServer, Level{P: 1, D: 40 * time.Millisecond})
	if got := f.String(); got != "slow-server=1.00/40ms" {
		t.Errorf("Faults.String = %q", got)
	}
	w, c := newCounterWorld(1, Options{Faults: f, Trace: true})
	for i := range 3 {
		w.Spawn(fmt.Sprint("c", i), func(p *Proc) {
			var reply addReply
			if !p.Call("server", "Counter.Add", &addArgs{Client: i, N: 1}, &reply) {
				t.Errorf("c%d's call timed out", i)
			}
		})
	}
	r := w.Run()
	if r.Status != Done {
		t.Fatalf("%v: %s", r.Status, r.Reason)
	}
	// All three arrive at 1ms: one is served, the other two wait (held);
	// as it ends, they reach the server again, one is served and the
	// last waits once more.
	if got := r.Stats.Count(recSlow); got != 3 || r.Stats.Count(recSlowDone) != 3 || r.Stats.Held != 3 || c.seen != 3 {
		t.Errorf("%d slow services, %d ended, %d held, %d handled; want 3, 3, 3, 3", got, r.Stats.Count(recSlowDone), r.Stats.Held, c.seen)
	}
	var busy []Record // the slow and slow-done records, and the deliveries
	for _, rec := range w.Records() {
		if rec.Kind == recSlow || rec.Kind == recSlowDone || rec.Kind == RecDeliver {
			busy = append(busy, rec)
		}
	}
	for i := 0; i+2 < len(busy); i += 3 {
		start, done, deliver := busy[i], busy[i+1], busy[i+2]
		if start.Kind != recSlow || done.Kind != recSlowDone || deliver.Kind != RecDeliver ||
			start.Call != done.Call || done.Call != deliver.Call || deliver.At != done.At || done.At <= start.At {
			t.Errorf("not one request at a time, each handled as its service ends: %v", busy)
			break
		}
		if i > 0 && start.At != busy[i-1].At {
			t.Errorf("a service did not start as the one before ended: %v", busy)
		}
	}
	if d := RecordKind(recSlow).Drawing(); d.As != AsSpanStart || d.Span != "slow" || !d.PeerOnly || !recSlow.IsFault() {
		t.Errorf("slow is drawn as %+v, fault %v", d, recSlow.IsFault())
	}
}

// TestSlowServerStopsWithFaults: no request is served slowly once faults
// stop.
func TestSlowServerStopsWithFaults(t *testing.T) {
	f := Faults{Until: 500 * time.Millisecond}.With(SlowServer, Level{P: 1, D: 30 * time.Millisecond})
	rt := roundTrips(f, 40)
	last := rt[len(rt)-5:]
	for _, d := range last {
		if d != 2*DefaultLatency {
			t.Fatalf("round trips after faults stopped: %v", last)
		}
	}
}

// TestAddingAFaultKeepsOtherSeeds is what drawing by name buys: adding a
// fault kind to the registry (here the slow server, added beside the
// built-in kinds) leaves every other kind's swarm draw of every seed as it
// was, and the trace hash of every run that draws it off unchanged.
func TestAddingAFaultKeepsOtherSeeds(t *testing.T) {
	run := func(seed uint64) (Faults, uint64) {
		f := SwarmFaults(NewPCG(seed), time.Second)
		w, _ := newCounterWorld(seed, Options{Faults: f})
		for i := range 3 {
			w.Spawn(fmt.Sprint("c", i), func(p *Proc) {
				calls := 1 + w.Stream(fmt.Sprint("workload/c", i)).Uint64N(15)
				for range calls {
					var reply addReply
					for !p.Call("server", "Counter.Add", &addArgs{Client: i, N: 1}, &reply) {
					}
				}
			})
		}
		r := w.Run()
		if r.Status != Done {
			t.Fatalf("seed %d: %v: %s", seed, r.Status, r.Reason)
		}
		return f, r.Hash
	}
	const seeds = 200
	var with, without [seeds]uint64
	var drawn [seeds]Faults
	for seed := range uint64(seeds) {
		drawn[seed], with[seed] = run(seed)
	}
	defer func(kinds []*FaultKind) { faultKinds = kinds }(faultKinds)
	faultKinds = slices.DeleteFunc(slices.Clone(faultKinds), func(k *FaultKind) bool { return k == SlowServer })
	on, changed := 0, 0
	for seed := range uint64(seeds) {
		f, h := run(seed)
		if f != drawn[seed].Without(SlowServer) {
			t.Fatalf("seed %d: without the slow server, swarm drew %v; with it %v", seed, f, drawn[seed])
		}
		without[seed] = h
		if drawn[seed].Level(SlowServer).P == 0 {
			if h != with[seed] {
				t.Errorf("seed %d draws the slow server off, yet its hash is %016x with it registered and %016x without", seed, with[seed], h)
			}
			continue
		}
		on++
		if h != with[seed] {
			changed++
		}
	}
	if SlowServer.Swarm() && (on < seeds/4 || on > 3*seeds/4 || changed < on*9/10) {
		t.Errorf("swarm drew the slow server on in %d of %d seeds, %d of which it changed", on, seeds, changed)
	}
}
