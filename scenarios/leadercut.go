package scenarios

import (
	"strconv"
	"time"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/sim"
)

// Leader-cut's shape: clients that read two keys, and others that mostly
// write them, for a few seconds, pausing between operations, while the leader is cut off from
// the other servers (its clients still reach it) every second or so, for
// long enough that the others elect another leader and the writers,
// whose writes time out at the old one (two calls of 400ms), find the new
// one, while the readers may still be reading at the old one.
const (
	leaderCutClients = 5
	leaderCutReaders = 2                      // the first clients only read; the others write two times in three
	leaderCutThink   = 100 * time.Millisecond // at most, between operations
	leaderCutFor     = 2 * time.Second        // a cut lasts this, and up to a second more
	leaderCutUntil   = 4 * time.Second        // no cut starts later
	leaderCutOps     = 6 * time.Second        // no operation starts later
)

// leaderCut is the course's partition tests (4B's) made a workload: a
// replicated service's leader is cut off from its majority, repeatedly,
// while every client can still reach it. A correct service lets the old
// leader answer nothing that needs its majority; a leader that reads its
// own state without a round of the log (a read served by a deposed
// leader) returns stale values, which linearizability rejects. On a
// single server it is a random workload with pauses.
func leaderCut(e *Env) func() string {
	readersAndWriters(e, "a", "b")
	w := e.w
	s := e.w.Stream("leader-cut")
	e.cutLeaders("leader-cut", s, func() time.Duration {
		return 500*time.Millisecond + time.Duration(sim.Decide(s, sim.DecideFaultGap, uint64(time.Second)))
	}, func() time.Duration {
		return leaderCutFor + time.Duration(sim.Decide(s, sim.DecideFaultLength, uint64(time.Second)))
	}, func() bool { return w.Now() < leaderCutUntil })
	return nil
}

// readersAndWriters spawns leader-cut's clients: readers of two keys and
// writers of them, each pausing between operations, until leaderCutOps.
func readersAndWriters(e *Env, key0, key1 string) {
	keys := []string{key0, key1}
	w := e.w
	for id := range leaderCutClients {
		ent := clientStream(e, e.spawned)
		reader := id < leaderCutReaders
		e.Spawn(func(c *Client) {
			var seen [2]rpc.Tversion
			for i := 0; w.Now() < leaderCutOps; i++ {
				k := ent.Uint64N(uint64(len(keys)))
				if reader || ent.Uint64N(3) == 0 {
					_, seen[k], _ = c.Get(keys[k])
				} else if c.Put(keys[k], c.name+"."+strconv.Itoa(i), seen[k]) == rpc.OK {
					seen[k]++
				}
				c.Sleep(time.Duration(ent.Uint64N(uint64(leaderCutThink))))
			}
		})
	}
	e.AddSlack(leaderCutOps)
}
