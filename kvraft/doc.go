// Package kvraft is kvsim's reference replicated key/value service: the
// versioned service of package kv, replicated over Raft, shaped as the
// course's kvraft1 lab. Its one job is the service's replicated side: a
// server (Server) whose Get and Put go through the log (package rsm's
// Submit) and whose state machine is exactly package kv's server, and a
// clerk (Clerk) that finds the leader among every server's name.
//
// The state machine is a kv.Server, so that the replicated service's
// semantics are the single server's by construction; its snapshot is
// kv's State. The server keeps no per-client state: at-most-once comes
// from versions, as in kvsrv1, and the clerk's rule carries over: a Put
// whose earlier attempt may have been applied (no reply, or a reply of
// ErrWrongLeader from a server that may have started it before it lost
// its leadership) and that is then answered ErrVersion returns ErrMaybe.
//
// Resends. A call times out while its entry may still be on its way
// through Raft, more so on a server whose goroutines are slow to be
// scheduled (the preempt fault). The clerk therefore resends to the same
// server once before it tries the next, waits after a call without a
// reply and after a round of servers that do not lead (the wait doubling,
// up to a second), and the state machine lets rsm answer a request equal
// to one that is starting or waiting for its entry with that entry
// (rsm.Coalescer: a Get reads the same, a Put after an equal successful
// Put finds the version moved on): neither the log nor the queue for
// Raft's lock grows with resends. Without these, a busy cluster's every
// call timed out, each resend added an entry and a turn at the lock, and
// the run never recovered (a retry storm the scenarios found under
// swarm). A request that follows one whose entry was in the log already
// gets that entry's result only if it lasts (the Put's ErrVersion), else
// ErrWrongLeader: a Get answered so, on a deposed leader that is behind,
// read a state older than clients had seen (kvraft.FollowLogged).
//
// What knows the simulator. The clerk and the state machine are plain
// code over kv/rpc's Caller and Sleeper, as packages clerk and kv are.
// The server is plain code too; it waits only inside rsm.Submit. Package
// rsm and the Raft beneath it (raft/ref) run on the simulator's
// primitives directly, because a replicated run is goroutines, locks and
// timers that must be deterministic and fast inside one process (see
// rsm's doc); the server reaches them only through harness.Node, what the
// host gives a server of a cluster (NewReplica). Running this service
// over real TCP would need an rsm and a Raft on real goroutines, which
// kvsim does not have.
//
// Impl makes the kvsim.Impl of a cluster of n servers ("replicated-3",
// "replicated-5"); the flawed variants (Flawed) are deliberate bugs for
// the tests that show the scenarios find them: a zoo of the mistakes a
// student's server, rsm or clerk makes (Flaw), each one line or so away
// from the reference, each documented with what it breaks.
package kvraft
