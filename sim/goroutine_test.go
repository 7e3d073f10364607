package sim

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// runMain runs main as the world's one process and returns the result.
func runMain(seed uint64, opts Options, main func(w *World)) Result {
	w := New(seed, opts)
	w.Spawn("main", func(*Proc) { main(w) })
	return w.Run()
}

func TestGoroutinesPingPong(t *testing.T) {
	var got []int
	r := runMain(1, Options{}, func(w *World) {
		ping, pong := NewChan[int](w, 0), NewChan[int](w, 0)
		w.Go(func() {
			for v := range ping.All() {
				pong.Send(v * 10)
			}
			pong.Close()
		})
		for i := range 3 {
			ping.Send(i)
			got = append(got, pong.Recv())
		}
		ping.Close()
		if _, ok := pong.Recv2(); ok {
			t.Error("pong not closed")
		}
	})
	if r.Status != Done || fmt.Sprint(got) != "[0 10 20]" {
		t.Fatalf("%v %s: got %v", r.Status, r.Reason, got)
	}
	if len(r.Leaked) != 0 {
		t.Errorf("leaked %v", r.Leaked)
	}
}

func TestSelectPicksEveryReadyCase(t *testing.T) {
	seen := map[int]bool{}
	for seed := range uint64(40) {
		r := runMain(seed, Options{}, func(w *World) {
			a, b := NewChan[int](w, 1), NewChan[string](w, 1)
			a.Send(1)
			b.Send("x")
			i := w.Select(a.RecvCase(), b.RecvCase(), Default())
			seen[i] = true
			switch i {
			case 0:
				if v, ok := a.Received(); v != 1 || !ok {
					t.Errorf("a: %v %v", v, ok)
				}
			case 1:
				if v, ok := b.Received(); v != "x" || !ok {
					t.Errorf("b: %v %v", v, ok)
				}
			}
		})
		if r.Status != Done {
			t.Fatal(r.Status, r.Reason)
		}
	}
	if !seen[0] || !seen[1] || seen[2] {
		t.Errorf("picked %v, want both ready cases and never the default", seen)
	}
}

func TestBlockedSelectWokenByCloseAndSend(t *testing.T) {
	r := runMain(3, Options{}, func(w *World) {
		a, b, c := NewChan[int](w, 0), NewChan[int](w, 0), (*Chan[int])(nil)
		w.Go(func() { b.Close() })
		switch i := w.Select(a.RecvCase(), b.RecvCase(), c.RecvCase()); i {
		case 1:
			if v, ok := b.Received(); v != 0 || ok {
				t.Errorf("closed b gave %v %v", v, ok)
			}
		default:
			t.Errorf("case %d", i)
		}
		w.Go(func() { a.Recv() })
		if i := w.Select(c.SendCase(1), a.SendCase(5)); i != 1 {
			t.Errorf("send case %d", i)
		}
	})
	if r.Status != Done {
		t.Fatal(r.Status, r.Reason)
	}
}

func TestMutexCondWaitGroupOnce(t *testing.T) {
	r := runMain(5, Options{}, func(w *World) {
		mu := NewMutex(w)
		cond := NewCond(w, mu)
		wg := NewWaitGroup(w)
		once := NewOnce(w)
		n, ready, inits := 0, false, 0
		for range 4 {
			wg.Go(func() {
				once.Do(func() { inits++ })
				mu.Lock()
				for !ready {
					cond.Wait()
				}
				n++
				mu.Unlock()
			})
		}
		w.Clock().Sleep(time.Millisecond)
		mu.Lock()
		ready = true
		cond.Broadcast()
		mu.Unlock()
		wg.Wait()
		if n != 4 || inits != 1 {
			t.Errorf("n %d inits %d", n, inits)
		}
	})
	if r.Status != Done {
		t.Fatal(r.Status, r.Reason)
	}
}

func TestTimers(t *testing.T) {
	r := runMain(7, Options{}, func(w *World) {
		c := w.Clock()
		start := c.Now()
		tm := c.NewTimer(5 * time.Millisecond)
		if !tm.Stop() {
			t.Error("Stop of a pending timer: false")
		}
		if i := w.Select(tm.C.RecvCase(), c.After(10*time.Millisecond).RecvCase()); i != 1 {
			t.Error("a stopped timer fired")
		}
		if d := c.Since(start); d != 10*time.Millisecond {
			t.Errorf("Since %v", d)
		}
		tm.Reset(time.Millisecond)
		if at := tm.C.Recv(); at.Sub(start) != 11*time.Millisecond {
			t.Errorf("fired at %v", at.Sub(start))
		}
		tk := c.NewTicker(2 * time.Millisecond)
		for range 3 {
			tk.C.Recv()
		}
		tk.Stop()
		fired := NewChan[bool](w, 1)
		c.AfterFunc(time.Millisecond, func() { fired.Send(true) })
		if !fired.Recv() || c.Since(start) != 18*time.Millisecond {
			t.Errorf("AfterFunc at %v", c.Since(start))
		}
	})
	if r.Status != Done {
		t.Fatal(r.Status, r.Reason)
	}
}

func TestDeadlockNamesEveryGoroutine(t *testing.T) {
	run := func() Result {
		return runMain(11, Options{}, func(w *World) {
			a, b := NewMutex(w), NewMutex(w)
			wg := NewWaitGroup(w)
			wg.Add(2)
			w.GoNamed("left", func() {
				a.Lock()
				w.Clock().Sleep(time.Millisecond)
				b.Lock() // left waits here
				wg.Done()
			})
			w.GoNamed("right", func() {
				b.Lock()
				w.Clock().Sleep(time.Millisecond)
				a.Lock() // right waits here
				wg.Done()
			})
			wg.Wait()
		})
	}
	r := run()
	if r.Status != Stuck || !strings.HasPrefix(r.Reason, "deadlock") {
		t.Fatalf("%v: %s", r.Status, r.Reason)
	}
	for _, want := range []string{
		"main blocked in WaitGroup.Wait at goroutine_test.go:",
		"main/g1 (left) blocked in Mutex.Lock at goroutine_test.go:", "the Mutex is held by main/g2",
		"main/g2 (right) blocked in Mutex.Lock at goroutine_test.go:", "the Mutex is held by main/g1",
		"created at goroutine_test.go:",
	} {
		if !strings.Contains(r.Reason, want) {
			t.Errorf("reason lacks %q:\n%s", want, r.Reason)
		}
	}
	if again := run(); again.Reason != r.Reason || again.Hash != r.Hash {
		t.Errorf("not reproducible:\n%s\n%s", r.Reason, again.Reason)
	}
}

func TestLeakReported(t *testing.T) {
	body := func(w *World) {
		c := NewChan[int](w, 0)
		w.GoNamed("stuck", func() { c.Recv() })
		w.Clock().Sleep(time.Millisecond)
	}
	r := runMain(1, Options{}, body)
	if r.Status != Done || len(r.Leaked) != 1 {
		t.Fatalf("%v %s %v", r.Status, r.Reason, r.Leaked)
	}
	if g := r.Leaked[0]; g.Name != "main/g1" || g.State != "blocked in chan receive" || !strings.HasPrefix(g.At, "goroutine_test.go:") {
		t.Errorf("leak %+v", g)
	}
	r = runMain(1, Options{FailOnLeak: true}, body)
	if r.Status != Stuck || !strings.Contains(r.Reason, "goroutine leak: 1 goroutines") || !strings.Contains(r.Reason, "main/g1 (stuck) blocked in chan receive at goroutine_test.go:") {
		t.Errorf("%v %s", r.Status, r.Reason)
	}
}

func TestSendOnClosedChannel(t *testing.T) {
	r := runMain(1, Options{}, func(w *World) {
		c := NewChan[int](w, 1)
		c.Close()
		w.GoNamed("sender", func() { c.Send(1) })
		w.Clock().Sleep(time.Second)
	})
	if r.Status != Panic || !strings.Contains(r.Reason, "goroutine main/g1 (sender) panicked: send on closed channel at goroutine_test.go:") {
		t.Fatalf("%v: %s", r.Status, r.Reason)
	}
	var recovered any
	runMain(1, Options{}, func(w *World) {
		defer func() { recovered = recover() }()
		NewChan[int](w, 0).Close()
		(*Chan[int])(nil).Close()
	})
	var re runtime.Error
	if err, ok := recovered.(error); !ok || !errors.As(err, &re) || err.Error() != "close of nil channel" {
		t.Errorf("recovered %v", recovered)
	}
}

func TestMachineCrashRestart(t *testing.T) {
	type counter struct{ n int }
	var log []string
	w := New(1, Options{})
	var cur *counter
	m := w.NewMachine("m", func(m *Machine) {
		c := &counter{}
		if s := m.Persister().ReadState(); len(s) > 0 {
			c.n = int(s[0])
		}
		cur = c
		mu := NewMutex(w)
		Handle(m.Server(), "C.Add", func(args *addArgs, reply *addReply) {
			mu.Lock()
			defer mu.Unlock()
			w.Clock().Sleep(time.Millisecond) // a handler may block
			c.n += int(args.N)
			m.Persister().Save([]byte{byte(c.n)}, nil)
			reply.Sum = int64(c.n)
		})
		w.Go(func() {
			for {
				w.Clock().Sleep(10 * time.Millisecond)
				log = append(log, fmt.Sprintf("tick %d", m.Incarnation()))
			}
		})
	})
	w.Spawn("client", func(p *Proc) {
		var reply addReply
		if !p.Call("m", "C.Add", &addArgs{N: 2}, &reply) || reply.Sum != 2 {
			t.Errorf("first add: %v", reply)
		}
		p.Sleep(15 * time.Millisecond)
		m.Crash()
		if p.Call("m", "C.Add", &addArgs{N: 1}, &reply) {
			t.Error("a call to a crashed machine succeeded")
		}
		m.Restart()
		if cur.n != 2 {
			t.Errorf("restarted with %d", cur.n)
		}
		if !p.Call("m", "C.Add", &addArgs{N: 1}, &reply) || reply.Sum != 3 {
			t.Errorf("add after restart: %v", reply)
		}
		p.Sleep(15 * time.Millisecond)
	})
	r := w.Run()
	if r.Status != Done {
		t.Fatal(r.Status, r.Reason)
	}
	if got := strings.Join(log, ","); got != "tick 1,tick 2" {
		t.Errorf("ticks %s", got)
	}
	if len(r.Leaked) != 1 || r.Leaked[0].State != "blocked in sleep" {
		t.Errorf("leaked %v", r.Leaked)
	}
}

// TestFirstDifferenceInGoroutineCode: two runs of a goroutine program
// that part where one goroutine, in its third round, sends on another
// channel are equal up to that round's operations, and FirstDifference
// names a goroutine record at that instant.
func TestFirstDifferenceInGoroutineCode(t *testing.T) {
	run := func(odd bool) []Fold {
		var log FoldLog
		runMain(4, Options{OnFold: log.Add}, func(w *World) {
			a, b := NewChan[int](w, 0), NewChan[int](w, 0)
			for _, c := range []*Chan[int]{a, b} {
				w.Go(func() {
					for range c.All() {
					}
				})
			}
			for i := range 5 {
				w.Clock().Sleep(time.Millisecond)
				if odd && i == 2 {
					b.Send(i)
				} else {
					a.Send(i)
				}
			}
		})
		return log.Folds
	}
	a, b := run(false), run(true)
	i := FirstDifference(a, b)
	if i < 0 {
		t.Fatal("the runs do not differ")
	}
	switch a[i].Kind {
	case RecReady, RecPark, RecSelect, RecTie, RecGo, RecGoExit:
	default:
		t.Errorf("they part at %v, not at a goroutine record", a[i])
	}
	if a[i].At != 3*time.Millisecond {
		t.Errorf("they part at %v, want at the third round (3ms)", a[i].At)
	}
}
