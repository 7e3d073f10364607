package sim

import "time"

type eventKind uint8

const (
	evStart   eventKind = iota // first resume of a process
	evWake                     // a Sleep ends
	evTimeout                  // a Call's timer fires
	evRequest                  // a request reaches its server
	evReply                    // a reply reaches its caller
	evFunc                     // a callback scheduled with At (faults, scenario hooks)
)

// event is stored by value in the queue so that scheduling allocates nothing.
// wait identifies which blocking operation of proc an evWake, evTimeout or
// evReply belongs to; an event for an operation that already ended is stale.
type event struct {
	at   time.Duration
	seq  uint64
	kind eventKind
	proc *Proc
	wait uint64
	call uint64        // call id, for requests and replies
	sent time.Duration // when a request was sent, to measure reordering
	m    *method       // for requests and replies
	msg  any           // the args copy (request) or the reply (reply)
	fn   func()
}

// eventQueue is a binary min-heap on (at, seq). It is written out rather than
// built on container/heap to keep interface calls off the hot path.
type eventQueue []event

func (q eventQueue) less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}

func (q *eventQueue) push(e event) {
	*q = append(*q, e)
	h := *q
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !h.less(i, parent) {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
}

func (q *eventQueue) pop() event {
	h := *q
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h[last] = event{} // drop references so the collector can reclaim them
	h = h[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		m := l
		if r := l + 1; r < len(h) && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return top
}
