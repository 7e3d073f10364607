package sim

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestRunEndings(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		setup  func(w *World)
		status Status
		reason string // substring of Result.Reason
		stack  string // substring of Result.Stack
	}{
		{
			name: "process panics",
			setup: func(w *World) {
				w.Spawn("boom", func(p *Proc) {
					p.Sleep(time.Millisecond)
					panic("client bug")
				})
			},
			status: Panic, reason: "process boom panicked: client bug", stack: "safety_test.go",
		},
		{
			name: "handler panics",
			setup: func(w *World) {
				Handle(w.NewServer("s"), "S.Crash", func(*addArgs, *addReply) { panic("server bug") })
				w.Spawn("c", func(p *Proc) { p.Call("s", "S.Crash", &addArgs{}, &addReply{}) })
			},
			status: Panic, reason: "server s: handler S.Crash panicked: server bug", stack: "safety_test.go",
		},
		{
			// The handler runs on the client's stack (runInline): the
			// client's deferred recover must not see its panic.
			name: "handler panics under a client that recovers",
			setup: func(w *World) {
				Handle(w.NewServer("s"), "S.Crash", func(*addArgs, *addReply) { panic("server bug") })
				w.Spawn("c", func(p *Proc) {
					defer func() { recover() }()
					p.Call("s", "S.Crash", &addArgs{}, &addReply{})
				})
			},
			status: Panic, reason: "server s: handler S.Crash panicked: server bug", stack: "safety_test.go",
		},
		{
			name: "call to an unknown server",
			setup: func(w *World) {
				w.Spawn("c", func(p *Proc) { p.Call("nowhere", "S.M", &addArgs{}, &addReply{}) })
			},
			status: Panic, reason: `no server named "nowhere"`,
		},
		{
			name: "call with the wrong argument type",
			setup: func(w *World) {
				Handle(w.NewServer("s"), "S.M", func(*addArgs, *addReply) {})
				w.Spawn("c", func(p *Proc) { p.Call("s", "S.M", addArgs{}, &addReply{}) })
			},
			status: Panic, reason: "args is sim.addArgs, want *sim.addArgs",
		},
		{
			name: "call with a nil reply",
			setup: func(w *World) {
				Handle(w.NewServer("s"), "S.M", func(*addArgs, *addReply) {})
				w.Spawn("c", func(p *Proc) { p.Call("s", "S.M", &addArgs{}, (*addReply)(nil)) })
			},
			status: Panic, reason: "reply is *sim.addReply, want *sim.addReply",
		},
		{
			name: "spins without advancing time",
			opts: Options{MaxSteps: 1000},
			setup: func(w *World) {
				w.Spawn("spinner", func(p *Proc) {
					for {
						p.Sleep(0)
					}
				})
			},
			status: Stuck, reason: "step budget of 1000 events used up",
		},
		{
			name: "retries forever against a dead server",
			opts: Options{MaxTime: time.Minute, Faults: Faults{DropRequest: 1}},
			setup: func(w *World) {
				Handle(w.NewServer("s"), "S.M", func(*addArgs, *addReply) {})
				w.Spawn("c", func(p *Proc) {
					for !p.Call("s", "S.M", &addArgs{}, &addReply{}) {
					}
				})
			},
			status: Stuck, reason: "virtual time budget 1m0s passed with 1 processes still running: [c (in Call s S.M)]",
		},
		{
			name:   "no processes",
			setup:  func(w *World) {},
			status: Done,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := New(1, tt.opts)
			tt.setup(w)
			r := w.Run()
			if r.Status != tt.status || r.Seed != 1 {
				t.Fatalf("status %v (%s) seed %d, want %v with seed 1", r.Status, r.Reason, r.Seed, tt.status)
			}
			if !strings.Contains(r.Reason, tt.reason) {
				t.Errorf("reason %q does not contain %q", r.Reason, tt.reason)
			}
			if !strings.Contains(r.Stack, tt.stack) {
				t.Errorf("stack does not mention %q:\n%s", tt.stack, r.Stack)
			}
		})
	}
}

// entropyOut is the panic of an entropy whose data ran out, as rapid's.
type entropyOut struct{}

// runsOut is entropy that panics with entropyOut after n draws.
type runsOut struct {
	Entropy
	n int
}

func (r *runsOut) Uint64N(k uint64) uint64 {
	if r.n--; r.n < 0 {
		panic(entropyOut{})
	}
	return r.Entropy.Uint64N(k)
}

// TestSchedulerPanicsLeaveRun: a panic of a callback scheduled with At, or
// of the entropy, makes Run panic with the same value, even when it was
// raised on the stack of a process that recovers from panics, or by a
// process's own draw: rapid tells a draw past its data from a failure by
// the panic's type, and the process did nothing wrong.
func TestSchedulerPanicsLeaveRun(t *testing.T) {
	tests := []struct {
		name  string
		opts  Options
		setup func(w *World)
		calls bool // the clients call server s
		alone bool // no clients
		want  any
	}{
		{
			name:  "callback",
			setup: func(w *World) { w.At(5*time.Millisecond, func() { panic("hook bug") }) },
			want:  "hook bug",
		},
		{
			// A process's own draws (a scenario's nemesis deciding as a
			// lock is acquired) run out too.
			name: "entropy, drawn by a process",
			opts: Options{Entropy: &runsOut{NewPCG(1), 25}},
			setup: func(w *World) {
				w.Spawn("drawer", func(p *Proc) {
					for range 40 {
						Chance(w.Stream("nemesis"), DecideNemesis, 0.5)
						Decide(w.Entropy(), DecideFaultLength, 10)
						p.Sleep(time.Millisecond)
					}
				})
			},
			alone: true,
			want:  entropyOut{},
		},
		{
			// A handler's draws too: the panic is the entropy's, never
			// the handler's, wherever the draw is made.
			name: "entropy, drawn by a handler",
			opts: Options{Entropy: &runsOut{struct{ Entropy }{NewPCG(1)}, 25}}, // one stream: the handler's draws run it out
			setup: func(w *World) {
				Handle(w.NewServer("s"), "S.M", func(*addArgs, *addReply) { Decide(w.Stream("handler"), DecideFaultLength, 10) })
			},
			calls: true,
			want:  entropyOut{},
		},
		{
			name: "entropy",
			opts: Options{Faults: chaos, Entropy: &runsOut{NewPCG(1), 40}},
			setup: func(w *World) {
				Handle(w.NewServer("s"), "S.M", func(*addArgs, *addReply) {})
			},
			calls: true,
			want:  entropyOut{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := New(1, tt.opts)
			tt.setup(w)
			clients := 2
			if tt.alone {
				clients = 0
			}
			for i := range clients {
				w.Spawn(fmt.Sprint("c", i), func(p *Proc) {
					defer func() { recover() }()
					for range 20 {
						p.Sleep(time.Duration(i+1) * time.Millisecond)
						if tt.calls {
							p.Call("s", "S.M", &addArgs{}, &addReply{})
						}
					}
				})
			}
			defer func() {
				if r := recover(); r != tt.want {
					t.Errorf("Run panicked with %#v, want %#v", r, tt.want)
				}
			}()
			w.Run()
			t.Error("Run returned")
		})
	}
}

// TestPanicsUpAChain: processes that resume one another form a chain of
// coroutines, each waiting for the one it resumed. A panic of a handler or
// a callback run by the deepest one reaches none of their deferred
// recovers: the handler's ends the run as its failure, the callback's
// leaves Run.
func TestPanicsUpAChain(t *testing.T) {
	chain := func(t *testing.T, w *World, crash func()) {
		Handle(w.NewServer("s"), "S.Crash", func(*addArgs, *addReply) {
			depth := 0
			for _, p := range w.procs {
				if p.onStack {
					depth++
				}
			}
			if depth != 3 {
				t.Errorf("the handler ran with %d processes on the chain, want 3", depth)
			}
			crash()
		})
		for i := range 3 {
			w.Spawn(fmt.Sprint("c", i), func(p *Proc) {
				defer func() { recover() }()
				if i < 2 {
					p.Sleep(time.Hour) // dispatching: the next process starts on this one's stack
				}
				p.Call("s", "S.Crash", &addArgs{}, &addReply{})
			})
		}
	}
	t.Run("handler", func(t *testing.T) {
		w := New(1, Options{})
		chain(t, w, func() { panic("server bug") })
		if r := w.Run(); r.Status != Panic || !strings.Contains(r.Reason, "handler S.Crash panicked: server bug") {
			t.Errorf("%v: %s, want the handler's panic", r.Status, r.Reason)
		}
	})
	t.Run("callback", func(t *testing.T) {
		w := New(1, Options{})
		chain(t, w, func() { w.At(w.Now(), func() { panic("hook bug") }) })
		defer func() {
			if r := recover(); r != "hook bug" {
				t.Errorf("Run panicked with %#v, want the callback's value", r)
			}
		}()
		w.Run()
		t.Error("Run returned")
	})
}

// TestNoGoroutineLeak ends runs with processes still blocked (stuck and
// panicking runs) and requires every coroutine to be gone afterwards.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for seed := range uint64(50) {
		w, _ := newCounterWorld(seed, Options{MaxTime: 300 * time.Millisecond, Faults: Faults{DropRequest: 0.9}})
		for range 5 {
			w.Spawn("c"+string(rune('a'+seed%26))+string(rune('0'+len(w.procs))), func(p *Proc) {
				defer func() { p.Sleep(time.Second) }() // a deferred sim call while unwinding must not hang
				for {
					p.Call("server", "Counter.Add", &addArgs{N: 1}, &addReply{})
				}
			})
		}
		if r := w.Run(); r.Status != Stuck {
			t.Fatalf("seed %d: %v, want stuck", seed, r.Status)
		}
	}
	// Exited goroutines may take a moment to be accounted for.
	for range 100 {
		if runtime.NumGoroutine() <= before {
			return
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
	t.Errorf("goroutines: %d before, %d after", before, runtime.NumGoroutine())
}

func TestMisuseOutsideProcess(t *testing.T) {
	w := New(1, Options{})
	var escaped *Proc
	w.Spawn("c", func(p *Proc) { escaped = p })
	w.Run()
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "from outside it") {
			t.Errorf("recover() = %v, want a misuse panic", r)
		}
	}()
	escaped.Sleep(time.Second)
}
