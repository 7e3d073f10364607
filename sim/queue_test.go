package sim

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestQueueOrder: whatever the pushes, cancellations and pops, live events
// leave the queue in (at, seq) order, cancelled ones never, and the run
// (gathered and compacted, as World.next does) holds exactly the live
// events of the earliest instant, in sequence order, all earlier than the
// heap's.
func TestQueueOrder(t *testing.T) {
	type ref struct {
		at   time.Duration
		seq  uint64
		slot int32
	}
	rapid.Check(t, func(t *rapid.T) {
		var q eventQueue
		var live []ref // the reference: live events
		seq := uint64(0)
		for range rapid.IntRange(1, 200).Draw(t, "steps") {
			switch op := rapid.IntRange(0, 3).Draw(t, "op"); {
			case op <= 1 || len(live) == 0: // push, at a few instants so that ties are common
				seq++
				at := time.Duration(rapid.IntRange(0, 5).Draw(t, "at"))
				slot, e := q.push(at, seq)
				e.set(evFunc, nil, seq, 0, nil, nil)
				live = append(live, ref{at, seq, slot})
			case op == 2: // cancel a live event
				i := rapid.IntRange(0, len(live)-1).Draw(t, "cancel")
				q.cancel(live[i].slot)
				live = slices.Delete(live, i, i+1)
			default: // check due, then pop the earliest live event
				slices.SortFunc(live, func(a, b ref) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.seq, b.seq)) })
				q.dropCancelled()
				var got, want []uint64
				if len(q.run) == 0 { // as World.next
					q.gather()
				}
				q.compact()
				for _, r := range q.run {
					for _, h := range q.heap {
						if h.at <= r.at {
							t.Fatalf("run at %d, but the heap holds an entry at %d", r.at, h.at)
						}
					}
					got = append(got, r.seq)
				}
				slot := q.take(0)
				for _, r := range live {
					if r.at == live[0].at {
						want = append(want, r.seq)
					}
				}
				if !slices.Equal(got, want) {
					t.Fatalf("due %v, want %v", got, want)
				}
				if e := q.slots[slot]; e.wait != live[0].seq || e.kind != evFunc {
					t.Fatalf("popped seq %d (kind %d), want %d", e.wait, e.kind, live[0].seq)
				}
				q.release(slot)
				live = live[1:]
			}
			if q.len() != len(live) {
				t.Fatalf("len %d, want %d live events", q.len(), len(live))
			}
		}
	})
}
