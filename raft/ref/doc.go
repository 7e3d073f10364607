// Package ref is kvsim's reference Raft: leader election, log replication
// with fast backup, persistence and snapshots (Snapshot, InstallSnapshot),
// behind the course's contract (harness.Make, harness.Raft), for the
// tester of package raft/harness to hold to the checks of raft/raftcheck,
// and for the replicated key/value service to come to run on.
//
// It is written on the simulator's API directly: its goroutines are
// w.Go, its locks sim.Mutex and sim.Cond, its waits w.Clock().Sleep, its
// applyCh a *sim.Chan, its calls harness.End.Call over the simulated
// network. The replicated service it will carry has to run hundreds of
// thousands of seeds in one process, each a deterministic world, and a
// Raft written for real goroutines, channels and time would need the
// lab's rewriter and a build of its own for that. A student's Raft reaches
// the same API the other way: the lab's rewriter maps its go statements,
// channels, select, sync and time onto exactly these calls, so the two
// run side by side under the same tester, network and checks.
//
// Its shape is the usual one for the course: one mutex over all state; a
// ticker goroutine that starts an election when the election timeout
// (300-600ms, drawn from the server's own stream) passes without a valid
// leader or a granted vote; a vote request per peer in its own goroutine;
// a leader's heartbeat goroutine that sends AppendEntries (or
// InstallSnapshot, to a peer whose next entry is in the snapshot) to every
// peer every 100ms and at every Start, each call in its own goroutine, so
// that a peer cut off (whose calls take seconds to fail) never holds up
// the others; an applier goroutine that waits on a condition and sends on
// applyCh without the lock. Commit counts replicas of entries of the
// leader's own term only (the paper's Figure 8). The persisted state
// (term, vote, the snapshot's index and term, the log) is encoded
// compactly and saved with the snapshot, before any reply that depends on
// it.
package ref
