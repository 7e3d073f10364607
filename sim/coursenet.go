package sim

import (
	"time"
)

// CourseNet is the network of the course's labs (its labrpc package) as a
// fault kind, so that code written against that network meets exactly the
// faults it was written for. Its setting is a Level: P is how likely a
// request, and then its reply, is lost; D how long a call to or from an
// endpoint that is cut off takes to fail. With it on:
//
//   - the network tells the caller of a lost message: a call whose request
//     or reply is lost (to a drop, a cut, a crash) returns false at once,
//     not at a timeout, and a call has no timeout of its own (as over
//     labrpc, it waits as long as its handler takes);
//   - a call to or from an endpoint that is cut off when it is made sends
//     nothing and fails after a time drawn from [0, D) in whole
//     milliseconds (the course's long delays, D = 7s, which its Raft tests
//     always set; 100ms without them);
//   - while faults are on and P > 0 (the course's unreliable network),
//     each request waits 0 to 26ms before it leaves, then is lost with
//     probability P, its call failing then; each reply is lost with
//     probability P once its handler ran.
//
// It never duplicates a request. Faults.With(CourseNet, Level{P: 0.1, D:
// 7 * time.Second}) is the course's unreliable network with long delays;
// Level{D: 7 * time.Second} its reliable one. Where it differs from
// labrpc: every message also takes the network's base latency (1ms by
// default); a request or reply in flight when its link is cut is lost
// (labrpc checks the link only as a call is made, and replaces a reply
// whose server went away meanwhile by a failure); a crashed server's
// calls end with it.
var CourseNet = registerFault(FaultKind{
	name:    "course-net",
	doc:     "the course's network: a lost request or reply fails its call at once; a call to or from a cut-off endpoint fails after up to D; while faults are on, each request waits up to 26ms and is lost with probability P, each reply is lost with probability P",
	records: []RecordKind{RecDropReq, RecDropReply, RecLost},
	isOn:    func(l Level) bool { return l.P > 0 || l.D > 0 },
	tells:   true,
	send:    courseSend,
	reply:   courseReply,
})

// CourseReorder is the course's long reordering of replies (labrpc's
// LongReordering, which its Figure 8 (unreliable) test turns on partway
// through: World.SetLevel): while faults are on, a reply is held, with
// probability P, for D/10 plus a time drawn from [0, d], where d is
// itself drawn from [0, D), in whole milliseconds (P = 2/3 and D = 2s in
// the course: 200ms plus up to 2s, mostly much less). Its setting is a
// Level.
var CourseReorder = registerFault(FaultKind{
	name:    "course-reorder",
	doc:     "with probability P a reply is held D/10 plus up to a drawn part of D, past the replies sent after it",
	records: []RecordKind{RecTail},
	reply:   courseHold,
})

var (
	// decideCutDelay is how long a call to or from a cut-off endpoint
	// takes to fail, in milliseconds.
	decideCutDelay = newDecision("cut-delay", ClassAmount)
	// courseShortDelay bounds the wait of a request on the course's
	// unreliable network: labrpc's rand.Int() % 27 milliseconds.
	courseShortDelay = 27
	// courseForever is how far off a call's deadline is under the course's
	// network: past any run.
	courseForever = time.Duration(1<<62 - 1)
)

// courseSend is CourseNet's hook on a call about to leave.
func courseSend(w *World, k *FaultKind, p *Proc) (bool, time.Duration) {
	l := w.opts.Faults.Level(k)
	c := &p.call
	c.deadline = courseForever
	if w.linkDown(p.ep, c.server) {
		w.record(RecLost, p.ep, c.server, c.id, c.m, "cut off")
		w.failCallAt(p, w.now+millis(w.src(k.stream, decideCutDelay, p.ep), l.D))
		return true, 0
	}
	if !w.faultsOn || l.P <= 0 {
		return false, 0
	}
	wait := time.Duration(w.src(k.stream, DecideJitter, p.ep).Uint64N(uint64(courseShortDelay))) * time.Millisecond
	if chance(w.src(k.stream, DecideDropRequest, p.ep), l.P) {
		w.record(RecDropReq, p.ep, c.server, c.id, c.m, nil)
		w.failCallAt(p, w.now+wait)
		return true, 0
	}
	return false, wait
}

// courseReply is CourseNet's hook on a reply whose handler returned.
func courseReply(w *World, k *FaultKind, e *event) (bool, time.Duration) {
	l := w.opts.Faults.Level(k)
	if !w.faultsOn || l.P <= 0 || !chance(w.src(k.stream, DecideDropReply, e.proc.ep), l.P) {
		return false, 0
	}
	w.record(RecDropReply, e.proc.ep, e.m.server, e.call, e.m, nil)
	return true, 0
}

// courseHold is CourseReorder's hook on a reply whose handler returned.
func courseHold(w *World, k *FaultKind, e *event) (bool, time.Duration) {
	l := w.opts.Faults.Level(k)
	p := e.proc
	if !w.faultsOn || !chance(w.src(k.stream, DecideTail, p.ep), l.P) {
		return false, 0
	}
	src := w.src(k.stream, DecideTailDelay, p.ep)
	hold := l.D/10 + millis(src, time.Millisecond+millis(src, l.D)) // labrpc's 200+rand.Intn(1+rand.Intn(2000))
	w.record(RecTail, p.ep, e.m.server, e.call, e.m, nil)
	return false, hold
}

// millis draws a whole number of milliseconds from [0, d), as labrpc's
// rand.Int() % n does (0 for d under a millisecond).
func millis(e Entropy, d time.Duration) time.Duration {
	n := uint64(d / time.Millisecond)
	if n == 0 {
		return 0
	}
	return time.Duration(e.Uint64N(n)) * time.Millisecond
}
