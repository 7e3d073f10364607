package sim

import "iter"

// Pool keeps what finished worlds leave behind for the worlds made after
// them: the coroutines their processes returned on, which cost about as
// much as three round trips to start, and the memory of their event queues
// and of the requests their servers decoded, which a short run would
// otherwise allocate afresh. Whoever runs worlds one after another, as a
// campaign's worker does, makes one, passes it to each world in
// Options.Pool, closes each world when done with it (World.Close) and
// closes the pool at the end.
//
// A pool never changes a run, only what its memory was used for before.
// It is for one goroutine at a time. Its memory goes to one world at a
// time, from New to that world's Close; a world made meanwhile allocates
// its own. The zero value is ready to use; a nil one keeps nothing.
type Pool struct {
	idle []*coroutine

	lent     bool // the memory below is lent to a world
	queue    eventQueue
	requests map[any]requestMemory // by requestKey[A, R], to find them
	spares   []requestMemory       // the same, to reset them all on every Close without ranging over the map
}

// Close ends the idle coroutines.
func (p *Pool) Close() {
	for _, c := range p.idle {
		c.stop()
	}
	p.idle = nil
}

// takeCoroutine is an idle coroutine, or a new one: in own when there is
// no pool, since then it ends with its process.
func (p *Pool) takeCoroutine(own *coroutine) *coroutine {
	c := own
	if p != nil {
		if n := len(p.idle); n > 0 {
			c = p.idle[n-1]
			p.idle = p.idle[:n-1]
			return c
		}
		c = &coroutine{pooled: true}
	}
	c.next, c.stop = iter.Pull(c.loop)
	return c
}

// giveCoroutine takes back the coroutine of a process that returned;
// without a pool its coroutine has already ended.
func (p *Pool) giveCoroutine(c *coroutine) {
	if p != nil {
		p.idle = append(p.idle, c)
	}
}

// lend gives a new world the pool's memory, unless another world has it.
func (p *Pool) lend() (queue eventQueue, ok bool) {
	if p == nil || p.lent {
		return eventQueue{}, false
	}
	p.lent = true
	queue, p.queue = p.queue, eventQueue{}
	return queue, true
}

// Bounds on what a pool keeps of a long run, so that one run of millions
// of events does not hold its memory for the rest of a campaign.
const (
	keptEvents   = 1024
	keptRequests = 32 // slabs, per method type
)

// giveBack takes back the memory a world was lent, cleared.
func (p *Pool) giveBack(q *eventQueue) {
	clear(q.slots)
	if cap(q.slots) <= keptEvents {
		p.queue = eventQueue{heap: q.heap[:0], slots: q.slots[:0], free: q.free[:0]}
	}
	for _, r := range p.spares {
		r.reset()
	}
	p.lent = false
}

// requestMemory is the spare request slabs of one method type.
type requestMemory interface{ reset() }

// requestKey tells apart the request memory of A and R: a zero-size key
// in an interface costs no allocation.
type requestKey[A, R any] struct{}

// requestSlabs are slabs of requests for a method of arguments A and
// replies R; slabs[:used] are lent to the world that has the pool's memory.
type requestSlabs[A, R any] struct {
	slabs [][]request[A, R]
	used  int
}

// requestsFor is the pool's request memory for A and R.
func requestsFor[A, R any](p *Pool) *requestSlabs[A, R] {
	if r, ok := p.requests[requestKey[A, R]{}]; ok {
		return r.(*requestSlabs[A, R])
	}
	if p.requests == nil {
		p.requests = make(map[any]requestMemory)
	}
	r := &requestSlabs[A, R]{}
	p.requests[requestKey[A, R]{}] = r
	p.spares = append(p.spares, r)
	return r
}

// take is a zeroed slab, a kept one if there is one, or a new one of n
// requests.
func (r *requestSlabs[A, R]) take(n int) []request[A, R] {
	if r.used == len(r.slabs) {
		r.slabs = append(r.slabs, make([]request[A, R], n))
	}
	r.used++
	return r.slabs[r.used-1]
}

// reset clears the slabs a world used, so the next world's requests start
// as zero values and no value of the last world is kept alive.
func (r *requestSlabs[A, R]) reset() {
	for _, s := range r.slabs[:r.used] {
		clear(s)
	}
	if len(r.slabs) > keptRequests {
		clear(r.slabs[keptRequests:])
		r.slabs = r.slabs[:keptRequests]
	}
	r.used = 0
}
