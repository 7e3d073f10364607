package sim

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// The course's unreliable network with long delays, and its long
// reordering.
var (
	courseUnreliable = Faults{}.With(CourseNet, Level{P: 0.1, D: 7 * time.Second})
	courseReordering = courseUnreliable.With(CourseReorder, Level{P: 2.0 / 3, D: 2 * time.Second})
)

func init() {
	semanticChecks["course-net"] = func(on bool) error {
		rt := roundTrips(switched(Faults{}.With(CourseNet, Level{P: 0.5, D: 7 * time.Second}), "course-net", on), 40)
		// Under the course's network, a call whose request or reply is
		// lost fails within the short delay, never at the 100ms timeout;
		// without it, lost calls take the timeout and none is lost here.
		fast := 0
		for _, d := range rt {
			if d >= defaultCallTimeout {
				return fmt.Errorf("a call took %v: %v", d, rt)
			}
			if d != 2*DefaultLatency {
				fast++
			}
		}
		if fast == 0 {
			return fmt.Errorf("every call took the base round trip: %v", rt)
		}
		return nil
	}
	semanticChecks["course-reorder"] = func(on bool) error {
		f := Faults{}.With(CourseNet, Level{D: 7 * time.Second})
		if on {
			f = f.With(CourseReorder, Level{P: 1, D: 2 * time.Second})
		}
		rt := roundTrips(f, 20)
		if slices.Min(rt) < 200*time.Millisecond {
			return fmt.Errorf("a reply was not held: %v", rt)
		}
		return nil
	}
}

// TestCourseNetSetting: the settings print as the profiles name them, and
// the reliable network (P = 0) is on.
func TestCourseNetSetting(t *testing.T) {
	if got := courseReordering.String(); got != "course-net=0.10/7s,course-reorder=0.67/2s" {
		t.Errorf("String = %q", got)
	}
	reliable := Faults{}.With(CourseNet, Level{D: 7 * time.Second})
	if got := reliable.String(); got != "course-net=0.00/7s" {
		t.Errorf("String = %q", got)
	}
	if !CourseNet.on(&reliable) || CourseReorder.on(&reliable) || CourseNet.Swarm() || CourseReorder.Swarm() || CourseNet.Duplicates() {
		t.Error("on, swarm or duplicates wrong")
	}
}

// courseCalls makes n calls from a lone client to a server under f, with
// the server cut off from it (isolated) or not, and returns each call's
// outcome and duration, and the handler's runs.
func courseCalls(t *testing.T, f Faults, n int, isolated bool) (oks []bool, took []time.Duration, handled int) {
	t.Helper()
	w, c := newCounterWorld(3, Options{Faults: f})
	w.Spawn("c", func(p *Proc) {
		p.Sleep(f.Until) // faults on until then (which heals every cut)
		if isolated {
			w.Isolate("server")
		}
		for range n {
			start := p.Now()
			var reply addReply
			oks = append(oks, p.Call("server", "Counter.Add", &addArgs{N: 1}, &reply))
			took = append(took, p.Now()-start)
		}
	})
	if r := w.Run(); r.Status != Done {
		t.Fatalf("%v: %s", r.Status, r.Reason)
	}
	return oks, took, c.seen
}

// TestCourseNetCutOff: a call to a server that is cut off sends nothing
// and fails after a drawn time in [0, 7s), in whole milliseconds, faults
// on or not.
func TestCourseNetCutOff(t *testing.T) {
	for _, f := range []Faults{courseUnreliable, courseUnreliable.With(CourseNet, Level{D: 7 * time.Second})} {
		oks, took, handled := courseCalls(t, f, 200, true)
		if handled != 0 || slices.Contains(oks, true) {
			t.Fatalf("%v: a cut-off server handled %d calls: %v", f, handled, oks)
		}
		long := 0
		for _, d := range took {
			if d >= 7*time.Second || d%time.Millisecond != 0 {
				t.Fatalf("%v: a call failed after %v", f, d)
			}
			if d > time.Second {
				long++
			}
		}
		if long < 150 {
			t.Errorf("%v: only %d of 200 calls took over a second to fail: %v", f, long, took)
		}
	}
}

// TestCourseNetUnreliable: on the unreliable network, about a tenth of
// the requests are lost (the call fails once its short delay is over)
// and about a tenth of the replies of the handled ones (the handler ran;
// the call fails at once); the others succeed after a short delay of up to
// 26ms; no call waits for a timeout.
func TestCourseNetUnreliable(t *testing.T) {
	const n = 2000
	oks, took, handled := courseCalls(t, courseUnreliable, n, false)
	failed := n - countTrue(oks)
	lostReq, lostRep := n-handled, failed-(n-handled)
	if lostReq < n/20 || lostReq > n/7 || lostRep < n/20 || lostRep > n/7 {
		t.Errorf("%d requests and %d replies lost of %d calls", lostReq, lostRep, n)
	}
	if max := slices.Max(took); max > 26*time.Millisecond+2*DefaultLatency {
		t.Errorf("a call took %v", max)
	}
}

func countTrue(bs []bool) (n int) {
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// TestCourseNetFaultsOff: once faults stop, nothing is lost or delayed on
// the course's network, but a call to a cut-off endpoint still takes its
// long delay to fail.
func TestCourseNetFaultsOff(t *testing.T) {
	f := courseReordering
	f.Until = time.Millisecond
	oks, took, _ := courseCalls(t, f, 100, false)
	if countTrue(oks) != 100 || slices.Max(took) != 2*DefaultLatency {
		t.Errorf("after faults stopped: %d of 100 calls succeeded, the longest took %v", countTrue(oks), slices.Max(took))
	}
	_, took, _ = courseCalls(t, f, 20, true)
	if slices.Max(took) < time.Second {
		t.Errorf("calls to a cut-off server failed at once after faults stopped: %v", took)
	}
}

// TestCourseReorderHolds: about two replies in three are held 200ms plus
// up to 2s, most of them far less than that (a draw below a draw), and
// a call waits for its reply however long it is held.
func TestCourseReorderHolds(t *testing.T) {
	const n = 1500
	f := Faults{}.With(CourseNet, Level{D: 7 * time.Second}).With(CourseReorder, Level{P: 2.0 / 3, D: 2 * time.Second})
	oks, took, _ := courseCalls(t, f, n, false)
	held, short := 0, 0
	for _, d := range took {
		if d < 200*time.Millisecond {
			continue
		}
		held++
		if d > 2200*time.Millisecond+2*DefaultLatency {
			t.Fatalf("a reply was held %v", d)
		}
		if d < 700*time.Millisecond {
			short++
		}
	}
	if countTrue(oks) != n || held < n/2 || held > 3*n/4 || short < held/2 {
		t.Errorf("%d of %d calls succeeded, %d held, %d of them under 700ms", countTrue(oks), n, held, short)
	}
}

// courseMachineWorld is a server on a machine whose handler sleeps for
// the time it is asked, and a client calling it under f.
func courseMachineWorld(f Faults, sleep time.Duration, crashAt time.Duration) (ok bool, took time.Duration, r Result) {
	w := New(1, Options{Faults: f})
	m := w.NewMachine("server", func(m *Machine) {
		Handle(m.Server(), "S.Sleep", func(a *addArgs, r *addReply) { w.Clock().Sleep(sleep); r.Sum = 1 })
	})
	if crashAt > 0 {
		w.At(crashAt, m.Crash)
	}
	w.Spawn("c", func(p *Proc) {
		var reply addReply
		ok = p.Call("server", "S.Sleep", &addArgs{}, &reply)
		took = p.Now()
	})
	return ok, took, w.Run()
}

// TestCourseNetCallsWait: a call on the course's network has no timeout
// of its own: it waits for a handler that takes seconds; it fails at once
// when the server crashes under it.
func TestCourseNetCallsWait(t *testing.T) {
	reliable := Faults{}.With(CourseNet, Level{D: 7 * time.Second})
	if ok, took, r := courseMachineWorld(reliable, 5*time.Second, 0); !ok || took != 5*time.Second+2*DefaultLatency || r.Status != Done {
		t.Errorf("a 5s handler: ok %v after %v (%v)", ok, took, r.Status)
	}
	if ok, took, r := courseMachineWorld(reliable, 5*time.Second, time.Second); ok || took != time.Second || r.Status != Done {
		t.Errorf("a server crashed under its handler: ok %v after %v (%v)", ok, took, r.Status)
	}
	if ok, took, _ := courseMachineWorld(Faults{}, 5*time.Second, 0); ok || took != defaultCallTimeout {
		t.Errorf("without the course's network: ok %v after %v", ok, took)
	}
}

// TestSetLevelMidRun: a kind turned on partway through a run acts from
// then on, and turned off again stops; the course's network turned
// unreliable and reliable again loses calls only in between; a setting
// that would change whether callers are told of lost messages panics.
func TestSetLevelMidRun(t *testing.T) {
	reliable := Level{D: 7 * time.Second}
	w, _ := newCounterWorld(3, Options{Faults: Faults{}.With(CourseNet, reliable)})
	type phase struct {
		set         func()
		fails       int
		least, most time.Duration
	}
	phases := []phase{
		{set: func() {}},
		{set: func() { w.SetLevel(CourseReorder, Level{P: 1, D: 2 * time.Second}) }},
		{set: func() { w.SetLevel(CourseReorder, Level{}) }},
		{set: func() { w.SetLevel(CourseNet, Level{P: 0.5, D: 7 * time.Second}) }},
		{set: func() { w.SetLevel(CourseNet, reliable) }},
	}
	w.Spawn("c", func(p *Proc) {
		for i := range phases {
			ph := &phases[i]
			ph.set()
			ph.least = time.Hour
			for range 40 {
				start := p.Now()
				var reply addReply
				if !p.Call("server", "Counter.Add", &addArgs{N: 1}, &reply) {
					ph.fails++
				}
				ph.least, ph.most = min(ph.least, p.Now()-start), max(ph.most, p.Now()-start)
			}
		}
	})
	if r := w.Run(); r.Status != Done {
		t.Fatalf("%v: %s", r.Status, r.Reason)
	}
	plain := func(ph phase) bool { return ph.fails == 0 && ph.most == 2*DefaultLatency }
	if ph := phases[1]; ph.fails > 0 || ph.least < 200*time.Millisecond {
		t.Errorf("long reordering on: %d calls failed, the shortest took %v", ph.fails, ph.least)
	}
	if ph := phases[3]; ph.fails == 0 {
		t.Errorf("the unreliable network lost no call of 40")
	}
	for _, i := range []int{0, 2, 4} {
		if ph := phases[i]; !plain(ph) {
			t.Errorf("phase %d, reliable without reordering: %d calls failed, the longest took %v", i, ph.fails, ph.most)
		}
	}
	if w.Level(CourseNet) != reliable {
		t.Errorf("Level(CourseNet) = %v", w.Level(CourseNet))
	}
	defer func() {
		if recover() == nil {
			t.Error("SetLevel turned the course's network off (which tells callers of lost messages) without a panic")
		}
	}()
	w.SetLevel(CourseNet, Level{})
}
