package labrt

import (
	"fmt"
	"testing"
	"time"

	"github.com/kvsim/kvsim/sim"
)

// TestTimersDriftApart: two goroutines started together that sleep the
// same period do not stay in step, as they would on an exact clock (a
// Raft's fixed election tick would split every vote forever): each sleep
// is late by a slack below TimerSlack, drawn from the run, so the same
// seed drifts the same way.
func TestTimersDriftApart(t *testing.T) {
	run := func(seed uint64) [2]time.Duration {
		w := sim.New(seed, sim.Options{})
		enter(w)
		defer func() { world.w, world.slack = nil, nil }()
		var woke [2]time.Duration
		for i := range woke {
			w.Spawn(fmt.Sprintf("ticker%d", i), func(p *sim.Proc) {
				for range 20 {
					Sleep(50 * time.Millisecond)
				}
				woke[i] = w.Now()
			})
		}
		if r := w.Run(); r.Status != sim.Done {
			t.Fatal(r.Status, r.Reason)
		}
		return woke
	}
	woke := run(1)
	for i, at := range woke {
		if at < time.Second || at >= time.Second+20*TimerSlack {
			t.Errorf("ticker %d woke at %v after 20 sleeps of 50ms, want in [1s, 1s+20 slacks)", i, at)
		}
	}
	if woke[0] == woke[1] {
		t.Errorf("both tickers woke at %v: still in step", woke[0])
	}
	if again := run(1); again != woke {
		t.Errorf("seed 1 woke at %v, then %v", woke, again)
	}
}
