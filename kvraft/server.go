package kvraft

import (
	"encoding/gob"
	"fmt"

	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/raft/ref"
	"github.com/kvsim/kvsim/rsm"
)

func init() {
	gob.Register(rpc.GetArgs{})
	gob.Register(rpc.PutArgs{})
}

// stateMachine is the versioned key/value store as rsm applies it: a
// kv.Server, whose Get and Put are the semantics.
type stateMachine struct {
	kv    *kv.Server
	empty bool // the EmptySnapshot flaw
}

func (sm *stateMachine) DoOp(req any) any {
	switch a := req.(type) {
	case rpc.GetArgs:
		var reply rpc.GetReply
		sm.kv.Get(&a, &reply)
		return reply
	case rpc.PutArgs:
		var reply rpc.PutReply
		sm.kv.Put(&a, &reply)
		return reply
	}
	panic(fmt.Sprintf("kvraft: a request of type %T in the log", req))
}

// Again is the result of a request applied right after an equal one whose
// result was res (rsm.Coalescer): a Get reads the same; a Put that
// follows an equal Put that succeeded finds the version moved on.
func (sm *stateMachine) Again(req, res any) any {
	if _, put := req.(rpc.PutArgs); put {
		if r := res.(rpc.PutReply); r.Err == rpc.OK {
			return rpc.PutReply{Err: rpc.ErrVersion}
		}
	}
	return res
}

func (sm *stateMachine) Snapshot() []byte {
	if sm.empty {
		return kv.NewServer().State()
	}
	return sm.kv.State()
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
type Flaw uint8

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
)

// Start starts server node.Me of a cluster on its machine: its state
// machine, its RSM and Raft (whose handlers it serves on the node's
// endpoint), restored from the node's Persister. maxraftstate is the
// Raft state's size past which it snapshots; -1 never does.
func Start(node *harness.Node, maxraftstate int) *Server {
	return start(node, maxraftstate, 0)
}

func start(node *harness.Node, maxraftstate int, flaws Flaw) *Server {
	s := &Server{sm: &stateMachine{kv: kv.NewServer(), empty: flaws&EmptySnapshot != 0}, maxraftstate: maxraftstate, flaws: flaws}
	var rf rsm.Flaw
	if flaws&OtherOpsResult != 0 {
		rf |= rsm.AnyOpAtIndex
	}
	snapshotAt := maxraftstate
	if flaws&NoSnapshots != 0 {
		snapshotAt = -1
	}
	s.rsm = rsm.Make(node.Ends, node.Me, node.Persister, snapshotAt, s.sm, ref.Make, rf)
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
	*reply = res.(rpc.GetReply)
}

// Put writes through the log.
func (s *Server) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	err, res := s.rsm.Submit(*args)
	if err != rpc.OK {
		reply.Err = err
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
