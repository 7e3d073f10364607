package kvraft

import (
	"encoding/binary"
	"encoding/gob"
	"fmt"

	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/raft/ref"
	"github.com/kvsim/kvsim/rsm"
)

// stateMachine is the versioned key/value store as rsm applies it: a
// kv.Server, whose Get and Put are the semantics.
type stateMachine struct {
	kv    *kv.Server
	flaws Flaw // EmptySnapshot, VersionlessSnapshot, ValueDedup
}

func (sm *stateMachine) DoOp(req any) any {
	switch a := req.(type) {
	case rpc.GetArgs:
		var reply rpc.GetReply
		sm.kv.Get(&a, &reply)
		return reply
	case rpc.PutArgs:
		var reply rpc.PutReply
		if sm.flaws&ValueDedup != 0 {
			if g := sm.get(a.Key); g.Err == rpc.OK && g.Value == a.Value && g.Version == a.Version+1 {
				return rpc.PutReply{Err: rpc.OK} // "my earlier copy was applied"
			}
		}
		sm.kv.Put(&a, &reply)
		return reply
	}
	panic(fmt.Sprintf("kvraft: a request of type %T in the log", req))
}

// Again is the result of a request applied right after an equal one whose
// result was res (rsm.Coalescer): a Get reads the same; a Put that
// follows an equal Put that succeeded finds the version moved on, for
// good (versions only grow), which lasts however late it came.
func (sm *stateMachine) Again(req, res any) (any, bool) {
	if _, put := req.(rpc.PutArgs); put {
		if r := res.(rpc.PutReply); r.Err == rpc.OK {
			return rpc.PutReply{Err: rpc.ErrVersion}, true
		}
	}
	return res, false
}

// get reads key from the state machine's store.
func (sm *stateMachine) get(key string) rpc.GetReply {
	var reply rpc.GetReply
	sm.kv.Get(&rpc.GetArgs{Key: key}, &reply)
	return reply
}

func (sm *stateMachine) Snapshot() []byte {
	switch {
	case sm.flaws&EmptySnapshot != 0:
		return kv.NewServer().State()
	case sm.flaws&VersionlessSnapshot != 0:
		return valuesOnly(sm.kv.State())
	}
	return sm.kv.State()
}

// valuesOnly is the VersionlessSnapshot flaw's snapshot: a store that
// keeps each key's value but not its version, as a snapshot of a
// map[string]string would, restored with every key at version 1 (the
// version a key gets when it is created). It rewrites kv's State
// encoding (a count, then each key, value and version, as uvarint
// lengths and numbers), keeping all but the versions.
func valuesOnly(state []byte) []byte {
	b := state
	uvarint := func() uint64 {
		v, n := binary.Uvarint(b)
		b = b[n:]
		return v
	}
	n := uvarint()
	out := binary.AppendUvarint(nil, n)
	for range n {
		for range 2 { // the key, the value
			l := uvarint()
			out = binary.AppendUvarint(out, l)
			out = append(out, b[:l]...)
			b = b[l:]
		}
		uvarint() // the version, dropped
		out = binary.AppendUvarint(out, 1)
	}
	return out
}

func (sm *stateMachine) Restore(b []byte) {
	if err := sm.kv.SetState(b); err != nil {
		panic(err)
	}
}

// Server is one server of the replicated service.
type Server struct {
	rsm          *rsm.RSM
	sm           *stateMachine
	maxraftstate int
	flaws        Flaw
}

// Flaw is a deliberate bug of the server, for tests; Start's servers have
// none.
type Flaw uint16

const (
	// LocalGet answers a Get from the server's own state, without the
	// log, whenever the server believes it leads: a deposed leader that
	// has not heard of its successor serves stale reads.
	LocalGet Flaw = 1 << iota
	// OtherOpsResult answers a submission with the result of whatever
	// entry was committed at its index (rsm.AnyOpAtIndex).
	OtherOpsResult
	// EmptySnapshot snapshots an empty store: a server that restarts
	// from its snapshot, or installs a leader's, loses the data.
	EmptySnapshot
	// NoSnapshots never snapshots, though it says it does past
	// maxraftstate: its log grows with the traffic.
	NoSnapshots
	// StuckSubmit waits for a submission's own entry and nothing else
	// (rsm.WaitForever): a server that loses its leadership with a
	// request in flight never answers it, a liveness bug (the course's
	// labrpc, whose call waits for the handler, hangs the client).
	StuckSubmit
	// VersionlessSnapshot snapshots the values but not the versions,
	// restored at version 1 (a snapshot of a map[string]string): a
	// server that restarts from its snapshot, or installs a leader's,
	// restarts every key's version, and a Put at an old version
	// succeeds again.
	VersionlessSnapshot
	// ValueDedup answers OK, without applying it, a Put whose value the
	// key already holds at the version after the Put's ("my earlier copy
	// was applied"): a duplicate detected by value, not by who sent it,
	// so another client's Put of the same value at the same version
	// also succeeds, and two Puts move the key from one version.
	ValueDedup
	// PrecheckVersion answers a Put ErrVersion at once, without the
	// log, when the server believes it leads and its own store holds
	// the key at another version ("fail fast"): a deposed leader that
	// has not heard of its successor refuses, from its stale state, a
	// Put at the version the successor holds, and the client is told
	// the Put certainly did not happen although no state in its
	// interval refused it (linearizability).
	PrecheckVersion
	// ForgetSnapshot starts a server without its snapshot
	// (rsm.NoRestoreAtStart): a restarted server's Raft applies only
	// the entries after it, to an empty store, and the data before it
	// is lost.
	ForgetSnapshot
	// FollowLogged answers a request that follows an equal one (a Get of
	// the same key) whose entry was in the log already with that entry's
	// result (rsm.FollowLogged): a deposed leader, behind, answers it
	// with a state older than what clients saw before it arrived, a
	// stale read.
	FollowLogged
	// SnapshotIsDone takes a request whose entry's index an installed
	// snapshot covers as done (rsm.SnapshotIsDone): a Put is answered
	// OK, a Get from the store, though a deposed leader's entry there
	// may have been replaced by its successor's, and the Put never
	// applied (a lost write).
	SnapshotIsDone

	// The clerk's flaws.

	// EarlyMaybe keeps the count of failed attempts in the Clerk, not
	// in the operation, and never resets it: after the clerk's first
	// retry, every ErrVersion becomes ErrMaybe, even on an operation's
	// first attempt (the clerk contract).
	EarlyMaybe
	// NeverMaybe returns ErrVersion as it comes, after a resend too:
	// the Put may have been applied by an earlier copy, and the client
	// is told it certainly was not (the clerk contract,
	// linearizability).
	NeverMaybe
	// WrongLeaderNotMaybe takes ErrWrongLeader for "not done": only a
	// lost reply makes a later ErrVersion ErrMaybe, though a leader that
	// started the Put and then lost its leadership answers
	// ErrWrongLeader while its successor may commit the entry
	// (linearizability).
	WrongLeaderNotMaybe
	// RereadVersion re-reads the key's version after ErrWrongLeader and
	// resends the Put at it ("the version may have moved under the new
	// leader"): if the first copy was applied, the Put is applied twice;
	// if another client's was, it overwrites it (linearizability).
	RereadVersion
)

// Start starts server node.Me of a cluster on its machine: its state
// machine, its RSM and Raft (whose handlers it serves on the node's
// endpoint), restored from the node's Persister. maxraftstate is the
// Raft state's size past which it snapshots; -1 never does.
func Start(node *harness.Node, maxraftstate int) *Server {
	return start(node, maxraftstate, 0, ref.Make)
}

func start(node *harness.Node, maxraftstate int, flaws Flaw, mk harness.Make) *Server {
	// What Submit carries through Raft. Registered here, not at init, so
	// that a program that imports this package only for its clerk (kvsim
	// lab's, on a course folder that registers *rpc.PutArgs, which gob
	// takes for the same type under another name) does not clash.
	gob.Register(rpc.GetArgs{})
	gob.Register(rpc.PutArgs{})
	s := &Server{sm: &stateMachine{kv: kv.NewServer(), flaws: flaws}, maxraftstate: maxraftstate, flaws: flaws}
	var rf rsm.Flaw
	if flaws&OtherOpsResult != 0 {
		rf |= rsm.AnyOpAtIndex
	}
	if flaws&StuckSubmit != 0 {
		rf |= rsm.WaitForever
	}
	if flaws&ForgetSnapshot != 0 {
		rf |= rsm.NoRestoreAtStart
	}
	if flaws&FollowLogged != 0 {
		rf |= rsm.FollowLogged
	}
	if flaws&SnapshotIsDone != 0 {
		rf |= rsm.SnapshotIsDone
	}
	snapshotAt := maxraftstate
	if flaws&NoSnapshots != 0 {
		snapshotAt = -1
	}
	s.rsm = rsm.Make(node.Ends, node.Me, node.Persister, snapshotAt, s.sm, mk, rf)
	node.Serve(s.rsm.Raft())
	return s
}

var _ rpc.Server = (*Server)(nil)

// Get reads the key through the log.
func (s *Server) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	if s.flaws&LocalGet != 0 {
		if _, leader := s.rsm.Raft().GetState(); leader {
			s.sm.kv.Get(args, reply)
			return
		}
	}
	err, res := s.rsm.Submit(*args)
	if err != rpc.OK {
		*reply = rpc.GetReply{Err: err}
		return
	}
	if res == nil { // SnapshotIsDone's answer
		s.sm.kv.Get(args, reply)
		return
	}
	*reply = res.(rpc.GetReply)
}

// Put writes through the log.
func (s *Server) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	if s.flaws&PrecheckVersion != 0 {
		if _, leader := s.rsm.Raft().GetState(); leader {
			if g := s.sm.get(args.Key); g.Err == rpc.OK && g.Version != args.Version {
				reply.Err = rpc.ErrVersion
				return
			}
		}
	}
	err, res := s.rsm.Submit(*args)
	if err != rpc.OK {
		reply.Err = err
		return
	}
	if res == nil { // SnapshotIsDone's answer
		reply.Err = rpc.OK
		return
	}
	*reply = res.(rpc.PutReply)
}

// Data is the server's key/value data, for the check that its memory
// stays proportional to the data (the Raft log beneath is bounded by
// maxraftstate instead).
func (s *Server) Data() any { return s.sm.kv }

// Leader reports whether the server believes it leads (its Raft's
// GetState), for the faults a host aims at the leader
// (scenarios.Leader).
func (s *Server) Leader() bool {
	_, leader := s.rsm.Raft().GetState()
	return leader
}

// MaxRaftState is the Raft state's size past which the server snapshots
// (scenarios.Snapshotter).
func (s *Server) MaxRaftState() int { return s.maxraftstate }
