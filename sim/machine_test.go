package sim

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"
)

// TestNilChannelDeadlock: a receive from a nil channel blocks forever, and
// the deadlock names it and its line.
func TestNilChannelDeadlock(t *testing.T) {
	r := runMain(1, Options{}, func(w *World) {
		var c *Chan[int]
		Recv(w, c)
	})
	if r.Status != Stuck || !strings.Contains(r.Reason, "main blocked in chan receive (nil chan) at machine_test.go:") {
		t.Errorf("%v: %s", r.Status, r.Reason)
	}
}

// TestReportsReplay: the same seed reports a leak, a panic and a deadlock
// in the same words, twice over.
func TestReportsReplay(t *testing.T) {
	for name, body := range map[string]func(w *World){
		"leak": func(w *World) {
			c := NewChan[int](w, 0)
			w.GoNamed("stuck", func() { c.Send(1) })
			w.Clock().Sleep(time.Millisecond)
		},
		"panic": func(w *World) {
			c := NewChan[int](w, 0)
			w.Go(func() { c.Close() })
			w.Go(func() { c.Close() })
			w.Clock().Sleep(time.Millisecond)
		},
		"deadlock": func(w *World) {
			c := NewChan[int](w, 0)
			w.Go(func() { c.Recv() })
			c.Recv()
		},
	} {
		a, b := runMain(3, Options{FailOnLeak: true}, body), runMain(3, Options{FailOnLeak: true}, body)
		if a.Status == Done || a.Reason != b.Reason || a.Hash != b.Hash || !strings.Contains(a.Reason, "main/g") || !strings.Contains(a.Reason, "machine_test.go:") {
			t.Errorf("%s: %v %q, then %v %q", name, a.Status, a.Reason, b.Status, b.Reason)
		}
	}
}

// TestHandlerAtOnceCannotBlock: a handler of a server that is not on a
// machine runs at once, with nobody to wait for: locking a held mutex
// there fails the run, naming the handler and who holds the mutex.
func TestHandlerAtOnceCannotBlock(t *testing.T) {
	w := New(1, Options{})
	mu := NewMutex(w)
	Handle(w.NewServer("s"), "S.Do", func(*addArgs, *addReply) { mu.Lock() })
	w.Spawn("c", func(p *Proc) {
		mu.Lock()
		p.Call("s", "S.Do", &addArgs{}, &addReply{})
	})
	r := w.Run()
	if r.Status != Panic || !strings.Contains(r.Reason, "Mutex.Lock would block in handler S.Do of server s") || !strings.Contains(r.Reason, "held by c") {
		t.Errorf("%v: %s", r.Status, r.Reason)
	}
}

// TestCrashLosesMessagesInFlight: a request in flight to a machine when
// it crashes is lost even if the machine is back when it would arrive; so
// is the reply of a handler that was running; a request sent while the
// machine is down is lost too. The caller's call times out each time.
func TestCrashLosesMessagesInFlight(t *testing.T) {
	w := New(1, Options{})
	handled := 0
	m := w.NewMachine("m", func(m *Machine) {
		Handle(m.Server(), "M.Slow", func(args *addArgs, reply *addReply) {
			handled++
			w.Clock().Sleep(time.Duration(args.N) * time.Millisecond)
			reply.Sum = args.N
		})
	})
	w.Spawn("c", func(p *Proc) {
		var reply addReply
		w.At(w.Now()+DefaultLatency/2, func() { m.Crash(); m.Restart() }) // the request is on its way
		if p.Call("m", "M.Slow", &addArgs{N: 1}, &reply) || handled != 0 {
			t.Errorf("a request in flight at the crash was handled (%d)", handled)
		}
		w.At(w.Now()+DefaultLatency+DefaultLatency/2, func() { m.Crash(); m.Restart() }) // the handler sleeps
		if p.Call("m", "M.Slow", &addArgs{N: 1}, &reply) || handled != 1 {
			t.Errorf("a crashed handler's reply arrived (%d handled)", handled)
		}
		m.Crash()
		if p.Call("m", "M.Slow", &addArgs{N: 1}, &reply) || handled != 1 {
			t.Errorf("a machine that is down handled a request (%d)", handled)
		}
		m.Restart()
		if !p.Call("m", "M.Slow", &addArgs{N: 1}, &reply) || reply.Sum != 1 {
			t.Error("the restarted machine does not answer")
		}
	})
	if r := w.Run(); r.Status != Done {
		t.Fatal(r.Status, r.Reason)
	}
}

// TestHandlingNamesRunningHandlers: a machine lists the requests whose
// handlers have not returned, oldest first, with their callers and
// arrival times; a handler's return takes it off, and a crash clears them
// all.
func TestHandlingNamesRunningHandlers(t *testing.T) {
	w := New(1, Options{CallTimeout: time.Millisecond})
	release := NewChan[struct{}](w, 0)
	m := w.NewMachine("m", func(m *Machine) {
		Handle(m.Server(), "M.Wait", func(*addArgs, *addReply) { release.Recv() })
	})
	w.Spawn("c1", func(p *Proc) { p.Call("m", "M.Wait", &addArgs{}, &addReply{}) })
	w.Spawn("c2", func(p *Proc) {
		p.Sleep(time.Millisecond)
		p.Call("m", "M.Wait", &addArgs{}, &addReply{})
	})
	w.Spawn("check", func(p *Proc) {
		p.Sleep(10 * time.Millisecond)
		h := m.Handling()
		if len(h) != 2 || h[0].Method != "M.Wait" || h[0].From != "c1" || h[1].From != "c2" || h[0].Since >= h[1].Since {
			t.Errorf("handling %+v, want c1's then c2's M.Wait", h)
		}
		release.Send(struct{}{})
		p.Sleep(time.Millisecond)
		if h := m.Handling(); len(h) != 1 {
			t.Errorf("after one returned: %+v", h)
		}
		m.Crash()
		if h := m.Handling(); len(h) != 0 {
			t.Errorf("after the crash: %+v", h)
		}
	})
	if r := w.Run(); r.Status != Done {
		t.Fatal(r.Status, r.Reason)
	}
}

// TestPersisterIsAtomic: a machine saves a counter in its state and again
// in its snapshot, in one Save, as often as it can; crashes at drawn
// instants never leave the two apart, and the machine restarts from the
// last Save.
func TestPersisterIsAtomic(t *testing.T) {
	for seed := range uint64(50) {
		w := New(seed, Options{})
		var last uint64
		m := w.NewMachine("m", func(m *Machine) {
			ps := m.Persister()
			n := uint64(0)
			if s := ps.ReadState(); len(s) > 0 {
				a, _ := binary.Uvarint(s)
				b, _ := binary.Uvarint(ps.ReadSnapshot())
				if a != b || a != last {
					t.Errorf("seed %d: restarted with state %d, snapshot %d, last saved %d", seed, a, b, last)
				}
				n = a
			}
			w.Go(func() {
				for {
					n++
					enc := binary.AppendUvarint(nil, n)
					ps.Save(enc, enc)
					last = n
					w.Clock().Sleep(time.Duration(1+w.Stream("work").Uint64N(3)) * time.Millisecond)
				}
			})
		})
		chaos := w.Stream("chaos")
		w.Spawn("tester", func(p *Proc) {
			for range 5 {
				p.Sleep(time.Duration(chaos.Uint64N(10)) * time.Millisecond)
				m.Crash()
				m.Restart()
			}
		})
		if r := w.Run(); r.Status != Done {
			t.Fatal(r.Status, r.Reason)
		}
	}
}

// TestMachineCrashesItself: a goroutine that crashes its own machine stops
// there, its deferred calls never run during the run, and its machine's
// timers never fire.
func TestMachineCrashesItself(t *testing.T) {
	w := New(1, Options{})
	var after, deferred, fired bool
	var m *Machine
	m = w.NewMachine("m", func(m *Machine) {
		w.Clock().AfterFunc(5*time.Millisecond, func() { fired = true })
		w.Go(func() {
			defer func() { deferred = true }()
			w.Clock().Sleep(time.Millisecond)
			m.Crash()
			after = true
		})
	})
	w.Spawn("tester", func(p *Proc) {
		p.Sleep(10 * time.Millisecond)
		if m.Up() || after || deferred || fired {
			t.Errorf("up %v, went on %v, deferred %v, timer fired %v", m.Up(), after, deferred, fired)
		}
	})
	if r := w.Run(); r.Status != Done || len(r.Leaked) != 0 {
		t.Fatal(r.Status, r.Reason, r.Leaked)
	}
}
