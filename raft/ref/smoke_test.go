package ref_test

import (
	"testing"
	"time"

	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/raft/ref"
	"github.com/kvsim/kvsim/sim"
)

func TestSmoke(t *testing.T) {
	for seed := range uint64(20) {
		w := sim.New(seed, sim.Options{})
		c := harness.New(w, harness.Config{Servers: 3, Make: ref.Make, PollEvery: 50 * time.Millisecond, Snapshots: true})
		w.Spawn("tester", func(p *sim.Proc) {
			c.Poll()
			defer c.Stop()
			leader := c.CheckOneLeader()
			c.One(101, 3, false)
			c.Crash(leader)
			c.One(102, 2, true)
			for i := range 25 {
				c.One(200+i, 2, true)
			}
			c.Restart(leader)
			c.ConnectAll()
			c.One(103, 3, true)
			c.Finish()
		})
		r := w.Run()
		if v := c.Violation(); v != nil {
			t.Fatalf("seed %d: %v", seed, v)
		}
		if r.Status != sim.Done {
			t.Fatalf("seed %d: %v: %s", seed, r.Status, r.Reason)
		}
		t.Logf("seed %d: %v, %d steps, %d RPCs", seed, r.Time, r.Steps, c.RPCTotal())
	}
}
