// Package rsm is a replicated state machine on a Raft: the course's
// kvraft1/rsm contract (MakeRSM, Submit, StateMachine), kvsim's reference
// of it, on the reference Raft of package raft/ref.
//
// Its one job: turn a request into a Raft log entry, apply every committed
// entry to the service's state machine in log order on every server, and
// answer the server that submitted a request with that request's own
// result, or ErrWrongLeader when it cannot know it. Submit tags each
// request with the submitting server's index, a term in which this
// incarnation of the server led (the last one Start reported, or
// GetState's before its first Start), and a counter, and answers only
// when the entry committed at the index Start returned carries that tag:
// a different entry there (another leader's, or this server's from an
// earlier incarnation, whose counter restarted from zero) is never
// returned as this request's result. The term makes the tag unique across
// restarts: a server leads a term at most once, and a restarted server,
// having persisted every term it led, never leads one of its earlier
// incarnation's terms again. Submit also gives up with ErrWrongLeader as
// soon as its server no longer leads the term it submitted in (a
// watcher polls GetState), and when a snapshot installed from another
// server covers its index. When the Raft state passes maxraftstate bytes,
// the applier snapshots the state machine at the last applied index.
//
// It runs under the simulator, on its API directly (sim.Mutex, sim.Cond,
// sim.Chan, the world's clock and goroutines), as the reference Raft
// does and for the same reason: a replicated run is a world of a few
// hundred thousand seeds in one process, deterministic, with no rewriter
// and no build of its own. A course rsm folder reaches the same API
// through the lab's rewriter. The state machine it carries (package
// kvraft's) is plain code that knows nothing of the simulator.
package rsm
