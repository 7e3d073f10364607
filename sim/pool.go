package sim

import (
	"iter"
	"runtime"
)

// Runner makes worlds one after another on one goroutine, as a campaign's
// worker, rapid's runs or an exploration do, and lends each world what the
// one before it left: the coroutines its processes returned on, which cost
// about as much as three round trips to start, and the memory of its event
// queue and of the requests its servers decoded, which a short run would
// otherwise allocate afresh. A runner never changes a run, only what its
// memory was used for before.
//
// A world the runner made keeps that memory until the runner makes the
// next one: read everything of it you need (its servers' state, the
// arguments and replies its handlers saw) before then. Its Records and
// Result are its own. A world made while another of the runner's is
// running allocates its own memory. The runner's idle coroutines end when
// the runner is collected. The zero value is ready to use; a runner is for
// one goroutine at a time.
type Runner struct{ p *pool }

// New is the package's New for a world that borrows the runner's memory.
func (r *Runner) New(seed uint64, opts Options) *World {
	p := r.memory()
	p.reclaim()
	return newWorld(seed, opts, p)
}

// memory is the runner's pool, made the first time.
func (r *Runner) memory() *pool {
	if r.p == nil {
		r.p = &pool{}
		runtime.AddCleanup(r, (*pool).close, r.p)
	}
	return r.p
}

// Entropy is NewPCG(seed)'s entropy, made in the runner's memory: the
// same draws, without a kilobyte of streams allocated for every seed. It
// is the runner's until its next call to Entropy, which makes it anew
// (unless a world of the runner's is running then): draw from it for one
// run at a time.
func (r *Runner) Entropy(seed uint64) Entropy {
	p := r.memory()
	if w := p.lentTo; w != nil && w.inRun {
		return NewPCG(seed) // for a run made while one of the runner's runs
	}
	p.entropy.reset(seed)
	return &p.entropy
}

// pool is a Runner's memory. Its memory goes to one world at a time.
type pool struct {
	idle    []*coroutine
	entropy pcgSource // Entropy's

	lentTo   *World // the world the memory below is lent to, if any
	queue    eventQueue
	requests map[any]requestMemory // by requestKey[A, R], to find them
	spares   []requestMemory       // the same, to reset them all on every reclaim without ranging over the map
}

// close ends the idle coroutines.
func (p *pool) close() {
	for _, c := range p.idle {
		c.stop()
	}
	p.idle = nil
}

// reclaim takes back the memory lent to the last world, unless it is
// running.
func (p *pool) reclaim() {
	w := p.lentTo
	if w == nil || w.inRun {
		return
	}
	p.giveBack(&w.queue)
	w.memory, w.queue, p.lentTo = nil, eventQueue{}, nil
}

// takeCoroutine is an idle coroutine, or a new one: in own when there is
// no pool, since then it ends with its process.
func (p *pool) takeCoroutine(own *coroutine) *coroutine {
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
func (p *pool) giveCoroutine(c *coroutine) {
	if p != nil {
		p.idle = append(p.idle, c)
	}
}

// lend gives w the pool's memory, unless another world has it.
func (p *pool) lend(w *World) (queue eventQueue, ok bool) {
	if p == nil || p.lentTo != nil {
		return eventQueue{}, false
	}
	p.lentTo = w
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
func (p *pool) giveBack(q *eventQueue) {
	clear(q.slots)
	if cap(q.slots) <= keptEvents {
		p.queue = eventQueue{heap: q.heap[:0], run: q.run[:0], slots: q.slots[:0], free: q.free[:0]}
	}
	for _, r := range p.spares {
		r.reset()
	}
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
func requestsFor[A, R any](p *pool) *requestSlabs[A, R] {
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
