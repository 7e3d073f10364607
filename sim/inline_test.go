package sim

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestInlineMatchesLoop: processes that dispatch events on their own
// stacks and switch to one another directly (runInline) run every world
// exactly as processes that always yield to the loop do: the same trace,
// record for record, and the same ending. The worlds are drawn: up to six
// processes mixing calls and sleeps (with short, tying delays), processes
// that return early or panic, callbacks that spawn more processes, a
// handler that panics on demand, and faults.
func TestInlineMatchesLoop(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		type step struct {
			call  bool
			sleep time.Duration
			crash bool // the handler panics on this call
		}
		seed := rapid.Uint64().Draw(t, "seed")
		faulty := rapid.Bool().Draw(t, "faults")
		bodies := rapid.SliceOfN(rapid.SliceOfN(rapid.Custom(func(t *rapid.T) step {
			return step{
				call:  rapid.Bool().Draw(t, "call"),
				sleep: time.Duration(rapid.IntRange(0, 3).Draw(t, "sleep")) * time.Millisecond,
				crash: rapid.IntRange(0, 60).Draw(t, "crash") == 0,
			}
		}), 0, 12), 1, 6).Draw(t, "bodies")
		panics := rapid.IntRange(-1, len(bodies)-1).Draw(t, "panicking process")
		late := rapid.IntRange(0, len(bodies)-1).Draw(t, "processes spawned by callbacks") // the last starts at once

		build := func(yieldAtOnce bool) *World {
			opts := Options{Trace: true, MaxTime: time.Minute}
			if faulty {
				opts.Faults = chaos
			}
			w := New(seed, opts)
			w.yieldAtOnce = yieldAtOnce
			Handle(w.NewServer("s"), "S.Do", func(args *addArgs, reply *addReply) {
				if args.N < 0 {
					panic("handler bug")
				}
				reply.Sum = args.N
			})
			for i, body := range bodies {
				run := func(p *Proc) {
					for j, s := range body {
						if s.call {
							n := int64(j)
							if s.crash {
								n = -1
							}
							var reply addReply
							ok := p.Call("s", "S.Do", &addArgs{Client: i, Seq: j, N: n}, &reply)
							p.w.Note(p, fmt.Sprint(ok, reply.Sum))
						} else {
							p.Sleep(s.sleep)
						}
					}
					if i == panics {
						panic("client bug")
					}
				}
				name := fmt.Sprint("c", i)
				if i < late {
					w.At(time.Duration(i)*time.Millisecond, func() { w.Spawn(name, run) })
				} else {
					w.Spawn(name, run)
				}
			}
			return w
		}
		inline, loop := build(false), build(true)
		got, want := inline.Run(), loop.Run()
		if got.Hash != want.Hash || got.Status != want.Status || got.Reason != want.Reason || got.Steps != want.Steps {
			t.Fatalf("inline: %v %x %d steps %q\nloop:   %v %x %d steps %q", got.Status, got.Hash, got.Steps, got.Reason, want.Status, want.Hash, want.Steps, want.Reason)
		}
		if a, b := inline.Records(), loop.Records(); len(a) != len(b) {
			t.Fatalf("%d records inline, %d on the loop", len(a), len(b))
		} else {
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("record %d: inline %+v, loop %+v", i, a[i], b[i])
				}
			}
		}
	})
}
