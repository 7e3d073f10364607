// Package raftapi as a course tree may hold it after a student changed
// it: ApplyMsg carries the entry's term as well (kvsim builds a kvraft1
// folder against the tree's own raftapi, when there is one).
package raftapi

type Raft interface {
	Start(command interface{}) (int, int, bool)
	GetState() (int, bool)
	Snapshot(index int, snapshot []byte)
	PersistBytes() int
	Kill()
}

type ApplyMsg struct {
	CommandValid bool
	Command      interface{}
	CommandIndex int
	CommandTerm  int // added

	SnapshotValid bool
	Snapshot      []byte
	SnapshotTerm  int
	SnapshotIndex int
}
