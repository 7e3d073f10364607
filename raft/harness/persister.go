package harness

import "github.com/kvsim/kvsim/sim"

// Persister is the course's tester.Persister over a machine's
// sim.Persister: Raft state and a snapshot saved together, atomically,
// read as copies, kept across the machine's crashes.
type Persister struct {
	w  *sim.World
	ps *sim.Persister
	// watch and me: the Watch of the server this is the Persister of, and
	// its index, when it is watched (WatchApplies)
	watch *Watch
	me    int
}

// NewPersister is the Persister of a machine of w.
func NewPersister(w *sim.World, ps *sim.Persister) *Persister { return &Persister{w: w, ps: ps} }

// World is the world the Persister's machine runs in: for a Raft written
// on the simulator's API, which needs it for goroutines, channels, locks
// and timers.
func (ps *Persister) World() *sim.World { return ps.w }

// ReadRaftState is a copy of the saved Raft state.
func (ps *Persister) ReadRaftState() []byte { return ps.ps.ReadState() }

// ReadSnapshot is a copy of the saved snapshot.
func (ps *Persister) ReadSnapshot() []byte { return ps.ps.ReadSnapshot() }

// Save saves both the Raft state and the snapshot, as one atomic action.
func (ps *Persister) Save(raftstate, snapshot []byte) { ps.ps.Save(raftstate, snapshot) }

// RaftStateSize is the saved Raft state's length in bytes.
func (ps *Persister) RaftStateSize() int { return ps.ps.StateSize() }

// SnapshotSize is the saved snapshot's length in bytes.
func (ps *Persister) SnapshotSize() int { return ps.ps.SnapshotSize() }
