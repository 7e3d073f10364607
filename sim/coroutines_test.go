package sim

import (
	"runtime"
	"testing"
	"time"
)

// TestCoroutinesReused: worlds that borrow coroutines from one pool run as
// they do on fresh ones, hand back the coroutines of processes that
// returned, panicked or not, and never those of processes killed while
// blocked; Close ends the ones it holds.
func TestCoroutinesReused(t *testing.T) {
	before := runtime.NumGoroutine()
	var pool Coroutines
	for seed := range uint64(20) {
		fresh, _ := newCounterWorld(seed, Options{Faults: chaos})
		workload(fresh, 3, 10)
		want := fresh.Run()

		pooled, _ := newCounterWorld(seed, Options{Faults: chaos, Coroutines: &pool})
		workload(pooled, 3, 10)
		if got := pooled.Run(); got.Hash != want.Hash || got.Status != want.Status {
			t.Fatalf("seed %d: pooled run %v %x, fresh run %v %x", seed, got.Status, got.Hash, want.Status, want.Hash)
		}
		if len(pool.idle) != 3 {
			t.Fatalf("seed %d: %d idle coroutines after a run of 3 processes that returned, want 3", seed, len(pool.idle))
		}
	}

	w := New(1, Options{Coroutines: &pool})
	w.Spawn("stuck", func(p *Proc) { p.Sleep(time.Hour) }) // still asleep when the panic ends the run
	w.Spawn("boom", func(p *Proc) {
		p.Sleep(time.Millisecond)
		panic("client bug")
	})
	if r := w.Run(); r.Status != Panic {
		t.Fatalf("status %v, want Panic", r.Status)
	}
	if len(pool.idle) != 2 {
		t.Fatalf("%d idle coroutines after a run that borrowed 2 of 3, one for a process that panicked and one for a process killed while blocked; want 2", len(pool.idle))
	}

	pool.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after Close, %d before the pool", n, before)
	}
}
