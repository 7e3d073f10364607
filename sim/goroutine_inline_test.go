package sim

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestGoroutinesInlineMatchLoop: goroutine programs (channels of every
// kind, selects, locks, conditions, timers, sleeps, machines that crash
// and restart, handlers that block) run exactly as they do when every
// goroutine yields to the loop as it blocks: the same trace, record for
// record, and the same ending. The programs are drawn.
func TestGoroutinesInlineMatchLoop(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		seed := rapid.Uint64().Draw(t, "seed")
		type op struct {
			kind  int
			ch    int
			sleep time.Duration
		}
		const nchans = 3
		sizes := rapid.SliceOfN(rapid.IntRange(0, 2), nchans, nchans).Draw(t, "sizes")
		progs := rapid.SliceOfN(rapid.SliceOfN(rapid.Custom(func(t *rapid.T) op {
			return op{
				kind:  rapid.IntRange(0, 9).Draw(t, "kind"),
				ch:    rapid.IntRange(0, nchans-1).Draw(t, "ch"),
				sleep: time.Duration(rapid.IntRange(0, 2).Draw(t, "sleep")) * time.Millisecond,
			}
		}), 0, 10), 1, 5).Draw(t, "goroutines")
		crashAt := time.Duration(rapid.IntRange(0, 20).Draw(t, "crash at")) * time.Millisecond

		build := func(yieldAtOnce bool) *World {
			w := New(seed, Options{Trace: true, MaxTime: time.Second})
			w.yieldAtOnce = yieldAtOnce
			chans := make([]*Chan[int], nchans)
			for i := range chans {
				chans[i] = NewChan[int](w, sizes[i])
			}
			mu := NewMutex(w)
			cond := NewCond(w, mu)
			wg := NewWaitGroup(w)
			count := 0
			body := func(i int, prog []op) {
				for j, o := range prog {
					c := chans[o.ch]
					switch o.kind {
					case 0:
						c.Send(j)
					case 1:
						v, ok := c.Recv2()
						w.Notef(w.Running(), "%d got %d %v", i, v, ok)
					case 2:
						k := w.Select(c.RecvCase(), chans[(o.ch+1)%nchans].SendCase(j), w.Clock().After(o.sleep).RecvCase())
						w.Notef(w.Running(), "%d case %d", i, k)
					case 3:
						k := w.Select(c.SendCase(j), Default())
						w.Notef(w.Running(), "%d case %d", i, k)
					case 4:
						mu.Lock()
						count++
						cond.Broadcast()
						mu.Unlock()
					case 5:
						mu.Lock()
						if count < 2 {
							cond.Wait()
						}
						mu.Unlock()
					case 6:
						w.Clock().Sleep(o.sleep)
					case 7:
						tm := w.Clock().NewTimer(o.sleep)
						if j%2 == 0 {
							tm.Stop()
						} else {
							tm.C.Recv()
						}
					default:
						w.Clock().Sleep(0)
					}
				}
			}
			var m *Machine
			m = w.NewMachine("m", func(m *Machine) {
				Handle(m.Server(), "M.Op", func(args *addArgs, reply *addReply) {
					mu.Lock()
					defer mu.Unlock()
					reply.Sum = int64(count)
				})
				w.Go(func() {
					for {
						w.Clock().Sleep(3 * time.Millisecond)
						mu.Lock()
						count++
						cond.Signal()
						mu.Unlock()
					}
				})
			})
			w.Spawn("main", func(p *Proc) {
				defer func() {
					if r := recover(); r != nil {
						w.Note(p, fmt.Sprint("recovered ", r))
					}
				}()
				for i, prog := range progs {
					wg.Go(func() { body(i, prog) })
				}
				w.At(crashAt, func() { m.Restart() })
				var reply addReply
				ok := p.Call("m", "M.Op", &addArgs{}, &reply)
				w.Notef(p, "call %v %d", ok, reply.Sum)
				w.Clock().Sleep(50 * time.Millisecond)
			})
			return w
		}
		inline, loop := build(false), build(true)
		got, want := inline.Run(), loop.Run()
		if got.Hash != want.Hash || got.Status != want.Status || got.Reason != want.Reason || got.Steps != want.Steps {
			t.Fatalf("inline: %v %x %d steps %q\nloop:   %v %x %d steps %q", got.Status, got.Hash, got.Steps, got.Reason, want.Status, want.Hash, want.Steps, want.Reason)
		}
		a, b := inline.Records(), loop.Records()
		for i := range min(len(a), len(b)) {
			if a[i] != b[i] {
				t.Fatalf("record %d: inline %+v, loop %+v", i, a[i], b[i])
			}
		}
		if len(a) != len(b) {
			t.Fatalf("%d records inline, %d on the loop", len(a), len(b))
		}
	})
}
