package simrapid_test

import (
	"testing"
	"time"

	"github.com/kvsim/kvsim/sim"
	"github.com/kvsim/kvsim/sim/simrapid"
	"pgregory.net/rapid"
)

type incArgs struct{ N int }
type incReply struct{ Total int }

// TestRapidDrivesTheSchedule lets rapid choose every delay, drop and tie:
// whatever it chooses, a retrying client eventually gets every call through
// and the run replays to the same hash from the same draws.
func TestRapidDrivesTheSchedule(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		faults := sim.Faults{DropRequest: 0.3, DropReply: 0.3, Jitter: time.Millisecond, TailProb: 0.1, Tail: 50 * time.Millisecond}
		w := sim.New(0, sim.Options{Entropy: simrapid.Entropy(rt), Faults: faults})
		total := 0
		sim.Handle(w.NewServer("s"), "S.Inc", func(a *incArgs, r *incReply) { total += a.N; r.Total = total })
		acked := 0
		for _, name := range []string{"a", "b"} {
			w.Spawn(name, func(p *sim.Proc) {
				for range 3 {
					for !p.Call("s", "S.Inc", &incArgs{N: 1}, &incReply{}) {
						p.Sleep(5 * time.Millisecond)
					}
					acked++
				}
			})
		}
		r := w.Run()
		if r.Status != sim.Done {
			rt.Fatalf("%v: %s", r.Status, r.Reason)
		}
		if acked != 6 || total < 6 {
			rt.Fatalf("acked %d, total %d", acked, total)
		}
	})
}
