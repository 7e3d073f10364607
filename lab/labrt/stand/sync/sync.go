// Package sync stands in for sync in course folders: Mutex, RWMutex, Cond,
// WaitGroup and Once are the simulator's (package sim), so a goroutine that
// waits on one parks and the scheduler runs another, in an order drawn from
// the run's seed, and a deadlock is a reported failure that names every
// blocked goroutine, where it waits and who holds the lock, instead of a
// hung process. Map, Pool and the Once functions are sync's own: they never
// wait on another goroutine.
//
// Their zero values are ready to use, as sync's are: each makes its
// simulator primitive on first use in a run, on that run's world. Outside
// any run (the folder's package initialization) nothing else can run, so
// they are plain flags and counters there, and waiting would be a deadlock.
package sync

import (
	"sync"

	"github.com/kvsim/kvsim/lab/labrt"
	"github.com/kvsim/kvsim/sim"
)

type (
	Locker = sync.Locker
	Map    = sync.Map
	Pool   = sync.Pool
)

func OnceFunc(f func()) func()                                 { return sync.OnceFunc(f) }
func OnceValue[T any](f func() T) func() T                     { return sync.OnceValue(f) }
func OnceValues[T1, T2 any](f func() (T1, T2)) func() (T1, T2) { return sync.OnceValues(f) }

// bound is a simulator primitive made on first use in a run, on its world.
type bound[T any] struct {
	p *T
	w *sim.World
}

// get returns the primitive of the run in progress, made by make; nil
// outside any run.
func (b *bound[T]) get(make func(*sim.World) *T) *T {
	w := labrt.World()
	if w == nil {
		return nil
	}
	if b.p == nil || b.w != w {
		b.p, b.w = make(w), w
	}
	return b.p
}

func deadlock(what string) {
	panic("sync: " + what + " would wait outside any run (in package initialization): nothing else runs there, so it never could go on")
}

// A Mutex is sync.Mutex (see sim.Mutex).
type Mutex struct {
	b      bound[sim.Mutex]
	locked bool // outside any run
}

func (m *Mutex) sim() *sim.Mutex { return m.b.get(sim.NewMutex) }

func (m *Mutex) Lock() {
	if s := m.sim(); s != nil {
		s.Lock()
		return
	}
	if m.locked {
		deadlock("Mutex.Lock")
	}
	m.locked = true
}

func (m *Mutex) TryLock() bool {
	if s := m.sim(); s != nil {
		return s.TryLock()
	}
	if m.locked {
		return false
	}
	m.locked = true
	return true
}

func (m *Mutex) Unlock() {
	if s := m.sim(); s != nil {
		s.Unlock()
		return
	}
	if !m.locked {
		panic("sync: unlock of unlocked mutex")
	}
	m.locked = false
}

// An RWMutex is sync.RWMutex (see sim.RWMutex).
type RWMutex struct {
	b       bound[sim.RWMutex]
	locked  bool // outside any run
	readers int
}

func (rw *RWMutex) sim() *sim.RWMutex { return rw.b.get(sim.NewRWMutex) }

func (rw *RWMutex) Lock() {
	if s := rw.sim(); s != nil {
		s.Lock()
		return
	}
	if rw.locked || rw.readers > 0 {
		deadlock("RWMutex.Lock")
	}
	rw.locked = true
}

func (rw *RWMutex) TryLock() bool {
	if s := rw.sim(); s != nil {
		return s.TryLock()
	}
	if rw.locked || rw.readers > 0 {
		return false
	}
	rw.locked = true
	return true
}

func (rw *RWMutex) Unlock() {
	if s := rw.sim(); s != nil {
		s.Unlock()
		return
	}
	if !rw.locked {
		panic("sync: Unlock of unlocked RWMutex")
	}
	rw.locked = false
}

func (rw *RWMutex) RLock() {
	if s := rw.sim(); s != nil {
		s.RLock()
		return
	}
	if rw.locked {
		deadlock("RWMutex.RLock")
	}
	rw.readers++
}

func (rw *RWMutex) TryRLock() bool {
	if s := rw.sim(); s != nil {
		return s.TryRLock()
	}
	if rw.locked {
		return false
	}
	rw.readers++
	return true
}

func (rw *RWMutex) RUnlock() {
	if s := rw.sim(); s != nil {
		s.RUnlock()
		return
	}
	if rw.readers == 0 {
		panic("sync: RUnlock of unlocked RWMutex")
	}
	rw.readers--
}

// RLocker is a Locker whose Lock and Unlock are rw's RLock and RUnlock.
func (rw *RWMutex) RLocker() Locker { return rlocker{rw} }

type rlocker struct{ rw *RWMutex }

func (r rlocker) Lock()   { r.rw.RLock() }
func (r rlocker) Unlock() { r.rw.RUnlock() }

// A Cond is sync.Cond (see sim.Cond); L is held while observing or
// changing the condition.
type Cond struct {
	L Locker
	b bound[sim.Cond]
}

// NewCond returns a Cond with Locker l.
func NewCond(l Locker) *Cond { return &Cond{L: l} }

func (c *Cond) sim(what string) *sim.Cond {
	s := c.b.get(func(w *sim.World) *sim.Cond { return sim.NewCond(w, c.L) })
	if s == nil && what == "Cond.Wait" {
		deadlock(what)
	}
	return s
}

func (c *Cond) Wait() { c.sim("Cond.Wait").Wait() }

func (c *Cond) Signal() {
	if s := c.sim("Cond.Signal"); s != nil {
		s.Signal()
	}
}

func (c *Cond) Broadcast() {
	if s := c.sim("Cond.Broadcast"); s != nil {
		s.Broadcast()
	}
}

// A WaitGroup is sync.WaitGroup (see sim.WaitGroup).
type WaitGroup struct {
	b bound[sim.WaitGroup]
	n int // outside any run
}

func (wg *WaitGroup) sim() *sim.WaitGroup { return wg.b.get(sim.NewWaitGroup) }

func (wg *WaitGroup) Add(delta int) {
	if s := wg.sim(); s != nil {
		s.Add(delta)
		return
	}
	if wg.n += delta; wg.n < 0 {
		panic("sync: negative WaitGroup counter")
	}
}

func (wg *WaitGroup) Done() { wg.Add(-1) }

func (wg *WaitGroup) Wait() {
	if s := wg.sim(); s != nil {
		s.Wait()
		return
	}
	if wg.n > 0 {
		deadlock("WaitGroup.Wait")
	}
}

// Go runs f in a new goroutine counted by wg (Go 1.25's WaitGroup.Go).
func (wg *WaitGroup) Go(f func()) {
	s := wg.sim()
	if s == nil {
		panic("sync: WaitGroup.Go outside any run (in package initialization): there is no simulated world to run it in")
	}
	s.Go(f)
}

// A Once is sync.Once (see sim.Once).
type Once struct {
	b    bound[sim.Once]
	done bool // outside any run
}

func (o *Once) Do(f func()) {
	if s := o.b.get(sim.NewOnce); s != nil {
		s.Do(f)
		return
	}
	if !o.done {
		o.done = true
		f()
	}
}
