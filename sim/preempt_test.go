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
