// Package sync stands in for sync in course folders. Everything is sync's
// own except Mutex and RWMutex: in a simulation only one simulated process
// runs at a time, so a mutex that is held when it is locked can only be
// released by a process that is parked, never by one that runs meanwhile.
// A clerk's process then waits in virtual time until the holder releases
// it; a server's handler, which runs to completion with no process of its
// own, has nobody to wait for: the mutex was locked and never unlocked, and
// the run fails there, naming where it was locked, instead of hanging the
// simulator on a real mutex.
package sync

import (
	"sync"

	"github.com/kvsim/kvsim/lab/labrt"
)

type (
	Cond      = sync.Cond
	Locker    = sync.Locker
	Map       = sync.Map
	Once      = sync.Once
	Pool      = sync.Pool
	WaitGroup = sync.WaitGroup
)

func NewCond(l Locker) *Cond                                   { return sync.NewCond(l) }
func OnceFunc(f func()) func()                                 { return sync.OnceFunc(f) }
func OnceValue[T any](f func() T) func() T                     { return sync.OnceValue(f) }
func OnceValues[T1, T2 any](f func() (T1, T2)) func() (T1, T2) { return sync.OnceValues(f) }

// A Mutex is sync.Mutex under the simulator. Its zero value is unlocked.
type Mutex struct {
	locked bool
	at     uintptr // where it was last locked
}

// Lock locks m, waiting for its holder as described in the package doc.
func (m *Mutex) Lock() {
	for m.locked {
		labrt.Contended("sync.Mutex", m.at)
	}
	m.locked, m.at = true, labrt.Caller()
}

// TryLock locks m if it is free and reports whether it did.
func (m *Mutex) TryLock() bool {
	if m.locked {
		return false
	}
	m.locked, m.at = true, labrt.Caller()
	return true
}

// Unlock unlocks m; unlocking a free mutex fails the run, as it is a
// fatal error in Go.
func (m *Mutex) Unlock() {
	if !m.locked {
		panic("sync: unlock of unlocked mutex")
	}
	m.locked = false
}

// An RWMutex is sync.RWMutex under the simulator: any number of readers or
// one writer.
type RWMutex struct {
	w       Mutex
	readers int
	readAt  uintptr // where a reader last locked it
}

// Lock locks rw for writing.
func (rw *RWMutex) Lock() {
	for rw.w.locked || rw.readers > 0 {
		at := rw.w.at
		if !rw.w.locked {
			at = rw.readAt
		}
		labrt.Contended("sync.RWMutex", at)
	}
	rw.w.locked, rw.w.at = true, labrt.Caller()
}

// TryLock locks rw for writing if it is free and reports whether it did.
func (rw *RWMutex) TryLock() bool {
	if rw.w.locked || rw.readers > 0 {
		return false
	}
	rw.w.locked, rw.w.at = true, labrt.Caller()
	return true
}

// Unlock unlocks rw for writing.
func (rw *RWMutex) Unlock() {
	if !rw.w.locked {
		panic("sync: Unlock of unlocked RWMutex")
	}
	rw.w.locked = false
}

// RLock locks rw for reading.
func (rw *RWMutex) RLock() {
	for rw.w.locked {
		labrt.Contended("sync.RWMutex", rw.w.at)
	}
	rw.readers++
	rw.readAt = labrt.Caller()
}

// TryRLock locks rw for reading if no writer holds it.
func (rw *RWMutex) TryRLock() bool {
	if rw.w.locked {
		return false
	}
	rw.readers++
	rw.readAt = labrt.Caller()
	return true
}

// RUnlock undoes one RLock.
func (rw *RWMutex) RUnlock() {
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
