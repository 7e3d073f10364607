package harness

import "github.com/kvsim/kvsim/sim"

// ApplyMsg is what a Raft sends on its applyCh: a committed command
// (CommandValid) or a snapshot to install (SnapshotValid), as the course's
// raftapi.ApplyMsg.
type ApplyMsg struct {
	CommandValid bool
	Command      any
	CommandIndex int

	SnapshotValid bool
	Snapshot      []byte
	SnapshotTerm  int
	SnapshotIndex int
}

// Raft is the course's raftapi.Raft: what the tester asks of a server.
type Raft interface {
	// Start proposes command; it returns the index the command will have
	// if it is ever committed, the current term, and whether the server
	// believes it is the leader.
	Start(command any) (index int, term int, isLeader bool)
	// GetState returns the current term and whether the server believes
	// it is the leader.
	GetState() (term int, isLeader bool)
	// Snapshot tells Raft the service has a snapshot of everything up to
	// and including index: it may discard the log before it.
	Snapshot(index int, snapshot []byte)
	// PersistBytes is the size of the persisted Raft state.
	PersistBytes() int
	// Kill tells the server it is being shut down.
	Kill()
}

// Make starts a Raft server: the course's Make(peers, me, persister,
// applyCh) with applyCh a simulator channel. peers[me] is the server
// itself. It must return quickly, starting goroutines for long work.
type Make func(peers []*End, me int, persister *Persister, applyCh *sim.Chan[ApplyMsg]) Raft

// Wrapper is a Raft that stands for another one (the lab completes a
// student's Raft whose skeleton's interface lacks a method): Make may
// return it, and the harness serves the RPCs of the Raft Unwrap returns,
// whose methods are the handlers.
type Wrapper interface {
	Raft
	Unwrap() any
}
