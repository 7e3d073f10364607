package sim

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// oneShot runs clients that each make calls once (no retries) and returns
// the stats and the server.
func oneShot(t *testing.T, seed uint64, f Faults, clients, calls int) (Stats, *counter) {
	t.Helper()
	w, c := newCounterWorld(seed, Options{Faults: f})
	for i := range clients {
		w.Spawn(fmt.Sprintf("c%d", i), func(p *Proc) {
			for j := range calls {
				var reply addReply
				p.Call("server", "Counter.Add", &addArgs{Client: i, Seq: j, N: 1}, &reply)
			}
		})
	}
	r := w.Run()
	if r.Status != Done {
		t.Fatalf("%v: %s", r.Status, r.Reason)
	}
	return r.Stats, c
}

func TestMessageFaults(t *testing.T) {
	const clients, calls = 4, 50
	const total = clients * calls
	tests := []struct {
		name   string
		faults Faults
		check  func(s Stats) error
	}{
		{"reliable", Faults{}, func(s Stats) error {
			if s.Replies != total || s.Delivered != total || s.Timeouts != 0 {
				return fmt.Errorf("want every call answered once")
			}
			return nil
		}},
		{"drop every request", Faults{DropRequest: 1}, func(s Stats) error {
			if s.DroppedReq != total || s.Delivered != 0 || s.Timeouts != total {
				return fmt.Errorf("want every request dropped and every call timed out")
			}
			return nil
		}},
		{"drop every reply", Faults{DropReply: 1}, func(s Stats) error {
			if s.Delivered != total || s.DroppedRep != total || s.Replies != 0 || s.Timeouts != total {
				return fmt.Errorf("want every request handled, every reply dropped")
			}
			return nil
		}},
		{"duplicate every request", Faults{Duplicate: 1}, func(s Stats) error {
			// The last duplicate replies may still be in flight when the run ends.
			if s.Duplicated != total || s.Delivered != 2*total || s.Replies != total || s.Late < total-clients {
				return fmt.Errorf("want two deliveries per call and a late reply for nearly each")
			}
			return nil
		}},
		{"drop half the requests", Faults{DropRequest: 0.5}, func(s Stats) error {
			if s.DroppedReq < total/4 || s.DroppedReq > 3*total/4 {
				return fmt.Errorf("want about half dropped")
			}
			return nil
		}},
		{"faults stop at Until", Faults{DropRequest: 1, Until: time.Millisecond}, func(s Stats) error {
			if s.DroppedReq != clients {
				return fmt.Errorf("want only the first call of each client dropped")
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := oneShot(t, 1, tt.faults, clients, calls)
			if err := tt.check(s); err != nil {
				t.Errorf("%v; stats %+v", err, s)
			}
		})
	}
}

// TestTailReorders measures how often a request overtakes an earlier one:
// never with a fixed latency, more often as the tail grows.
func TestTailReorders(t *testing.T) {
	rate := func(f Faults) float64 {
		reordered, delivered := 0, 0
		for seed := range uint64(50) {
			s, _ := oneShot(t, seed, f, 8, 25)
			reordered += s.Reordered
			delivered += s.Delivered
		}
		return float64(reordered) / float64(delivered)
	}
	fixed := rate(Faults{})
	if fixed != 0 {
		t.Errorf("fixed latency reordered %.3f of requests, want 0", fixed)
	}
	prev := fixed
	for _, tail := range []float64{0.05, 0.2, 0.5} {
		r := rate(Faults{TailProb: tail, Tail: 20 * time.Millisecond})
		t.Logf("tail probability %.2f: reorder rate %.3f", tail, r)
		if r <= prev {
			t.Errorf("tail probability %.2f: reorder rate %.3f, not above %.3f", tail, r, prev)
		}
		prev = r
	}
}

func TestScriptedPartitionAndPause(t *testing.T) {
	w, c := newCounterWorld(1, Options{Trace: true})
	var results []bool
	w.Spawn("c0", func(p *Proc) {
		for k := range 6 {
			p.Sleep(time.Duration(k)*200*time.Millisecond - p.Now())
			var reply addReply
			results = append(results, p.Call("server", "Counter.Add", &addArgs{N: 1}, &reply))
		}
	})
	// Calls start at 0, 200ms, 400ms, ... The link is down for the second
	// call; the server is paused (but reachable) past the fourth's timeout.
	w.At(150*time.Millisecond, func() { w.Cut("c0", "server") })
	w.At(250*time.Millisecond, func() { w.Heal("c0", "server") })
	w.At(550*time.Millisecond, func() { w.Pause("server") })
	w.At(750*time.Millisecond, func() { w.Resume("server") })
	r := w.Run()
	if r.Status != Done {
		t.Fatalf("%v: %s", r.Status, r.Reason)
	}
	want := fmt.Sprint([]bool{true, false, true, false, true, true})
	if got := fmt.Sprint(results); got != want {
		t.Errorf("call results %s, want %s", got, want)
	}
	if r.Stats.Lost != 1 || r.Stats.Held != 1 || r.Stats.Late != 1 {
		t.Errorf("want one message lost to the cut and one held by the pause and answered late; stats %+v", r.Stats)
	}
	// The held request still ran once the server resumed.
	if c.seen != 5 {
		t.Errorf("server saw %d requests, want 5", c.seen)
	}
}

// TestOneWayCut: a cut from the server to the client loses the replies,
// not the requests (the handler runs, the call fails); one from the client
// to the server loses the requests; HealFrom undoes each, and neither
// touches the other direction.
func TestOneWayCut(t *testing.T) {
	w, c := newCounterWorld(1, Options{Trace: true})
	var results []bool
	var seen []int
	w.Spawn("c0", func(p *Proc) {
		for k := range 4 {
			p.Sleep(time.Duration(k)*200*time.Millisecond - p.Now())
			var reply addReply
			results = append(results, p.Call("server", "Counter.Add", &addArgs{N: 1}, &reply))
			seen = append(seen, c.seen)
		}
	})
	w.At(150*time.Millisecond, func() { w.CutFrom("server", "c0") })
	w.At(250*time.Millisecond, func() { w.HealFrom("server", "c0") })
	w.At(350*time.Millisecond, func() { w.CutFrom("c0", "server") })
	w.At(450*time.Millisecond, func() { w.HealFrom("c0", "server") })
	if r := w.Run(); r.Status != Done {
		t.Fatalf("%v: %s", r.Status, r.Reason)
	}
	if got, want := fmt.Sprint(results, seen), fmt.Sprint([]bool{true, false, false, true}, []int{1, 2, 2, 3}); got != want {
		t.Errorf("call results and requests handled %s, want %s", got, want)
	}
}

// TestRandomPartitionsHeal checks the fault schedule cuts and heals links,
// and that everything is healed once faults stop.
func TestRandomPartitionsHeal(t *testing.T) {
	f := Faults{PartitionEvery: 50 * time.Millisecond, PartitionFor: 100 * time.Millisecond,
		PauseEvery: 80 * time.Millisecond, Until: time.Second}
	w, _ := newCounterWorld(5, Options{Faults: f})
	var lateOK int
	w.Spawn("c0", func(p *Proc) {
		for p.Now() < 2*time.Second {
			var reply addReply
			ok := p.Call("server", "Counter.Add", &addArgs{N: 1}, &reply)
			if ok && p.Now() > time.Second {
				lateOK++
			}
			if !ok && p.Now() > time.Second+200*time.Millisecond {
				t.Errorf("call failed at %v, after faults stopped", p.Now())
			}
		}
	})
	r := w.Run()
	if r.Status != Done {
		t.Fatalf("%v: %s", r.Status, r.Reason)
	}
	if r.Stats.Partitions == 0 || r.Stats.Pauses == 0 || r.Stats.Lost == 0 {
		t.Errorf("want partitions, pauses and lost messages before Until; stats %+v", r.Stats)
	}
	if lateOK == 0 {
		t.Error("no call succeeded after faults stopped")
	}
}

// scripted is entropy that answers every draw with f(n).
type scripted func(n uint64) uint64

func (s scripted) Uint64N(n uint64) uint64 { return s(n) }

func TestFaultsString(t *testing.T) {
	tests := []struct {
		f    Faults
		want string
	}{
		{Faults{}, "none"},
		{Faults{Latency: time.Second, Until: time.Second}, "none"},
		{Faults{DropRequest: 0.1, Duplicate: 0.3, TailProb: 0.2, Tail: 300 * time.Millisecond},
			"drop-req=0.10,dup=0.30,tail=0.20/300ms"},
		{Faults{Jitter: 5 * time.Millisecond, DropReply: 0.5, PartitionEvery: time.Second, PartitionFor: 2 * time.Second,
			PauseEvery: 100 * time.Millisecond, PauseFor: 50 * time.Millisecond},
			"jitter=5ms,drop-reply=0.50,partition=1s/2s,pause=100ms/50ms"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.f, got, tt.want)
		}
	}
}

func TestSwarmFaults(t *testing.T) {
	zero := SwarmFaults(scripted(func(uint64) uint64 { return 0 }), time.Second)
	if zero != (Faults{Until: time.Second}) {
		t.Errorf("all-zero draws: %+v, want no faults", zero)
	}
	most := SwarmFaults(scripted(func(n uint64) uint64 { return n - 1 }), time.Second)
	// The built-in kinds, then those registered beside them, each on.
	want := "jitter=9ms,drop-req=0.50,drop-reply=0.50,dup=0.50,tail=0.50/599ms,partition=599ms/599ms,pause=599ms/299.5ms"
	if got := most.String(); got != want && !strings.HasPrefix(got, want+",") || most.Until != time.Second {
		t.Errorf("all-max draws: %s until %v, want %s until 1s", got, most.Until, want)
	}
	for _, k := range faultKinds {
		if k.draw != nil && k.Setting(most) == "" {
			t.Errorf("all-max draws: %s is off", k.name)
		}
	}
	// Over many seeds every fault is drawn both on and off.
	on := map[string]int{}
	for seed := range uint64(200) {
		for part := range strings.SplitSeq(SwarmFaults(NewPCG(seed), time.Second).String(), ",") {
			on[strings.Split(part, "=")[0]]++
		}
	}
	for _, k := range faultKinds {
		if k.draw != nil && (on[k.name] == 0 || on[k.name] == 200 && k.gated) {
			t.Errorf("%s on in %d of 200 draws", k.name, on[k.name])
		}
	}
}

// TestFaultRecordsAreCounted checks the fault table's promise: every fault
// that fires leaves a record, and Stats counts records by kind.
func TestFaultRecordsAreCounted(t *testing.T) {
	f := chaos
	for _, k := range faultKinds {
		if k.level >= 0 { // a kind registered beside the built-in ones
			f = f.With(k, Level{P: 0.1, D: 20 * time.Millisecond})
		}
	}
	w, _ := newCounterWorld(2, Options{Faults: f, Trace: true})
	workload(w, 4, 20)
	pingPong(w, 50) // goroutines, for the faults that act on them
	r := w.Run()
	byKind := map[RecordKind]int{}
	for _, rec := range w.Records() {
		byKind[rec.Kind]++
	}
	for _, k := range RecordKinds() {
		if k == RecReady || k == RecYield {
			continue // traced, not counted: the hashed records around them decide them
		}
		if byKind[k] != r.Stats.Count(k) {
			t.Errorf("%v: %d records, Count %d", k, byKind[k], r.Stats.Count(k))
		}
	}
	for _, k := range faultKinds {
		for _, rec := range k.records {
			if !rec.IsFault() {
				t.Errorf("%v is not a fault", rec)
			}
		}
		if k.draw != nil && len(k.records) > 0 && r.Stats.Count(k.records[0]) == 0 {
			t.Errorf("chaos, with the kinds registered beside the built-in ones, never fired %s", k.name)
		}
	}
	if r.Stats.DroppedReq != r.Stats.Count(RecDropReq) || r.Stats.Calls != byKind[RecSend] {
		t.Errorf("named stats disagree with counts: %+v", r.Stats)
	}
}

// semanticChecks holds, for each fault kind, by name, a check that the
// fault does what it says: with the fault on it returns nil, with it off
// an error. A kind's test file registers its own (in an init function),
// so that switching any fault off fails a test of its own, not only a
// golden hash or the regression corpus (TestEveryFaultIsChecked).
var semanticChecks = map[string]func(on bool) error{}

// kindNamed is the registered fault kind named name.
func kindNamed(name string) *FaultKind {
	for _, k := range faultKinds {
		if k.name == name {
			return k
		}
	}
	panic("no fault kind " + name)
}

// switched is f, or f with the fault kind named name off (through the
// registry's own switch, Faults.Without).
func switched(f Faults, name string, on bool) Faults {
	if on {
		return f
	}
	return f.Without(kindNamed(name))
}

// statsOf runs clients making calls once each (no retries) under f.
func statsOf(f Faults, clients, calls int) Stats {
	w, _ := newCounterWorld(1, Options{Faults: f})
	for i := range clients {
		w.Spawn(fmt.Sprintf("c%d", i), func(p *Proc) {
			for j := range calls {
				var reply addReply
				p.Call("server", "Counter.Add", &addArgs{Client: i, Seq: j, N: 1}, &reply)
			}
		})
	}
	return w.Run().Stats
}

// roundTrips are the durations of a lone client's calls under f.
func roundTrips(f Faults, calls int) []time.Duration {
	w, _ := newCounterWorld(1, Options{Faults: f})
	var out []time.Duration
	w.Spawn("c", func(p *Proc) {
		for range calls {
			start := p.Now()
			var reply addReply
			p.Call("server", "Counter.Add", &addArgs{N: 1}, &reply)
			out = append(out, p.Now()-start)
		}
	})
	w.Run()
	return out
}

func init() {
	semanticChecks["jitter"] = func(on bool) error {
		rt := roundTrips(switched(Faults{Jitter: 5 * time.Millisecond}, "jitter", on), 20)
		if slices.Min(rt) == slices.Max(rt) {
			return fmt.Errorf("every round trip took %v", rt[0])
		}
		return nil
	}
	semanticChecks["drop-req"] = func(on bool) error {
		s := statsOf(switched(Faults{DropRequest: 0.5}, "drop-req", on), 2, 20)
		if s.DroppedReq == 0 || s.Delivered+s.DroppedReq != s.Calls {
			return fmt.Errorf("no request dropped: %+v", s)
		}
		return nil
	}
	semanticChecks["drop-reply"] = func(on bool) error {
		s := statsOf(switched(Faults{DropReply: 0.5}, "drop-reply", on), 2, 20)
		if s.DroppedRep == 0 || s.Delivered != s.Calls || s.Replies+s.DroppedRep != s.Calls {
			return fmt.Errorf("no reply dropped of handled requests: %+v", s)
		}
		return nil
	}
	semanticChecks["dup"] = func(on bool) error {
		s := statsOf(switched(Faults{Duplicate: 0.5}, "dup", on), 2, 20)
		if s.Duplicated == 0 || s.Delivered != s.Calls+s.Duplicated {
			return fmt.Errorf("no request delivered twice: %+v", s)
		}
		return nil
	}
	semanticChecks["tail"] = func(on bool) error {
		s := statsOf(switched(Faults{TailProb: 0.3, Tail: 20 * time.Millisecond}, "tail", on), 8, 25)
		if s.Reordered == 0 {
			return fmt.Errorf("no request overtook another: %+v", s)
		}
		return nil
	}
	semanticChecks["partition"] = func(on bool) error {
		s := statsOf(switched(Faults{PartitionEvery: 20 * time.Millisecond, PartitionFor: 20 * time.Millisecond}, "partition", on), 2, 20)
		if s.Partitions == 0 || s.Lost == 0 {
			return fmt.Errorf("no message lost to a cut: %+v", s)
		}
		return nil
	}
	semanticChecks["pause"] = func(on bool) error {
		s := statsOf(switched(Faults{PauseEvery: 20 * time.Millisecond, PauseFor: 20 * time.Millisecond}, "pause", on), 2, 20)
		if s.Pauses == 0 || s.Held == 0 {
			return fmt.Errorf("no request waited for a paused server: %+v", s)
		}
		return nil
	}
}

// TestEveryFaultIsChecked: every registered fault kind has a semantic
// check of its own, which passes with the fault on and fails with it off.
func TestEveryFaultIsChecked(t *testing.T) {
	for _, k := range FaultKinds() {
		check := semanticChecks[k.Name()]
		if check == nil {
			t.Errorf("fault %s has no semantic check: register one in its test file (semanticChecks)", k.Name())
			continue
		}
		if err := check(true); err != nil {
			t.Errorf("%s on: %v", k.Name(), err)
		}
		if check(false) == nil {
			t.Errorf("%s off: its check still passes", k.Name())
		}
	}
}
