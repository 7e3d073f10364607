package sim

import (
	"runtime"
	"testing"
	"time"
)

// TestPoolMemory: a world made while another has the pool's memory makes
// its own; after Close, the next world's handlers get fresh arguments and
// zero replies in the slabs an earlier world used, while that world's
// server kept pointers into them; a long run's memory is not all kept.
func TestPoolMemory(t *testing.T) {
	var pool Pool
	defer pool.Close()
	type kept struct {
		args  *addArgs
		reply *addReply
	}
	world := func(seed uint64, calls int, opts Options) (*World, *[]kept) {
		w := New(seed, opts)
		var seen []kept
		Handle(w.NewServer("server"), "Counter.Add", func(args *addArgs, reply *addReply) {
			if *reply != (addReply{}) {
				t.Fatalf("seed %d: a handler got reply %+v, want a zero one", seed, *reply)
			}
			reply.Sum, reply.Seen = args.N, len(seen)+1
			seen = append(seen, kept{args, reply})
		})
		workload(w, 3, calls)
		return w, &seen
	}
	run := func(seed uint64, calls int) (*World, *[]kept, Result) {
		w, seen := world(seed, calls, Options{Faults: chaos, Pool: &pool})
		return w, seen, w.Run()
	}
	fresh := func(seed uint64, calls int) uint64 {
		w, _ := world(seed, calls, Options{Faults: chaos})
		return w.Run().Hash
	}

	first, firstSeen, _ := run(1, 10)
	if first.memory != &pool {
		t.Fatal("the first world did not get the pool's memory")
	}
	second, _, _ := run(2, 10)
	if second.memory != nil {
		t.Fatal("a world made while another has the pool's memory got it too")
	}
	for i, k := range *firstSeen {
		if k.args.N != 1 || k.reply.Seen != i+1 {
			t.Fatalf("request %d of the first world reads %+v %+v after another world ran", i, *k.args, *k.reply)
		}
	}
	second.Close() // no memory to give back: a no-op
	first.Close()
	first.Close()

	for seed := uint64(3); seed < 10; seed++ {
		w, _, got := run(seed, 10)
		if w.memory != &pool {
			t.Fatalf("seed %d: the world did not get the pool's memory back", seed)
		}
		w.Close()
		if want := fresh(seed, 10); got.Hash != want {
			t.Fatalf("seed %d: hash %x with the pool's memory, %x without", seed, got.Hash, want)
		}
	}

	long, _, _ := run(20, 2000)
	long.Close()
	crowded := New(21, Options{Pool: &pool}) // more events queued at once than a pool keeps
	for i := range 2 * keptEvents {
		crowded.At(time.Duration(i)*time.Millisecond, func() {})
	}
	crowded.Spawn("waiter", func(p *Proc) { p.Sleep(time.Hour) })
	crowded.Run()
	crowded.Close()
	for _, r := range pool.spares {
		if n := len(r.(*requestSlabs[addArgs, addReply]).slabs); n > keptRequests {
			t.Errorf("the pool keeps %d slabs of requests after a long run, at most %d", n, keptRequests)
		}
	}
	if cap(pool.queue.slots) > keptEvents {
		t.Errorf("the pool keeps %d event slots after a long run, at most %d", cap(pool.queue.slots), keptEvents)
	}
}

// TestPoolCoroutines: worlds that borrow coroutines from one pool run as
// they do on fresh ones, hand back the coroutines of processes that
// returned, panicked or not, and never those of processes killed while
// blocked; Close ends the ones it holds.
func TestPoolCoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	var pool Pool
	for seed := range uint64(20) {
		fresh, _ := newCounterWorld(seed, Options{Faults: chaos})
		workload(fresh, 3, 10)
		want := fresh.Run()

		pooled, _ := newCounterWorld(seed, Options{Faults: chaos, Pool: &pool})
		workload(pooled, 3, 10)
		got := pooled.Run()
		pooled.Close()
		if got.Hash != want.Hash || got.Status != want.Status {
			t.Fatalf("seed %d: pooled run %v %x, fresh run %v %x", seed, got.Status, got.Hash, want.Status, want.Hash)
		}
		if len(pool.idle) != 3 {
			t.Fatalf("seed %d: %d idle coroutines after a run of 3 processes that returned, want 3", seed, len(pool.idle))
		}
	}

	w := New(1, Options{Pool: &pool})
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
