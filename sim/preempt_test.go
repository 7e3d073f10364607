package sim

import (
	"fmt"
	"testing"
	"time"
)

// pingPong adds to w a process that hands n values to a goroutine of its
// own over an unbuffered channel, and returns, for each, the virtual time
// between its send and the goroutine's receive.
func pingPong(w *World, n int) *[]time.Duration {
	waits := new([]time.Duration)
	w.Spawn("pinger", func(p *Proc) {
		c := NewChan[time.Duration](w, 0)
		done := NewWaitGroup(w)
		done.Go(func() {
			for sent := range Range(w, c) {
				*waits = append(*waits, w.Now()-sent)
			}
		})
		for range n {
			Send(w, c, w.Now())
			w.Clock().Sleep(time.Millisecond)
		}
		c.Close()
		done.Wait()
	})
	return waits
}

func init() {
	semanticChecks["preempt"] = func(on bool) error {
		f := switched(Faults{Until: time.Second}.With(Preempt, Level{P: 0.5, D: 5 * time.Millisecond}), "preempt", on)
		w := New(1, Options{Faults: f})
		waits := pingPong(w, 40)
		if r := w.Run(); r.Status != Done {
			return fmt.Errorf("run: %v %s", r.Status, r.Reason)
		}
		for _, d := range *waits {
			if d > 0 {
				return nil
			}
		}
		return fmt.Errorf("every woken goroutine ran at the instant it was woken: %v", *waits)
	}
}

// TestPreemptDelaysWithinItsBound: a woken goroutine runs at once with the
// fault off, and with it on sometimes later, never past D, also after
// the other faults stopped, and the same for the same seed.
func TestPreemptDelaysWithinItsBound(t *testing.T) {
	run := func(f Faults, seed uint64) []time.Duration {
		w := New(seed, Options{Faults: f})
		waits := pingPong(w, 200)
		if r := w.Run(); r.Status != Done {
			t.Fatalf("run: %v %s", r.Status, r.Reason)
		}
		return *waits
	}
	const d = 5 * time.Millisecond
	on := Faults{Until: time.Millisecond}.With(Preempt, Level{P: 0.5, D: d})
	for _, wait := range run(Faults{}, 1) {
		if wait != 0 {
			t.Fatalf("without the fault a woken goroutine waited %v", wait)
		}
	}
	waits := run(on, 1)
	delayed := 0
	for i, wait := range waits {
		// A wait counts from the send; the pinger sleeps 1ms a value, so
		// a delay past it shows as one in the next receive too.
		if wait > d+time.Millisecond {
			t.Errorf("value %d waited %v, more than D=%v", i, wait, d)
		}
		if wait > 0 {
			delayed++
		}
	}
	if delayed == 0 {
		t.Errorf("P=0.5 delayed none of %d wakeups", len(waits))
	}
	if again := run(on, 1); fmt.Sprint(again) != fmt.Sprint(waits) {
		t.Errorf("the same seed gave other delays")
	}
}

// lockLoop adds to w a goroutine that takes and releases a lock n times,
// nobody else contending, and returns the virtual time each Lock took and
// each hold (from Lock's return to Unlock's).
func lockLoop(w *World, n int) (locks, holds *[]time.Duration) {
	locks, holds = new([]time.Duration), new([]time.Duration)
	w.Spawn("locker", func(p *Proc) {
		mu := NewMutex(w)
		done := NewWaitGroup(w)
		done.Go(func() {
			for range n {
				start := w.Now()
				mu.Lock()
				locked := w.Now()
				mu.Unlock()
				*locks = append(*locks, locked-start)
				*holds = append(*holds, w.Now()-locked)
			}
		})
		done.Wait()
	})
	return locks, holds
}

func init() {
	semanticChecks["deschedule"] = func(on bool) error {
		f := switched(Faults{Until: time.Second}.With(Deschedule, Level{P: 0.5, D: 5 * time.Millisecond}), "deschedule", on)
		w := New(1, Options{Faults: f})
		locks, _ := lockLoop(w, 40)
		if r := w.Run(); r.Status != Done {
			return fmt.Errorf("run: %v %s", r.Status, r.Reason)
		}
		for _, d := range *locks {
			if d > 0 {
				return nil
			}
		}
		return fmt.Errorf("no running goroutine ever stopped at a synchronisation point: %v", *locks)
	}
}

// TestDescheduleStopsWithinItsBound: a goroutine that never waits takes
// no virtual time with the fault off; with it on, some of its Locks take
// some, never more than D, also after the other faults stopped, the same
// for the same seed; and it never stops while it holds the lock.
func TestDescheduleStopsWithinItsBound(t *testing.T) {
	run := func(f Faults, seed uint64) (locks, holds []time.Duration) {
		w := New(seed, Options{Faults: f})
		l, h := lockLoop(w, 200)
		if r := w.Run(); r.Status != Done {
			t.Fatalf("run: %v %s", r.Status, r.Reason)
		}
		return *l, *h
	}
	const d = 5 * time.Millisecond
	on := Faults{Until: time.Millisecond}.With(Deschedule, Level{P: 0.5, D: d})
	locks, _ := run(Faults{}, 1)
	for _, took := range locks {
		if took != 0 {
			t.Fatalf("without the fault a Lock nobody contends took %v", took)
		}
	}
	locks, holds := run(on, 1)
	stopped := 0
	for i, took := range locks {
		if took > d {
			t.Errorf("Lock %d took %v, more than D=%v", i, took, d)
		}
		if took > 0 {
			stopped++
		}
		if holds[i] != 0 {
			t.Errorf("hold %d took %v: the goroutine stopped while it held the lock", i, holds[i])
		}
	}
	if stopped == 0 {
		t.Errorf("P=0.5 stopped none of %d Locks", len(locks))
	}
	if again, _ := run(on, 1); fmt.Sprint(again) != fmt.Sprint(locks) {
		t.Errorf("the same seed gave other stops")
	}
}

// TestWithSwarmScheduling: the scheduling faults drawn alone, over a run's
// own network faults, are SwarmFaults's draw of them for the seed, each
// on in about half the seeds, and leave the network's faults as they were.
func TestWithSwarmScheduling(t *testing.T) {
	network := Faults{DropRequest: 0.1, Until: time.Second}
	on := map[string]int{}
	const seeds = 400
	for seed := range uint64(seeds) {
		got := network.WithSwarmScheduling(NewPCG(seed))
		swarm := SwarmFaults(NewPCG(seed), time.Second)
		for _, k := range []*FaultKind{Preempt, Deschedule} {
			if got.Level(k) != swarm.Level(k) {
				t.Fatalf("seed %d: %s %v, swarm draws %v", seed, k.Name(), got.Level(k), swarm.Level(k))
			}
			if k.on(&got) {
				on[k.Name()]++
			}
		}
		if want := network.With(Preempt, got.Level(Preempt)).With(Deschedule, got.Level(Deschedule)); got != want {
			t.Fatalf("seed %d: %v, want the network's faults and the scheduling ones: %v", seed, got, want)
		}
	}
	for _, k := range []*FaultKind{Preempt, Deschedule} {
		if n := on[k.Name()]; n < seeds/3 || n > seeds*2/3 {
			t.Errorf("%s on in %d of %d seeds, want about half", k.Name(), n, seeds)
		}
	}
}

// TestHandedOverLockRunsAtOnce: a waiter that lost its woken turn to a
// goroutine arriving meanwhile, after waiting past 1ms, is handed the
// mutex at the next Unlock, and runs at that instant even when the preempt
// fault delays every other wakeup, as Go yields to it: a handed-over lock
// never waits, held, for a goroutine the fault holds back.
func TestHandedOverLockRunsAtOnce(t *testing.T) {
	const wake = 40 * time.Millisecond // the longest delay the fault draws
	f := Faults{}.With(Preempt, Level{P: 1, D: wake})
	for seed := range uint64(20) {
		w := New(seed, Options{Faults: f})
		var released, acquired time.Duration
		w.Spawn("barger", func(p *Proc) {
			mu := NewMutex(w)
			done := NewWaitGroup(w)
			mu.Lock()
			done.Go(func() {
				mu.Lock()
				acquired = w.Now()
				mu.Unlock()
			})
			w.Clock().Sleep(2 * wake) // the waiter starts and queues
			mu.Unlock()               // wakes it, delayed by the fault...
			mu.Lock()                 // ...so this takes the lock first
			w.Clock().Sleep(2 * wake) // the waiter runs, finds it held, starves
			released = w.Now()
			mu.Unlock() // the waiter starved: the lock is handed to it
			done.Wait()
		})
		if r := w.Run(); r.Status != Done {
			t.Fatalf("seed %d: %v %s", seed, r.Status, r.Reason)
		}
		if acquired != released {
			t.Errorf("seed %d: the waiter ran %v after the lock was handed to it", seed, acquired-released)
		}
	}
}
