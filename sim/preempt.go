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
