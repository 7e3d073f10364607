package sim

import (
	"slices"
	"time"
)

type eventKind uint8

const (
	evStart     eventKind = iota // first resume of a process
	evWake                       // a Sleep ends
	evTimeout                    // a Call's timer fires
	evRequest                    // a request reaches its server
	evReply                      // a reply reaches its caller
	evFunc                       // a callback scheduled with At (faults, scenario hooks)
	evCancelled                  // a timer whose call ended; skipped, never dispatched
	evReady                      // a goroutine goes on: what it waited for happened, or it yielded
	evTimer                      // a Timer or Ticker fires
	// The world's own callbacks, which make no func value: each is
	// what an evFunc scheduled with At was, and a Chooser sees it as one
	// (DueFunc, no endpoint).
	evWorld    // a fault schedule's step, worldAction in call, its endpoint (if any) in msg
	evSlowDone // a slow server's service ends: the request's own fields, as it arrived (serveSlowly)
)

// dueKind is what a Chooser is told the event would do: the world's own
// callbacks are callbacks scheduled with At.
func (k eventKind) dueKind() DueKind {
	if k >= evWorld {
		return DueFunc
	}
	return DueKind(k)
}

// event is what happens at a virtual instant. wait identifies which blocking
// operation of proc an evWake, evTimeout or evReply belongs to; an event for
// an operation that already ended is stale.
type event struct {
	at   time.Duration
	kind eventKind
	proc *Proc
	wait uint64
	call uint64        // call id, for requests and replies
	sent time.Duration // when a request was sent, to measure reordering
	m    *method       // for requests and replies
	msg  any           // the request (request, slow-done), the reply (reply), the func() of an evFunc, or an evWorld's *endpoint
}

// set fills a slot for a new event, a pointer only when it changes: while
// the collector runs, every pointer store takes a write barrier, and a
// reused slot mostly holds the same process and method already. sent is
// left zero; a request sets it.
func (s *event) set(kind eventKind, p *Proc, wait, call uint64, m *method, msg any) {
	s.kind, s.wait, s.call, s.sent = kind, wait, call, 0
	if s.proc != p {
		s.proc = p
	}
	if s.m != m {
		s.m = m
	}
	s.msg = msg
}

// eventQueue is a min-heap on (at, seq). Events live in slots that are
// reused through a free list; the heap itself holds small pointer-free
// entries, so sifting moves 24 bytes and needs no write barriers, and
// scheduling allocates nothing once the slots have grown.
//
// A call's timer is cancelled in place rather than taken out of the heap:
// it stays, marked evCancelled, until it reaches the top, where it is
// dropped unseen. So entries need not know their heap position, and
// sifting writes nothing but the heap. The order of live events is the
// order of (at, seq) either way.
//
// The earliest events skip the heap when they are strictly earlier than
// everything in it: they wait in run, in sequence order, all at one
// instant. Mostly that is one event, as a round trip's request and reply
// are; goroutines that go on at the same instant are several, and their
// tie is decided in run without touching the heap. An event earlier than
// the run sends the run to the heap; when the run is empty, the events
// due at the heap's earliest instant move to it, unless there is only one,
// which runs straight from the heap (World.next).
type eventQueue struct {
	heap      []queued
	run       []queued
	slots     []event
	free      []int32
	cancelled int // cancelled entries still queued
}

type queued struct {
	at   time.Duration
	seq  uint64
	slot int32
}

// len is the number of live events.
func (q *eventQueue) len() int {
	return len(q.heap) + len(q.run) - q.cancelled
}

// before orders entries by (at, seq).
func (a *queued) before(b *queued) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

// push queues an event at (at, seq) and returns its slot, for the caller
// to fill in with set before the next push.
func (q *eventQueue) push(at time.Duration, seq uint64) (int32, *event) {
	var slot int32
	if n := len(q.free); n > 0 {
		slot = q.free[n-1]
		q.free = q.free[:n-1]
	} else {
		slot = int32(len(q.slots))
		q.slots = append(q.slots, event{})
	}
	e := &q.slots[slot]
	e.at = at
	entry := queued{at: at, seq: seq, slot: slot}
	switch n := len(q.run); {
	case n == 0 && (len(q.heap) == 0 || at < q.heap[0].at):
		q.run = append(q.run, entry)
	case n == 0 || at > q.run[0].at:
		q.heapPush(entry)
	case at < q.run[0].at: // the new event is the earliest; the run still precedes the heap
		for _, r := range q.run {
			q.heapPush(r)
		}
		q.run = append(q.run[:0], entry)
	case seq > q.run[n-1].seq: // at the run's instant, the latest scheduled (mostly)
		q.run = append(q.run, entry)
	default: // a call's timer keeps an earlier sequence number
		i := n
		for i > 0 && q.run[i-1].seq > seq {
			i--
		}
		q.run = slices.Insert(q.run, i, entry)
	}
	return slot, e
}

func (q *eventQueue) heapPush(entry queued) {
	q.heap = append(q.heap, entry)
	q.up(len(q.heap) - 1)
}

// cancel marks the event in slot as never to run. The slot stays taken
// until the entry surfaces in dropCancelled.
func (q *eventQueue) cancel(slot int32) {
	q.slots[slot].kind = evCancelled
	q.slots[slot].msg = nil
	q.cancelled++
}

// dropCancelled frees cancelled entries at the front of the queue, so that
// the earliest entry is live (or the queue empty).
func (q *eventQueue) dropCancelled() {
	if q.cancelled > 0 {
		q.dropSomeCancelled()
	}
}

func (q *eventQueue) dropSomeCancelled() {
	for q.cancelled > 0 && len(q.run) > 0 && q.slots[q.run[0].slot].kind == evCancelled {
		q.release(q.take(0))
		q.cancelled--
	}
	for q.cancelled > 0 && len(q.run) == 0 && len(q.heap) > 0 && q.slots[q.heap[0].slot].kind == evCancelled {
		q.release(q.unlink(0))
		q.cancelled--
	}
}

// runPositions are the positions of a run's events, for a tie among
// them (World.next).
var runPositions = func() (p [64]int) {
	for i := range p {
		p[i] = i
	}
	return p
}()

// take takes run[i] out of the queue and returns its slot.
func (q *eventQueue) take(i int) int32 {
	slot, last := q.run[i].slot, len(q.run)-1
	for ; i < last; i++ { // a few: no call to memmove
		q.run[i] = q.run[i+1]
	}
	q.run = q.run[:last]
	return slot
}

// gather fills an empty run with the live events due at the heap's
// earliest instant, in sequence order, freeing the cancelled ones among
// them. The heap must hold a live event.
func (q *eventQueue) gather() {
	at := q.heap[0].at
	for len(q.heap) > 0 && q.heap[0].at == at {
		e := q.heap[0]
		q.unlink(0)
		if q.slots[e.slot].kind == evCancelled {
			q.release(e.slot)
			q.cancelled--
			continue
		}
		q.run = append(q.run, e)
	}
}

// compact frees the cancelled events of the run.
func (q *eventQueue) compact() {
	if q.cancelled == 0 {
		return
	}
	q.run = slices.DeleteFunc(q.run, func(e queued) bool {
		if q.slots[e.slot].kind != evCancelled {
			return false
		}
		q.release(e.slot)
		q.cancelled--
		return true
	})
}

// release frees a slot that unlink took out of the heap.
func (q *eventQueue) release(slot int32) {
	q.slots[slot].msg = nil // the message may be garbage now; procs and methods live as long as the world
	q.free = append(q.free, slot)
}

// unlink takes heap entry i out of the heap and returns its slot, which
// keeps the event (for the scheduler to run in place) until release.
func (q *eventQueue) unlink(i int) int32 {
	h := q.heap
	slot := h[i].slot
	last := len(h) - 1
	h[i] = h[last]
	q.heap = h[:last]
	if i < last && !q.down(i) {
		q.up(i)
	}
	return slot
}

// up and down move entry i by holding it aside and shifting the entries it
// passes into its place, one write each rather than a swap; the heap ends
// as swapping would leave it, after the same comparisons.
func (q *eventQueue) up(i int) {
	h := q.heap
	x := h[i]
	for i > 0 {
		parent := (i - 1) / 2
		if !x.before(&h[parent]) {
			break
		}
		h[i] = h[parent]
		i = parent
	}
	h[i] = x
}

// down sifts entry i toward the leaves and reports whether it moved.
func (q *eventQueue) down(i int) bool {
	h := q.heap
	x := h[i]
	start := i
	for {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		m := l
		if r := l + 1; r < len(h) && h[r].before(&h[l]) {
			m = r
		}
		if !h[m].before(&x) {
			break
		}
		h[i] = h[m]
		i = m
	}
	h[i] = x
	return i > start
}
