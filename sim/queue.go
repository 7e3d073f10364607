package sim

import (
	"slices"
	"time"
)

type eventKind uint8

const (
	evStart   eventKind = iota // first resume of a process
	evWake                     // a Sleep ends
	evTimeout                  // a Call's timer fires
	evRequest                  // a request reaches its server
	evReply                    // a reply reaches its caller
	evFunc                     // a callback scheduled with At (faults, scenario hooks)
)

// event is what happens at a virtual instant. wait identifies which blocking
// operation of proc an evWake, evTimeout or evReply belongs to; an event for
// an operation that already ended is stale.
type event struct {
	at   time.Duration
	kind eventKind
	pos  int32 // index of the event's entry in the heap
	proc *Proc
	wait uint64
	call uint64        // call id, for requests and replies
	sent time.Duration // when a request was sent, to measure reordering
	m    *method       // for requests and replies
	msg  any           // the request (request), the reply (reply), or the func() of an evFunc
}

// set copies e field by field, and a pointer only when it changes: while
// the collector runs, a struct copy takes its bulk write barrier and every
// pointer store a barrier of its own, and a reused slot mostly holds the
// same process and method already.
func (s *event) set(e *event) {
	s.at, s.kind, s.pos, s.wait, s.call, s.sent = e.at, e.kind, e.pos, e.wait, e.call, e.sent
	if s.proc != e.proc {
		s.proc = e.proc
	}
	if s.m != e.m {
		s.m = e.m
	}
	s.msg = e.msg
}

// eventQueue is a min-heap on (at, seq). Events live in slots that are
// reused through a free list; the heap itself holds small pointer-free
// entries, so sifting moves 24 bytes and needs no write barriers, and
// scheduling allocates nothing once the slots have grown. An event can be
// removed by its slot (a call's timer, once the reply is in).
type eventQueue struct {
	heap  []queued
	slots []event
	free  []int32
}

type queued struct {
	at   time.Duration
	seq  uint64
	slot int32
}

func (q *eventQueue) len() int { return len(q.heap) }

func (q *eventQueue) less(i, j int) bool {
	a, b := &q.heap[i], &q.heap[j]
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

func (q *eventQueue) swap(i, j int) {
	h := q.heap
	h[i], h[j] = h[j], h[i]
	q.slots[h[i].slot].pos = int32(i)
	q.slots[h[j].slot].pos = int32(j)
}

// push queues e with sequence number seq and returns its slot.
func (q *eventQueue) push(e *event, seq uint64) int32 {
	var slot int32
	if n := len(q.free); n > 0 {
		slot = q.free[n-1]
		q.free = q.free[:n-1]
	} else {
		slot = int32(len(q.slots))
		q.slots = append(q.slots, event{})
	}
	e.pos = int32(len(q.heap))
	q.slots[slot].set(e)
	q.heap = append(q.heap, queued{at: e.at, seq: seq, slot: slot})
	q.up(len(q.heap) - 1)
	return slot
}

// remove takes the event in slot out of the queue.
func (q *eventQueue) remove(slot int32) {
	q.release(q.unlink(int(q.slots[slot].pos)))
}

// release frees a slot that unlink took out of the heap.
func (q *eventQueue) release(slot int32) {
	q.slots[slot].msg = nil // the message may be garbage now; procs and methods live as long as the world
	q.free = append(q.free, slot)
}

// unlink takes heap entry i out of the heap and returns its slot, which
// keeps the event (for the scheduler to run in place) until release.
func (q *eventQueue) unlink(i int) int32 {
	slot := q.heap[i].slot
	last := len(q.heap) - 1
	if i != last {
		q.swap(i, last)
	}
	q.heap = q.heap[:last]
	if i < last && !q.down(i) {
		q.up(i)
	}
	return slot
}

func (q *eventQueue) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !q.less(i, parent) {
			return
		}
		q.swap(i, parent)
		i = parent
	}
}

// down sifts entry i toward the leaves and reports whether it moved.
func (q *eventQueue) down(i int) bool {
	start := i
	n := len(q.heap)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && q.less(r, l) {
			m = r
		}
		if !q.less(m, i) {
			break
		}
		q.swap(i, m)
		i = m
	}
	return i > start
}

// due appends to buf the heap positions of every event due at the earliest
// instant, in sequence order. They form a subtree at the root: an entry's
// ancestors are never later than it.
func (q *eventQueue) due(buf []int) []int {
	at := q.heap[0].at
	buf = append(buf[:0], 0)
	for i := 0; i < len(buf); i++ {
		for _, c := range [2]int{2*buf[i] + 1, 2*buf[i] + 2} {
			if c < len(q.heap) && q.heap[c].at == at {
				buf = append(buf, c)
			}
		}
	}
	slices.SortFunc(buf, func(a, b int) int { return int(q.heap[a].seq - q.heap[b].seq) })
	return buf
}
