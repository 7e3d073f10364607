package sim

import (
	"fmt"
	"testing"
)

// TestOnSendSeesEverySend: OnSend's observer sees each value once, as
// its send completes, whichever way it completes: handed to a waiting
// receiver, put in the buffer, taken from a blocked sender by a receive
// (into a full buffer, or hand to hand), or chosen as a select's case.
func TestOnSendSeesEverySend(t *testing.T) {
	for _, size := range []int{0, 1} {
		var seen []int
		r := runMain(2, Options{}, func(w *World) {
			c := NewChan[int](w, size)
			c.OnSend(func(v int) { seen = append(seen, v) })
			done := NewChan[bool](w, 0)
			w.Go(func() { // a receiver that waits first
				c.Recv()
				done.Send(true)
			})
			w.Clock().Sleep(1)
			c.Send(1)
			done.Recv()
			w.Go(func() { c.Send(2); c.Send(3) }) // blocks on an unbuffered or full channel
			w.Clock().Sleep(1)
			if len(seen) != 1+size {
				t.Errorf("size %d: seen %v before any receive", size, seen)
			}
			c.Recv()
			c.Recv()
			w.Go(func() { c.Recv() })
			w.Clock().Sleep(1)
			w.Select(c.SendCase(4))
			w.Clock().Sleep(1)
			c.Close()
		})
		if r.Status != Done {
			t.Fatalf("size %d: %v %s", size, r.Status, r.Reason)
		}
		if got := fmt.Sprint(seen); got != "[1 2 3 4]" {
			t.Errorf("size %d: seen %v, want [1 2 3 4]", size, got)
		}
	}
}
