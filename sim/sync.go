package sim

import (
	"fmt"
	"slices"
	"time"
)

// Locker is sync.Locker: a Mutex, an RWMutex, or its RLocker.
type Locker interface {
	Lock()
	Unlock()
}

// starvation is how long a goroutine waits for a Mutex before the mutex
// hands itself to its waiters in turn, as sync.Mutex does after 1ms.
const starvation = time.Millisecond

// lockWaiter is a goroutine waiting for a lock.
type lockWaiter struct {
	p     *Proc
	id    uint64
	since time.Duration // when it started waiting
}

func (l lockWaiter) valid() bool { return l.p != nil && l.p.waiting(l.id) }

// Mutex is sync.Mutex under the simulator, made by NewMutex. A goroutine
// that locks it while it is held parks until it is unlocked; as in Go, a
// woken waiter competes with goroutines arriving meanwhile (and queues
// again at the front if it loses), until one has waited 1ms of virtual
// time, when the mutex goes to its waiters in turn, each running at once
// (Go's Unlock yields to it, so the preempt fault never delays it while
// it holds the lock). Locking and unlocking are scheduling points. A
// deadlock names each blocked goroutine, where it waits, and who holds
// the mutex.
type Mutex struct {
	w        *World
	locked   bool
	holder   *Proc // who locked it; nil for code outside any goroutine
	waiters  []lockWaiter
	woken    lockWaiter // the waiter woken and not yet run, if any
	starving bool
	name     string // "Mutex", or "RWMutex" for an RWMutex's writers' lock
}

// lockWhat is what a goroutine blocked in m's Lock waits in: a constant,
// not name+".Lock", which allocated on every contended Lock.
func (m *Mutex) lockWhat() string {
	if m.name == "RWMutex" {
		return "RWMutex.Lock"
	}
	return "Mutex.Lock"
}

// NewMutex makes an unlocked mutex.
func NewMutex(w *World) *Mutex {
	w.rt.used = true
	return &Mutex{w: w, name: "Mutex"}
}

// Lock locks m, waiting while it is held.
func (m *Mutex) Lock() {
	w := m.w
	p := w.running()
	w.yieldPoint(p)
	if !m.locked && (!m.starving || !m.anyWaiting()) {
		m.take(p)
		return
	}
	what := m.lockWhat()
	p = w.mustBlock(p, what, m)
	since, front := w.now, false
	for {
		id := p.beginPark(what, m)
		lw := lockWaiter{p: p, id: id, since: since}
		if front {
			m.waiters = slices.Insert(m.waiters, 0, lw)
		} else {
			m.waiters = append(m.waiters, lw)
		}
		p.park()
		if m.woken.p == p {
			m.woken = lockWaiter{}
		}
		if m.locked && m.holder == p { // handed over by a starving mutex
			if w.now-since < starvation || !m.anyWaiting() {
				m.starving = false
			}
			markDirty(p)
			return
		}
		if !m.locked {
			m.take(p)
			return
		}
		// another goroutine came first
		if w.now-since >= starvation {
			m.starving = true
		}
		front = true
	}
}

func (m *Mutex) take(p *Proc) {
	m.locked, m.holder = true, p
	p.held(1)
	if m.starving && !m.anyWaiting() {
		m.starving = false
	}
	markDirty(p)
}

func (m *Mutex) anyWaiting() bool {
	for len(m.waiters) > 0 && !m.waiters[0].valid() {
		m.waiters = popFront(m.waiters)
	}
	return len(m.waiters) > 0
}

// popFront drops q's first element, keeping q's array from its start
// (q[1:] moved the slice along it, so that appends kept allocating).
func popFront[T any](q []T) []T {
	n := copy(q, q[1:])
	clear(q[n:])
	return q[:n]
}

// TryLock locks m if it is free and reports whether it did.
func (m *Mutex) TryLock() bool {
	w := m.w
	p := w.running()
	w.yieldPoint(p)
	if m.locked || m.starving && m.anyWaiting() {
		return false
	}
	m.take(p)
	return true
}

// Unlock unlocks m; unlocking an unlocked mutex fails the run (a fatal
// error in Go).
func (m *Mutex) Unlock() {
	w := m.w
	p := w.running()
	w.yieldPoint(p)
	if !m.locked {
		panic(fatalError("sync: unlock of unlocked mutex"))
	}
	m.release(p)
}

func (m *Mutex) release(p *Proc) {
	w := m.w
	m.holder.held(-1)
	m.locked, m.holder = false, nil
	markDirty(p)
	if m.woken.valid() {
		return // one woken waiter at a time, as in Go
	}
	m.woken = lockWaiter{}
	if !m.anyWaiting() {
		m.starving = false
		return
	}
	next := m.waiters[0]
	m.waiters = popFront(m.waiters)
	if m.starving {
		// Go yields to the new holder (runtime_Semrelease with handoff):
		// it runs now, so a scheduling fault cannot leave the lock held by
		// a goroutine not yet running, which would make every waiter's
		// turn cost a fault's delay and a busy lock a convoy.
		m.locked, m.holder = true, next.p
		next.p.held(1)
		w.handOff(next.p, next.id)
		return
	}
	m.woken = next
	w.ready(next.p, next.id)
}

func (m *Mutex) holderName() string {
	switch {
	case !m.locked:
		return "the " + m.name + " is free"
	case m.holder == nil:
		return "the " + m.name + " is held by code outside any goroutine (a handler or a callback)"
	case m.holder.rt.crashed:
		return "the " + m.name + " is held by " + m.holder.labelled() + ", whose machine crashed"
	case m.holder.done:
		return "the " + m.name + " is held by " + m.holder.labelled() + ", which has returned without unlocking it"
	}
	return "the " + m.name + " is held by " + m.holder.labelled()
}

// holderOf says who holds the lock on, if on is a lock.
func holderOf(on any) string {
	switch l := on.(type) {
	case *Mutex:
		return l.holderName()
	case *RWMutex:
		return l.holderName()
	}
	return ""
}

// fatalError is a panic where Go's runtime stops the program with a
// fatal error, which no recover can catch.
type fatalError string

func (e fatalError) Error() string { return "fatal error: " + string(e) }

// RWMutex is sync.RWMutex under the simulator, made by NewRWMutex: any
// number of readers or one writer. As in Go, a writer waiting for the
// readers to leave keeps new readers out (so a reader that locks again
// while a writer waits deadlocks), and the readers that waited through a
// writer get the lock before the next writer.
type RWMutex struct {
	w       *World
	wmu     Mutex        // held by the writer that has the lock or waits for the readers
	writing bool         // a writer holds wmu: new readers wait
	readers int          // readers holding it
	rwait   []lockWaiter // readers waiting for the writer
	writer  lockWaiter   // the writer waiting for the readers to leave
}

// NewRWMutex makes an unlocked RWMutex.
func NewRWMutex(w *World) *RWMutex {
	w.rt.used = true
	return &RWMutex{w: w, wmu: Mutex{w: w, name: "RWMutex"}}
}

// RLock locks rw for reading.
func (rw *RWMutex) RLock() {
	w := rw.w
	p := w.running()
	w.yieldPoint(p)
	if !rw.writing {
		rw.readers++
		p.held(1)
		markDirty(p)
		return
	}
	p = w.mustBlock(p, "RWMutex.RLock", rw)
	id := p.beginPark("RWMutex.RLock", rw)
	rw.rwait = append(rw.rwait, lockWaiter{p: p, id: id, since: w.now})
	p.park() // the writer's Unlock counted it as a reader
}

// TryRLock locks rw for reading if no writer holds it or waits for it.
func (rw *RWMutex) TryRLock() bool {
	w := rw.w
	p := w.running()
	w.yieldPoint(p)
	if rw.writing {
		return false
	}
	rw.readers++
	p.held(1)
	markDirty(p)
	return true
}

// RUnlock undoes one RLock.
func (rw *RWMutex) RUnlock() {
	w := rw.w
	p := w.running()
	w.yieldPoint(p)
	if rw.readers <= 0 {
		panic(fatalError("sync: RUnlock of unlocked RWMutex"))
	}
	rw.readers--
	p.held(-1)
	markDirty(p)
	if rw.readers == 0 && rw.writer.valid() {
		w.ready(rw.writer.p, rw.writer.id)
		rw.writer = lockWaiter{}
	}
}

// Lock locks rw for writing.
func (rw *RWMutex) Lock() {
	rw.wmu.Lock()
	rw.writing = true
	if rw.readers > 0 {
		p := rw.w.mustBlock(rw.w.running(), "RWMutex.Lock", rw)
		id := p.beginPark("RWMutex.Lock", rw)
		rw.writer = lockWaiter{p: p, id: id, since: rw.w.now}
		p.park()
		markDirty(p)
	}
}

// TryLock locks rw for writing if nobody holds it.
func (rw *RWMutex) TryLock() bool {
	if rw.readers > 0 || !rw.wmu.TryLock() {
		return false
	}
	rw.writing = true
	return true
}

// Unlock unlocks rw for writing: the readers that waited get it first.
func (rw *RWMutex) Unlock() {
	w := rw.w
	p := w.running()
	w.yieldPoint(p)
	if !rw.writing || rw.readers > 0 {
		panic(fatalError("sync: Unlock of unlocked RWMutex"))
	}
	rw.writing = false
	for _, r := range rw.rwait {
		if r.valid() {
			rw.readers++
			r.p.held(1)
			w.ready(r.p, r.id)
		}
	}
	clear(rw.rwait)
	rw.rwait = rw.rwait[:0]
	rw.wmu.release(p)
}

// RLocker is a Locker whose Lock and Unlock are rw's RLock and RUnlock.
func (rw *RWMutex) RLocker() Locker { return rlocker{rw} }

type rlocker struct{ rw *RWMutex }

func (r rlocker) Lock()   { r.rw.RLock() }
func (r rlocker) Unlock() { r.rw.RUnlock() }

func (rw *RWMutex) holderName() string {
	switch {
	case rw.writing && rw.readers > 0:
		return fmt.Sprintf("the RWMutex is held by %d readers, and a writer waits for them", rw.readers)
	case rw.writing:
		return rw.wmu.holderName()
	case rw.readers > 0:
		return fmt.Sprintf("the RWMutex is held by %d readers", rw.readers)
	}
	return "the RWMutex is free"
}

// Cond is sync.Cond under the simulator, made by NewCond: Wait parks the
// goroutine until Signal (the longest-waiting first) or Broadcast wakes
// it. L is held while the condition is observed or changed.
type Cond struct {
	L       Locker
	w       *World
	waiters []*condWaiter
}

type condWaiter struct {
	p        *Proc
	id       uint64
	notified bool
	parked   bool
}

// NewCond makes a condition variable whose lock is l.
func NewCond(w *World, l Locker) *Cond {
	w.rt.used = true
	return &Cond{L: l, w: w}
}

// Wait unlocks c.L, waits for Signal or Broadcast, and locks c.L again
// before it returns.
func (c *Cond) Wait() {
	w := c.w
	p := w.mustBlock(w.running(), "Cond.Wait", nil)
	w.yieldPoint(p)
	cw := &p.rt.cond
	*cw = condWaiter{p: p}
	c.waiters = append(c.waiters, cw)
	markDirty(p)
	c.L.Unlock()
	if !cw.notified {
		cw.id = p.beginPark("Cond.Wait", nil)
		cw.parked = true
		p.park()
	}
	cw.p = nil
	c.L.Lock()
}

// Signal wakes the goroutine that has waited longest, if any.
func (c *Cond) Signal() {
	w := c.w
	p := w.running()
	w.yieldPoint(p)
	markDirty(p)
	for len(c.waiters) > 0 {
		cw := c.waiters[0]
		c.waiters = popFront(c.waiters)
		if c.notify(cw) {
			return
		}
	}
}

// Broadcast wakes every waiting goroutine.
func (c *Cond) Broadcast() {
	w := c.w
	p := w.running()
	w.yieldPoint(p)
	markDirty(p)
	for _, cw := range c.waiters {
		c.notify(cw)
	}
	clear(c.waiters)
	c.waiters = c.waiters[:0]
}

// notify wakes cw, unless its machine crashed.
func (c *Cond) notify(cw *condWaiter) bool {
	if cw.p == nil || cw.p.rt.crashed {
		return false
	}
	cw.notified = true
	if cw.parked {
		c.w.ready(cw.p, cw.id)
	}
	return true
}

// WaitGroup is sync.WaitGroup under the simulator, made by NewWaitGroup.
type WaitGroup struct {
	w       *World
	n       int
	waiters []lockWaiter
}

// NewWaitGroup makes a WaitGroup with a count of zero.
func NewWaitGroup(w *World) *WaitGroup {
	w.rt.used = true
	return &WaitGroup{w: w}
}

// Add adds delta to the count; when it reaches zero, every Wait returns.
// A negative count panics, as in Go.
func (wg *WaitGroup) Add(delta int) {
	w := wg.w
	p := w.running()
	w.yieldPoint(p)
	wg.n += delta
	if wg.n < 0 {
		panic("sync: negative WaitGroup counter")
	}
	markDirty(p)
	if wg.n > 0 {
		return
	}
	for _, lw := range wg.waiters {
		if lw.valid() {
			w.ready(lw.p, lw.id)
		}
	}
	clear(wg.waiters)
	wg.waiters = wg.waiters[:0]
}

// Done decrements the count.
func (wg *WaitGroup) Done() { wg.Add(-1) }

// Wait blocks until the count is zero.
func (wg *WaitGroup) Wait() {
	w := wg.w
	p := w.running()
	w.yieldPoint(p)
	if wg.n == 0 {
		return
	}
	p = w.mustBlock(p, "WaitGroup.Wait", nil)
	id := p.beginPark("WaitGroup.Wait", wg)
	wg.waiters = append(wg.waiters, lockWaiter{p: p, id: id, since: w.now})
	p.park()
}

// Go runs f in a new goroutine counted by wg (sync.WaitGroup.Go).
func (wg *WaitGroup) Go(f func()) {
	wg.Add(1)
	ep, m := wg.w.owner("WaitGroup.Go")
	g := wg.w.spawnG("", ep, m, func() {
		defer wg.Done()
		f()
	})
	wg.w.noteCreated(&g.rt.created, f, 3)
}

// Once is sync.Once under the simulator, made by NewOnce.
type Once struct {
	w       *World
	done    bool
	running bool
	waiters []lockWaiter
}

// NewOnce makes a Once.
func NewOnce(w *World) *Once {
	w.rt.used = true
	return &Once{w: w}
}

// Do calls f if and only if Do is being called for the first time; a
// concurrent call waits until f has returned (or panicked).
func (o *Once) Do(f func()) {
	w := o.w
	p := w.running()
	w.yieldPoint(p)
	if o.done {
		return
	}
	if o.running {
		p = w.mustBlock(p, "Once.Do", nil)
		id := p.beginPark("Once.Do", o)
		o.waiters = append(o.waiters, lockWaiter{p: p, id: id, since: w.now})
		p.park()
		return
	}
	o.running = true
	markDirty(p)
	defer func() {
		o.done, o.running = true, false
		for _, lw := range o.waiters {
			if lw.valid() {
				w.ready(lw.p, lw.id)
			}
		}
		o.waiters = nil
		markDirty(w.running())
	}()
	f()
}
