// Package raftcheck holds the invariants a Raft run is held to, checked
// online: each check sees the run's events as they happen (a server said
// it leads a term, a Start was accepted, a command or a snapshot was
// applied, a server crashed or restarted, a request was handled, faults
// stopped) and reports the first event that breaks it, with its virtual
// time, server, term and index.
//
// The checks see a Raft from outside, as the course's tester does: through
// GetState, Start and the applyCh, and the votes in the RequestVote
// replies that reach their candidates. So they check what is observable
// that way (see each check for what it can and cannot see):
//
//   - ElectionSafety: at most one leader per term.
//   - VoteOnce: a server votes for at most one candidate in a term,
//     across crashes.
//   - StateMachine: every server applies the same command at an index, in
//     order, without gaps; snapshots included (log matching as the
//     applied commands show it, and state machine safety).
//   - LeaderCompleteness: a leader never appends at an index its own log
//     held a committed entry at, nor below an index it appended at earlier
//     in the same term.
//   - Liveness: once faults stop, a command Started from then on is applied
//     by every server within a bound.
//   - RPCCount: the number of requests the servers handle in a window stays
//     within the bounds the course's tests set.
//
// One check per file; a Set runs several and keeps the first violation.
// The package knows nothing of the simulator: the harness (package
// raft/harness) turns what it observes into Events.
package raftcheck
