package scenarios

import (
	"strconv"
	"time"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/sim"
)

// Deaf-leader's shape: two writers and six readers of two keys; a reader
// idles, one time in two, for up to 2.5s, so that it comes back to the
// server it last found leading after that server was deposed. Every
// 0.3-1.3s until 4s the leader goes deaf (its followers' messages to it
// are lost, one-way) for up to a second, then is cut off both ways for
// 0.15-1.65s, about as long as its successor takes to commit a Put.
const (
	deafWriters  = 2 // the first clients; they read a key, then Put at the version read
	deafReaders  = 6
	deafThink    = 100 * time.Millisecond  // at most, between operations
	deafIdle     = 2500 * time.Millisecond // at most, a reader's idle spell
	deafFor      = time.Second             // at most, the one-way part of a cut
	deafCutFor   = 150 * time.Millisecond  // at least, the two-way part
	deafCutUpTo  = 1500 * time.Millisecond // and up to this more
	deafCutUntil = 4 * time.Second         // no cut starts later
	deafOps      = 6 * time.Second         // no operation starts later
)

// deafLeader aims at a deposed leader's log. While the leader is deaf,
// its followers take its entries and their acknowledgements are lost, so
// it starts requests it never sees committed; cut off, it is deposed, and
// its successor commits those entries and then the writers' Puts. A
// reader that idled through it all comes back to the old leader with a
// request equal to one in its log: a server that answers it from that
// entry (an rsm that joins an equal request to a logged one, say) returns
// a state the writers had already overwritten, which linearizability
// rejects. A one-way cut is a run of lost replies that a network which
// drops messages may produce: no delivery guarantee is broken. On a
// single server it is a random workload with idle readers.
func deafLeader(e *Env) func() string {
	keys := []string{"a", "b"}
	w := e.w
	for id := range deafWriters + deafReaders {
		ent := clientStream(e, e.spawned)
		writer := id < deafWriters
		e.Spawn(func(c *Client) {
			var seen [2]rpc.Tversion
			for i := 0; w.Now() < deafOps; i++ {
				k := ent.Uint64N(uint64(len(keys)))
				think := time.Duration(ent.Uint64N(uint64(deafThink)))
				if !writer {
					c.Get(keys[k])
					if ent.Uint64N(2) == 0 {
						think = deafThink + time.Duration(ent.Uint64N(uint64(deafIdle)))
					}
				} else if _, seen[k], _ = c.Get(keys[k]); c.Put(keys[k], c.name+"."+strconv.Itoa(i), seen[k]) == rpc.OK {
					seen[k]++
				}
				c.Sleep(think)
			}
		})
	}
	e.AddSlack(deafOps)
	s := w.Stream("deaf-leader")
	e.atLeaders("deaf-leader", s, func() time.Duration {
		return 300*time.Millisecond + time.Duration(sim.Decide(s, sim.DecideFaultGap, uint64(time.Second)))
	}, func() bool { return w.Now() < deafCutUntil }, func(p *sim.Proc, leader string) {
		e.eachOther(leader, func(other string) { w.CutFrom(other, leader) })
		p.Sleep(time.Duration(sim.Decide(s, sim.DecideFaultLength, uint64(deafFor))))
		e.eachOther(leader, func(other string) {
			w.HealFrom(other, leader)
			w.Cut(leader, other)
		})
		p.Sleep(deafCutFor + time.Duration(sim.Decide(s, sim.DecideFaultLength, uint64(deafCutUpTo))))
		e.eachOther(leader, func(other string) { w.Heal(leader, other) })
	})
	return nil
}
