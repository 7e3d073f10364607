// Package raftapi is kvsim lab's stand-in for the course's 6.5840/raftapi
// in a kvraft1 folder: as in a raft1 folder (lab/shimraft/raftapi), with
// Kill, because the 2025 skeleton's kvraft1 server returns its Raft as a
// tester.IService, which needs it.
package raftapi

import "github.com/kvsim/kvsim/raft/harness"

// ApplyMsg is what a Raft sends on its applyCh.
type ApplyMsg = harness.ApplyMsg

// Raft is what the tester and the rsm ask of a server.
type Raft interface {
	Start(command any) (int, int, bool)
	GetState() (int, bool)
	Snapshot(index int, snapshot []byte)
	PersistBytes() int
	Kill()
}
