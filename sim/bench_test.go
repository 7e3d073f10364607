package sim

import (
	"fmt"
	"iter"
	"testing"
	"time"
)

// BenchmarkIterPull is the yardstick: one resume/yield pair of an iter.Pull
// coroutine, the cheapest switch a blocking-style process can have.
func BenchmarkIterPull(b *testing.B) {
	next, stop := iter.Pull(func(yield func(struct{}) bool) {
		for yield(struct{}{}) {
		}
	})
	defer stop()
	defer cpuPerOp(b)()
	b.ReportAllocs()
	for b.Loop() {
		next()
	}
}

// BenchmarkRPC is one simulated round trip on a reliable network: Call,
// request delivery, a trivial handler, the reply, and the caller's resume.
// Callers reuse their reply structs so that only the simulator's own
// allocations (the handler's private args and reply) are counted.
//
// With one caller, the caller dispatches the events itself and goes on
// without a coroutine switch (runInline). With two, whose calls overlap
// half a latency apart (so that no events tie), every reply comes while
// the other caller waits: three of four round trips end in a yield to the
// loop and a resume by it, the case of a campaign's clients.
func BenchmarkRPC(b *testing.B) {
	for _, callers := range []int{1, 2} {
		b.Run(fmt.Sprintf("callers-%d", callers), func(b *testing.B) {
			w := New(1, Options{MaxSteps: 1 << 62, MaxTime: 1 << 62})
			Handle(w.NewServer("s"), "S.Echo", func(args *addArgs, reply *addReply) { reply.Sum = args.N })
			b.ReportAllocs()
			calls, changes := 0, 0
			var last *Proc
			for i := range callers {
				w.Spawn(fmt.Sprint("c", i), func(p *Proc) {
					p.Sleep(time.Duration(i) * DefaultLatency / 2)
					args := addArgs{N: 1}
					var reply addReply
					for calls < b.N {
						calls++
						if !p.Call("s", "S.Echo", &args, &reply) {
							b.Fatal("call failed on a reliable network")
						}
						if last != p {
							changes++
							last = p
						}
					}
				})
			}
			b.ResetTimer()
			defer cpuPerOp(b)()
			if r := w.Run(); r.Status != Done {
				b.Fatal(r.Status, r.Reason)
			}
			b.ReportMetric(float64(changes)/float64(b.N), "caller-changes/op")
		})
	}
}

// BenchmarkEvent is one bare scheduler event: a callback scheduled and run.
func BenchmarkEvent(b *testing.B) {
	w := New(1, Options{MaxSteps: 1 << 62})
	b.ReportAllocs()
	n := 0
	var tick func()
	tick = func() {
		n++
		if n < b.N {
			w.At(w.Now()+1, tick)
		}
	}
	w.At(0, tick)
	w.Spawn("idle", func(p *Proc) {
		for n < b.N {
			p.Sleep(1 << 40)
		}
	})
	b.ResetTimer()
	defer cpuPerOp(b)()
	w.Run()
}

// BenchmarkNote is one Notef of a typical operation outcome, untraced:
// hashed by field, never formatted.
func BenchmarkNote(b *testing.B) {
	w := New(1, Options{})
	key, version := "key-17", uint64(12345)
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for b.Loop() {
		w.Notef(nil, "get %s -> %d %v", key, version, true)
	}
}

// BenchmarkNoteSprintf is the same note formatted first, as Note needs.
func BenchmarkNoteSprintf(b *testing.B) {
	w := New(1, Options{})
	key, version := "key-17", uint64(12345)
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for b.Loop() {
		w.Note(nil, fmt.Sprintf("get %s -> %d %v", key, version, true))
	}
}

// cpuPerOp reports the CPU time the process used per operation beside the
// wall time: on a shared machine, waiting for a core inflates ns/op but not
// cpu-ns/op (the collector's work on other threads counts in it).
func cpuPerOp(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if used := cpuTime() - start; used > 0 && b.N > 0 {
			b.ReportMetric(float64(used)/float64(b.N), "cpu-ns/op")
		}
	}
}

// BenchmarkChanPingPong is one goroutine switch through an unbuffered
// channel: two goroutines hand a value back and forth, and an op is one
// handoff (half a round trip). Each handoff readies the other goroutine,
// whose turn against the sender's next operation is a tie drawn from the
// entropy, as every scheduling choice is.
func BenchmarkChanPingPong(b *testing.B) {
	w := New(1, Options{MaxSteps: 1 << 62, MaxTime: 1 << 62})
	w.Spawn("main", func(*Proc) {
		ping, pong := NewChan[int](w, 0), NewChan[int](w, 0)
		w.Go(func() {
			for {
				pong.Send(ping.Recv())
			}
		})
		for i := 0; i < b.N; i += 2 {
			ping.Send(i)
			pong.Recv()
		}
	})
	runBench(b, w)
}

// BenchmarkSelect3 is one select over three receive cases, served by a
// goroutine that sends on each channel in turn: an op is a select, the
// handoff that ends it and the switch between the two goroutines.
func BenchmarkSelect3(b *testing.B) {
	w := New(1, Options{MaxSteps: 1 << 62, MaxTime: 1 << 62})
	w.Spawn("main", func(*Proc) {
		cs := [3]*Chan[int]{NewChan[int](w, 0), NewChan[int](w, 0), NewChan[int](w, 0)}
		w.Go(func() {
			for i := 0; ; i++ {
				cs[i%3].Send(i)
			}
		})
		for range b.N {
			switch w.Select(cs[0].RecvCase(), cs[1].RecvCase(), cs[2].RecvCase()) {
			case 0:
				cs[0].Received()
			case 1:
				cs[1].Received()
			case 2:
				cs[2].Received()
			}
		}
	})
	runBench(b, w)
}

// BenchmarkTimer is one timer set and fired: a goroutine resets a timer
// and receives its tick.
func BenchmarkTimer(b *testing.B) {
	w := New(1, Options{MaxSteps: 1 << 62, MaxTime: 1 << 62})
	w.Spawn("main", func(*Proc) {
		t := w.Clock().NewTimer(time.Millisecond)
		t.C.Recv()
		for range b.N {
			t.Reset(time.Millisecond)
			t.C.Recv()
		}
	})
	runBench(b, w)
}

// runBench runs w, whose processes make b.N operations, timed.
func runBench(b *testing.B, w *World) {
	b.ReportAllocs()
	b.ResetTimer()
	defer cpuPerOp(b)()
	if r := w.Run(); r.Status != Done {
		b.Fatal(r.Status, r.Reason)
	}
}

// BenchmarkSeedStreams is what drawing by name costs a seed beyond its
// draws: the keyed entropy of one seed and the streams a kv-random seed
// under swarm makes (swarm's draw of each fault kind and targeted site,
// the world's ties and fault kinds, each client's workload), one draw on
// each.
func BenchmarkSeedStreams(b *testing.B) {
	var names []string
	for _, k := range faultKinds {
		if k.draw != nil {
			names = append(names, k.swarm)
		}
	}
	for _, site := range []string{"holder-cut", "holder-slow", "pause-on-put", "create-dup", "create-hold", "hold-reply"} {
		names = append(names, "swarm/"+site)
	}
	names = append(names, "targeted/pause-on-put", "targeted/hold-reply", "workload/c0", "workload/c1", "workload/c2", "workload/c3")
	for _, s := range []streamID{streamTie, streamJitter, streamDropReq, streamTail, streamPartition} {
		names = append(names, streamNames[s])
	}
	b.ReportAllocs()
	defer cpuPerOp(b)()
	seed := uint64(0)
	for b.Loop() {
		seed++
		e := NewPCG(seed)
		for _, name := range names {
			Stream(e, name).Uint64N(2)
		}
	}
	b.ReportMetric(float64(len(names)), "streams/op")
}
