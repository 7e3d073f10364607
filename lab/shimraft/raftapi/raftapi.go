// Package raftapi is kvsim lab's stand-in for the course's 6.5840/raftapi:
// the tester's view of a Raft, as kvsim's harness has it.
package raftapi

import "github.com/kvsim/kvsim/raft/harness"

// ApplyMsg is what a Raft sends on its applyCh.
type ApplyMsg = harness.ApplyMsg

// Raft is what the tester asks of a server. Kill is not part of it, as in
// the 2026 skeleton; a Raft that has one (every 2025 Raft) is killed
// when its server crashes, as the course's tester does.
type Raft interface {
	Start(command any) (int, int, bool)
	GetState() (int, bool)
	Snapshot(index int, snapshot []byte)
	PersistBytes() int
}
