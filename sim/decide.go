package sim

import (
	"fmt"
	"slices"
)

// Decision names what one draw of the entropy decides. Every draw the world
// makes goes through one funnel that names it, so that an exploration
// strategy (a Chooser) can treat a tie differently from a dropped message.
type Decision uint8

const (
	// Workload is any draw not made by the world itself: a scenario's
	// workload drawn through World.Entropy, or a fault model drawn before
	// New. A Chooser receives these through Uint64N.
	Workload Decision = iota
	// DecideTie picks one of several events due at the same instant.
	DecideTie
	// DecideDropRequest, DecideDuplicate, DecideDropReply and DecideTail
	// are per-message faults: a draw of at least N*(1-p) means "yes", so 0
	// is "no" and N-1 is "yes".
	DecideDropRequest
	DecideDuplicate
	DecideDropReply
	DecideTail
	// DecideJitter and DecideTailDelay are how much a message's delay
	// exceeds the base latency, in nanoseconds.
	DecideJitter
	DecideTailDelay
	// DecidePartition picks the endpoint a partition cuts off; DecidePause
	// the server a pause stops.
	DecidePartition
	DecidePause
	// DecideFaultGap is the time until the next partition or pause;
	// DecideFaultLength how long one lasts (in nanoseconds, minus one).
	DecideFaultGap
	DecideFaultLength
	// DecideNemesis is whether a targeted fault fires, drawn outside the
	// world through Decide: as for the per-message faults, a draw of at
	// least N*(1-p) fires, so 0 is "no".
	DecideNemesis
)

// DecisionClass is what kind of choice a decision is, which is all an
// exploration strategy needs to know of it: a fault kind registered beside
// the built-in ones brings decisions of its own, of these classes.
type DecisionClass uint8

const (
	// ClassWorkload is a value of the workload or fault model: 0 is the
	// simplest.
	ClassWorkload DecisionClass = iota
	// ClassTie picks one of the events due at the same instant (Draw.Due).
	ClassTie
	// ClassFault is whether a fault fires: a draw of at least N*(1-p)
	// fires, so 0 is "no" and N-1 is "yes".
	ClassFault
	// ClassOrder is how much later than the base latency a message
	// arrives: it orders messages (jitter).
	ClassOrder
	// ClassAmount is how much a fault does once it fires: a delay, a
	// length, a gap; 0 is the least.
	ClassAmount
	// ClassTarget is which endpoint a fault hits.
	ClassTarget
)

type decisionInfo struct {
	name  string
	class DecisionClass
}

// decisionInfos names every decision and gives its class; fault kinds
// registered beside the built-in ones add theirs (newDecision).
var decisionInfos = append(make([]decisionInfo, 0, 32), []decisionInfo{
	Workload: {"workload", ClassWorkload}, DecideTie: {"tie", ClassTie},
	DecideDropRequest: {"drop-request", ClassFault}, DecideDuplicate: {"duplicate", ClassFault},
	DecideDropReply: {"drop-reply", ClassFault}, DecideTail: {"tail", ClassFault},
	DecideJitter: {"jitter", ClassOrder}, DecideTailDelay: {"tail-delay", ClassAmount},
	DecidePartition: {"partition", ClassTarget}, DecidePause: {"pause", ClassTarget},
	DecideFaultGap: {"fault-gap", ClassAmount}, DecideFaultLength: {"fault-length", ClassAmount},
	DecideNemesis: {"nemesis", ClassFault},
}...)

// newDecision registers a decision of a fault kind.
func newDecision(name string, class DecisionClass) Decision {
	for _, d := range decisionInfos {
		if d.name == name {
			panic("sim: two decisions named " + name)
		}
	}
	if len(decisionInfos) > 255 {
		panic("sim: too many decisions")
	}
	decisionInfos = append(decisionInfos, decisionInfo{name, class})
	return Decision(len(decisionInfos) - 1)
}

// Decisions returns every decision, built-in and registered, in order.
func Decisions() []Decision {
	ds := make([]Decision, len(decisionInfos))
	for i := range ds {
		ds[i] = Decision(i)
	}
	return ds
}

func (d Decision) String() string {
	if int(d) < len(decisionInfos) {
		return decisionInfos[d].name
	}
	return fmt.Sprintf("Decision(%d)", d)
}

// Class is what kind of choice d is.
func (d Decision) Class() DecisionClass {
	if int(d) < len(decisionInfos) {
		return decisionInfos[d].class
	}
	return ClassWorkload
}

// Chooser is entropy that is told what each draw decides. When a world's
// entropy implements Chooser, the world makes every draw of its own through
// Choose; Uint64N then serves only Workload draws. Choose must return a
// value in [0, d.N) that means what Uint64N's would: a Chooser is a
// strategy for picking values, not a different encoding of them.
type Chooser interface {
	Entropy
	Choose(d *Draw) uint64
}

// Draw is one decision a Chooser is asked to make. The world reuses it:
// a Chooser must not keep it, or its Due slice, past the call.
type Draw struct {
	Decision Decision
	// N bounds the answer: choose a value in [0, N).
	N uint64
	// Endpoint is the index (in creation order of Spawn and NewServer) of
	// the endpoint the decision is about: the sender of a message (replies
	// count as the calling process's), the endpoint a partition or pause
	// hits; -1 for none.
	Endpoint int
	// Due lists, for DecideTie, the N events due at this instant in the
	// order they were scheduled: choosing i runs Due[i].
	Due []Due
	// Stream names the stream the draw is made on (see Keyed): "tie", a
	// fault kind's name, "swarm/" and a fault kind's name for its swarm
	// draw, a scenario's "workload" or "workload/c0", ...; "" for a draw
	// made on no stream. A strategy that draws as a seed would
	// (explore.Priority) draws from the seed's stream of this name.
	Stream string
}

// Due is an event that competes in a tie.
type Due struct {
	// Endpoint is the index of the process the event belongs to (a
	// request or reply belongs to its caller); -1 for a callback
	// scheduled with At.
	Endpoint int
	// Goroutine is the number of the goroutine the event belongs to (7
	// for n1/g7), 0 for a process's own events: goroutines of one machine
	// share its endpoint, and a strategy tells them apart by this.
	Goroutine int
	Kind      DueKind
}

// DueKind is what a due event would do.
type DueKind uint8

const (
	DueStart   = DueKind(evStart)   // a process's first step
	DueWake    = DueKind(evWake)    // a Sleep ends
	DueTimeout = DueKind(evTimeout) // a Call times out
	DueRequest = DueKind(evRequest) // a request reaches its server
	DueReply   = DueKind(evReply)   // a reply reaches its caller
	DueFunc    = DueKind(evFunc)    // a callback scheduled with At
	DueReady   = DueKind(evReady)   // a goroutine goes on (its wait ended, or it yielded); a select's case
	DueTimer   = DueKind(evTimer)   // a Timer or Ticker fires
)

// Decide draws a value in [0, n) from e for decision d. Code that draws
// from a world's stream while the world runs (a Nemesis) names what it
// decides this way, so that a Chooser can tell a fault from a workload
// value; a plain Entropy draws as Uint64N would.
func Decide(e Entropy, d Decision, n uint64) uint64 {
	if s, ok := e.(*pcgEntropy); ok { // a seed's stream: the common case first
		return s.Uint64N(n)
	}
	c, ok := e.(Chooser)
	if !ok {
		return e.Uint64N(n)
	}
	return choose(c, &Draw{Decision: d, N: n, Endpoint: -1})
}

// Chance draws from e whether an event of probability p happens, for
// decision d, exactly as the world draws its own faults: nothing is drawn
// when p is 0 or 1, and a draw of 0 means "no", so that rapid shrinks
// toward fewer events. It is for code that decides while the world runs (a
// Nemesis), on a stream of the world (World.Stream).
func Chance(e Entropy, d Decision, p float64) bool {
	if p <= 0 {
		return false
	}
	if p >= 1 {
		return true
	}
	return Decide(e, d, chanceScale) >= uint64((1-p)*chanceScale)
}

// streamID numbers the world's own streams: the ties' and each fault
// kind's. Their entropy is made the first time a run draws on them.
type streamID uint8

// The built-in streams, named as streamNames says.
const (
	streamTie streamID = iota
	streamJitter
	streamDropReq
	streamDropReply
	streamDup
	streamTail
	streamPartition
	streamPause
	numBuiltinStreams
)

// maxStreams bounds the world's own streams, registered ones included.
const maxStreams = 24

// streamNames names the world's streams by streamID; a fault kind
// registered beside the built-in ones adds its own (newStream).
var streamNames = append(make([]string, 0, maxStreams), []string{
	streamTie: "tie", streamJitter: "jitter", streamDropReq: "drop-req", streamDropReply: "drop-reply",
	streamDup: "dup", streamTail: "tail", streamPartition: "partition", streamPause: "pause",
}...)

// streamHashes are the streams' names hashed (nameHash), made once.
var streamHashes = func() (hs [maxStreams]uint64) {
	for i, name := range streamNames {
		hs[i] = nameHash(name)
	}
	return hs
}()

// newStream registers a world stream.
func newStream(name string) streamID {
	if slices.Contains(streamNames, name) {
		panic("sim: two streams named " + name)
	}
	if len(streamNames) >= maxStreams {
		panic("sim: too many streams; raise maxStreams")
	}
	streamHashes[len(streamNames)] = nameHash(name)
	streamNames = append(streamNames, name)
	return streamID(len(streamNames) - 1)
}

// stream is the entropy of the world's stream s (not a Chooser's).
func (w *World) stream(s streamID) Entropy {
	if e := w.streams[s]; e != nil {
		return e
	}
	e := streamOf(w.ent, streamNames[s], streamHashes[s])
	w.streams[s] = e
	return e
}

// src is the entropy for one draw of decision d on stream s about ep: the
// stream, or, when the world's entropy is a Chooser, an adapter that names
// the decision and the stream. Every draw the world makes takes its
// entropy from src (or pickTie), so none escapes the funnel; the adapter
// serves one draw.
func (w *World) src(s streamID, d Decision, ep *endpoint) Entropy {
	if w.chooser == nil {
		return w.stream(s)
	}
	w.choice = Draw{Decision: d, Endpoint: endpointIndex(ep), Stream: streamNames[s]}
	return &w.named
}

// namedEntropy hands a draw to the world's Chooser with the decision
// src was given.
type namedEntropy struct{ w *World }

func (n *namedEntropy) Uint64N(k uint64) uint64 {
	n.w.choice.N = k
	return n.w.ask()
}

// pickTie draws which of the due events (positions in the queue's run, in
// sequence order) runs first.
func (w *World) pickTie(due []int) int {
	n := uint64(len(due))
	if w.chooser == nil {
		return int(w.stream(streamTie).Uint64N(n))
	}
	w.dueBuf = w.dueBuf[:0]
	for _, i := range due {
		e := &w.queue.slots[w.queue.run[i].slot]
		var ep *endpoint
		g := 0
		if e.proc != nil && e.kind != evSlowDone { // a slow service's end is the world's callback, no process's
			ep, g = e.proc.ep, int(e.proc.rt.id)
		}
		w.dueBuf = append(w.dueBuf, Due{Endpoint: endpointIndex(ep), Goroutine: g, Kind: e.kind.dueKind()})
	}
	w.choice = Draw{Decision: DecideTie, N: n, Endpoint: -1, Due: w.dueBuf, Stream: streamNames[streamTie]}
	return int(w.ask())
}

func (w *World) ask() uint64 { return choose(w.chooser, &w.choice) }

// choose asks c to make d, and holds it to d's range.
func choose(c Chooser, d *Draw) uint64 {
	v := c.Choose(d)
	if v >= d.N {
		panic(fmt.Sprintf("sim: %T chose %d for a %v draw in [0, %d)", c, v, d.Decision, d.N))
	}
	return v
}

func endpointIndex(ep *endpoint) int {
	if ep == nil {
		return -1
	}
	return ep.idx
}
