package sim

import (
	"runtime"
	"testing"
	"time"
)

// TestRunnerMemory: a world a runner makes while another of its worlds is
// running makes its own memory; the next world's handlers get fresh
// arguments and zero replies in the slabs an earlier world used, while
// that world's server kept pointers into them until then; a long run's
// memory is not all kept.
func TestRunnerMemory(t *testing.T) {
	var r Runner
	type kept struct {
		args  *addArgs
		reply *addReply
	}
	world := func(seed uint64, calls int, made func(uint64, Options) *World) (*World, *[]kept) {
		w := made(seed, Options{Faults: chaos})
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
		w, seen := world(seed, calls, r.New)
		return w, seen, w.Run()
	}
	fresh := func(seed uint64, calls int) uint64 {
		w, _ := world(seed, calls, New)
		return w.Run().Hash
	}

	// A world made from inside a running one's process does not get the
	// memory the running one has.
	outer := r.New(1, Options{})
	var inner *World
	outer.Spawn("maker", func(p *Proc) {
		inner = r.New(2, Options{})
		p.Sleep(time.Millisecond)
	})
	outer.Run()
	if outer.memory != r.p || inner.memory != nil {
		t.Fatalf("a world made while another runs: memory %p and %p, want the runner's and none", outer.memory, inner.memory)
	}

	first, firstSeen, _ := run(3, 10)
	if first.memory != r.p || outer.memory != nil {
		t.Fatal("the next world did not get the runner's memory back from the last")
	}
	for i, k := range *firstSeen {
		if k.args.N != 1 || k.reply.Seen != i+1 {
			t.Fatalf("request %d of the world reads %+v %+v before the next world was made", i, *k.args, *k.reply)
		}
	}
	for seed := uint64(4); seed < 10; seed++ {
		w, _, got := run(seed, 10)
		if w.memory != r.p {
			t.Fatalf("seed %d: the world did not get the runner's memory", seed)
		}
		if want := fresh(seed, 10); got.Hash != want {
			t.Fatalf("seed %d: hash %x with the runner's memory, %x without", seed, got.Hash, want)
		}
	}

	run(20, 2000)
	crowded := r.New(21, Options{}) // more events queued at once than a runner keeps
	for i := range 2 * keptEvents {
		crowded.At(time.Duration(i)*time.Millisecond, func() {})
	}
	crowded.Spawn("waiter", func(p *Proc) { p.Sleep(time.Hour) })
	crowded.Run()
	r.p.reclaim()
	for _, s := range r.p.spares {
		if n := len(s.(*requestSlabs[addArgs, addReply]).slabs); n > keptRequests {
			t.Errorf("the runner keeps %d slabs of requests after a long run, at most %d", n, keptRequests)
		}
	}
	if cap(r.p.queue.slots) > keptEvents {
		t.Errorf("the runner keeps %d event slots after a long run, at most %d", cap(r.p.queue.slots), keptEvents)
	}
}

// TestRunnerCoroutines: worlds that borrow coroutines from one runner run
// as they do on fresh ones, hand back the coroutines of processes that
// returned, panicked or not, and never those of processes killed while
// blocked; the ones it holds end when the runner is collected.
func TestRunnerCoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		var r Runner
		for seed := range uint64(20) {
			fresh, _ := newCounterWorld(seed, Options{Faults: chaos})
			workload(fresh, 3, 10)
			want := fresh.Run()

			w := r.New(seed, Options{Faults: chaos})
			Handle(w.NewServer("server"), "Counter.Add", (&counter{}).add)
			workload(w, 3, 10)
			got := w.Run()
			if got.Hash != want.Hash || got.Status != want.Status {
				t.Fatalf("seed %d: run on a runner %v %x, fresh run %v %x", seed, got.Status, got.Hash, want.Status, want.Hash)
			}
			if len(r.p.idle) != 3 {
				t.Fatalf("seed %d: %d idle coroutines after a run of 3 processes that returned, want 3", seed, len(r.p.idle))
			}
		}

		w := r.New(1, Options{})
		w.Spawn("stuck", func(p *Proc) { p.Sleep(time.Hour) }) // still asleep when the panic ends the run
		w.Spawn("boom", func(p *Proc) {
			p.Sleep(time.Millisecond)
			panic("client bug")
		})
		if res := w.Run(); res.Status != Panic {
			t.Fatalf("status %v, want Panic", res.Status)
		}
		if len(r.p.idle) != 2 {
			t.Fatalf("%d idle coroutines after a run that borrowed 2 of 3, one for a process that panicked and one for a process killed while blocked; want 2", len(r.p.idle))
		}
	}()

	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines once the runner was collected, %d before it", n, before)
	}
}
