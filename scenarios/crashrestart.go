package scenarios

import (
	"time"

	"github.com/kvsim/kvsim/sim"
)

// Crash-restart's shape: leader-cut's readers and writers, while a
// server, the leader, or every server crashes and restarts, every second
// or so, until crashRestartUntil.
const (
	crashRestartDown  = 200 * time.Millisecond // a crash lasts this, and up to a second more
	crashRestartUntil = 4 * time.Second        // no crash starts later
)

// crashRestart is the course's persistence tests (4C's) made a workload:
// servers of a cluster crash (their goroutines stop where they are, their
// messages in flight are lost) and restart from what they persisted, a
// Raft state and a snapshot taken past maxraftstate, while clients keep
// reading and writing. A correct service loses no acknowledged write and
// answers every operation once enough servers are back. On a single
// server it is leader-cut's workload (on keys of its own) without faults.
func crashRestart(e *Env) func() string {
	readersAndWriters(e, "x", "y")
	s := e.w.Stream("crash-restart")
	w := e.w
	e.crashServers("crash-restart", s, func() time.Duration {
		return 500*time.Millisecond + time.Duration(sim.Decide(s, sim.DecideFaultGap, uint64(time.Second)))
	}, func() time.Duration {
		return crashRestartDown + time.Duration(sim.Decide(s, sim.DecideFaultLength, uint64(time.Second)))
	}, func() bool { return w.Now() < crashRestartUntil })
	return nil
}
