package sim

import "time"

// Preempt is the scheduling fault: a goroutine made runnable (woken by a
// channel, a lock, a condition, a wait group or a timer, or started by a
// go statement or a delivered request) runs up to D later, with
// probability P, as one the operating system has not scheduled yet, or
// has preempted, does. Without it a runnable goroutine runs before virtual
// time moves on, infinitely fast: code that counts on a goroutine it woke
// or started having run (a Put acknowledged before the goroutine that
// applies it ran, a flag set by a goroutine just started) would never
// fail. Messages, timers and other goroutines go first meanwhile. Its
// setting is a Level (Faults.With(Preempt, Level{P, D})),
// "preempt=0.20/5ms". It touches only runs that use goroutines, channels
// or locks, and it lasts the whole run, past Faults.Until: a delay it
// draws is bounded, so progress after the other faults stop is as sure
// with it as without, and much of a run's work comes then.
var Preempt = registerFault(FaultKind{
	name:    "preempt",
	doc:     "a goroutine made runnable runs up to D later, with probability P, as one not yet scheduled does",
	records: []RecordKind{recPreempt},
	gated:   true,
	// Swarm draws delays of up to 50ms: a loaded machine's scheduling
	// latency (a collector's pause, a starved CPU), longer than a round
	// trip, so that a client's next request can overtake the goroutine.
	levelDraw: func(d swarmDraw) Level {
		return Level{P: d.level(), D: time.Duration(1+d.e.Uint64N(50)) * time.Millisecond}
	},
})

var (
	// recPreempt is a goroutine made to wait before it runs.
	recPreempt = newRecordKind("preempt", Drawing{})
	// decidePreempt is whether a runnable goroutine waits, decideLatency
	// for how long.
	decidePreempt = newDecision("preempt", ClassFault)
	decideLatency = newDecision("preempt-latency", ClassAmount)
)

// runsAt is when p, made runnable now, runs: now, unless the preempt
// fault holds it back.
func (w *World) runsAt(p *Proc) time.Duration {
	l := w.opts.Faults.Level(Preempt)
	if l.P == 0 {
		return w.now
	}
	if !chance(w.src(Preempt.stream, decidePreempt, p.ep), l.P) {
		return w.now
	}
	d := 1 + upTo(w.src(Preempt.stream, decideLatency, p.ep), max(l.D-1, 0))
	w.recordG(recPreempt, p, uint64(d), "runs "+d.String()+" later")
	return w.now + d
}

// Deschedule is the other half of scheduling: a goroutine already running
// stops, at a synchronisation point (a channel operation, a lock, a
// timer), with probability P, and goes on up to D later, as one the
// operating system preempts mid-run does. Preempt delays only goroutines
// being woken, and a yield point lets only what is due at the same
// instant go first, so without it a goroutine that ran never let virtual
// time pass between two of its steps: code with a window between two
// steps (an index taken from Start, then a waiter registered for it under
// a lock, while the applier answers whatever waiters it finds) could
// never be caught in it. It stops only a goroutine that holds no lock:
// one stopped inside a critical section only makes the others queue
// behind it (preempt already makes a lock's next holder wait), which with
// many clients grows into a convoy that slows a whole run past its
// liveness bounds, while the windows this fault is for lie between
// critical sections. Its setting is a Level, "deschedule=0.02/30ms"; like
// preempt it lasts the whole run, each delay bounded.
var Deschedule = registerFault(FaultKind{
	name:    "deschedule",
	doc:     "a running goroutine stops at a synchronisation point, with probability P, and goes on up to D later, as one preempted mid-run does",
	records: []RecordKind{recDeschedule},
	gated:   true,
	// Synchronisation points come a few times per step of a goroutine,
	// so swarm draws a tenth of other faults' probabilities, and the same
	// delays as preempt.
	levelDraw: func(d swarmDraw) Level {
		return Level{P: d.level() / 10, D: time.Duration(1+d.e.Uint64N(50)) * time.Millisecond}
	},
})

var (
	// recDeschedule is a running goroutine stopped for a while.
	recDeschedule = newRecordKind("deschedule", Drawing{})
	// decideDeschedule is whether a running goroutine stops at a
	// synchronisation point, decideDescheduleFor for how long.
	decideDeschedule    = newDecision("deschedule", ClassFault)
	decideDescheduleFor = newDecision("deschedule-for", ClassAmount)
)

// descheduled stops p, running, at a synchronisation point for a while if
// the deschedule fault says so, and reports whether it did; p has run
// again by then.
func (w *World) descheduled(p *Proc) bool {
	l := w.opts.Faults.Level(Deschedule)
	if l.P == 0 || w.rt.building != nil || p.rt.holds > 0 {
		return false
	}
	if !chance(w.src(Deschedule.stream, decideDeschedule, p.ep), l.P) {
		return false
	}
	d := 1 + upTo(w.src(Deschedule.stream, decideDescheduleFor, p.ep), max(l.D-1, 0))
	w.recordG(recDeschedule, p, uint64(d), "stops for "+d.String())
	p.rt.dirty = false
	id := p.beginPark("descheduled", nil)
	w.schedule(w.now+d, evReady, p, id, 0, nil, nil)
	p.park()
	return true
}
