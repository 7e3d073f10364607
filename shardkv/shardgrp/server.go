package shardgrp

import (
	"encoding/binary"
	"fmt"

	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/raft/ref"
	"github.com/kvsim/kvsim/rsm"
	"github.com/kvsim/kvsim/shardkv/shardcfg"
)

// Flaw is a deliberate bug of the group's server, for tests; Start's
// servers have none.
type Flaw uint8

const (
	// ServeFrozen serves a shard it holds even once frozen: the group
	// keeps answering for a shard the controller has handed to another,
	// whose writes the new owner never sees.
	ServeFrozen Flaw = 1 << iota
	// StaleInstall takes an Install whose number is older than the
	// shard's (a superseded controller's, a delayed copy), ignoring only
	// a repeat: the group serves again, from old data, a shard that has
	// moved on.
	StaleInstall
	// DeleteServed deletes a shard's data whatever its state: a repeated
	// or late Delete of a shard the group has since been given back wipes
	// the data it serves.
	DeleteServed
)

// Served is a Get or a Put a group's state machine served: the group,
// the server, the shard and the number the group holds it at.
type Served struct {
	Gid   shardcfg.Tgid
	Me    int
	Shard shardcfg.Tshid
	Num   shardcfg.Tnum
	Key   string
}

// shard is the state of one shard in a group.
type shard struct {
	num    shardcfg.Tnum // the newest configuration heard of for it
	held   bool          // the group holds it (installed, not deleted)
	frozen bool          // held, but no longer served
	kv     *kv.Server
}

func (sh *shard) serving(flaws Flaw) bool {
	return sh.held && (!sh.frozen || flaws&ServeFrozen != 0)
}

// stateMachine is a group's state as rsm applies it.
type stateMachine struct {
	gid     shardcfg.Tgid
	me      int
	shards  [shardcfg.NShards]shard
	observe func(Served)
	flaws   Flaw
}

func newStateMachine(gid shardcfg.Tgid, me int, observe func(Served), flaws Flaw) *stateMachine {
	sm := &stateMachine{gid: gid, me: me, observe: observe, flaws: flaws}
	for i := range sm.shards {
		sh := &sm.shards[i]
		sh.kv = kv.NewServer()
		// The first configuration gives every shard to Gid1, whose
		// servers hold them from the start.
		if gid == shardcfg.Gid1 {
			sh.num, sh.held = shardcfg.NumFirst, true
		}
	}
	return sm
}

// serve is the shard of key if the group serves it, told to the observer;
// else nil.
func (sm *stateMachine) serve(key string) *shard {
	s := shardcfg.Key2Shard(key)
	sh := &sm.shards[s]
	if !sh.serving(sm.flaws) {
		return nil
	}
	if sm.observe != nil {
		sm.observe(Served{Gid: sm.gid, Me: sm.me, Shard: s, Num: sh.num, Key: key})
	}
	return sh
}

// serveOp is op's reply to a on the shard of key if the group serves it;
// else wrong.
func serveOp[A, R any](sm *stateMachine, key string, a *A, wrong R, op func(*kv.Server, *A, *R)) R {
	sh := sm.serve(key)
	if sh == nil {
		return wrong
	}
	var reply R
	op(sh.kv, a, &reply)
	return reply
}

func (sm *stateMachine) DoOp(req any) any {
	switch a := req.(type) {
	case rpc.GetArgs:
		return serveOp(sm, a.Key, &a, rpc.GetReply{Err: rpc.ErrWrongGroup}, (*kv.Server).Get)
	case rpc.PutArgs:
		return serveOp(sm, a.Key, &a, rpc.PutReply{Err: rpc.ErrWrongGroup}, (*kv.Server).Put)
	case FreezeArgs:
		sh := &sm.shards[a.Shard]
		if a.Num < sh.num {
			return FreezeReply{Num: sh.num, Err: rpc.ErrVersion}
		}
		sh.num, sh.frozen = a.Num, true
		return FreezeReply{State: sh.kv.State(), Num: a.Num, Err: rpc.OK}
	case InstallArgs:
		sh := &sm.shards[a.Shard]
		stale := a.Num <= sh.num
		if sm.flaws&StaleInstall != 0 {
			stale = a.Num == sh.num
		}
		if !stale {
			sh.kv = kv.NewServer()
			if len(a.State) > 0 { // none: the shard had no group before
				if err := sh.kv.SetState(a.State); err != nil {
					panic(fmt.Sprintf("shardgrp: install of shard %d: %v", a.Shard, err))
				}
			}
			sh.num, sh.held, sh.frozen = a.Num, true, false
		}
		return InstallReply{Err: rpc.OK}
	case DeleteArgs:
		sh := &sm.shards[a.Shard]
		keep := a.Num < sh.num || sh.held && !sh.frozen
		if sm.flaws&DeleteServed != 0 {
			keep = false
		}
		if !keep {
			sh.kv = kv.NewServer()
			sh.num, sh.held, sh.frozen = max(sh.num, a.Num), false, false
		}
		return DeleteReply{Err: rpc.OK}
	}
	panic(fmt.Sprintf("shardgrp: a request of type %T in the log", req))
}

// Snapshot is every shard's number, state and data: a uvarint number, a
// byte of flags, then the data's length and kv.Server's State.
func (sm *stateMachine) Snapshot() []byte {
	var b []byte
	for i := range sm.shards {
		sh := &sm.shards[i]
		var flags byte
		if sh.held {
			flags |= 1
		}
		if sh.frozen {
			flags |= 2
		}
		state := sh.kv.State()
		b = binary.AppendUvarint(b, uint64(sh.num))
		b = append(b, flags)
		b = binary.AppendUvarint(b, uint64(len(state)))
		b = append(b, state...)
	}
	return b
}

func (sm *stateMachine) Restore(b []byte) {
	uvarint := func() uint64 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			panic("shardgrp: a truncated snapshot")
		}
		b = b[n:]
		return v
	}
	for i := range sm.shards {
		sh := &sm.shards[i]
		sh.num = shardcfg.Tnum(uvarint())
		flags := b[0]
		b = b[1:]
		sh.held, sh.frozen = flags&1 != 0, flags&2 != 0
		n := uvarint()
		sh.kv = kv.NewServer()
		if err := sh.kv.SetState(b[:n]); err != nil {
			panic(fmt.Sprintf("shardgrp: snapshot of shard %d: %v", i, err))
		}
		b = b[n:]
	}
}

// Server is one server of a replica group.
type Server struct {
	rsm *rsm.RSM
}

// Start starts server node.Me of group gid on its machine: its state
// machine, its RSM and Raft (whose handlers it serves on the node's
// endpoint), restored from the node's Persister. maxraftstate is the Raft
// state's size past which it snapshots (-1: never); observe, if set,
// hears of every Get and Put the state machine serves.
func Start(node *harness.Node, gid shardcfg.Tgid, maxraftstate int, observe func(Served), flaws Flaw) *Server {
	register()
	sm := newStateMachine(gid, node.Me, observe, flaws)
	s := &Server{rsm: rsm.Make(node.Ends, node.Me, node.Persister, maxraftstate, sm, ref.Make, 0)}
	node.Serve(s.rsm.Raft())
	return s
}

// submit runs req through the log; the result's type is R, or the reply
// is errReply with the rsm's error.
func submit[R any](s *Server, req any, errReply func(rpc.Err) R) R {
	err, res := s.rsm.Submit(req)
	if err != rpc.OK {
		return errReply(err)
	}
	return res.(R)
}

func (s *Server) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	*reply = submit(s, *args, func(err rpc.Err) rpc.GetReply { return rpc.GetReply{Err: err} })
}

func (s *Server) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	*reply = submit(s, *args, func(err rpc.Err) rpc.PutReply { return rpc.PutReply{Err: err} })
}

func (s *Server) FreezeShard(args *FreezeArgs, reply *FreezeReply) {
	*reply = submit(s, *args, func(err rpc.Err) FreezeReply { return FreezeReply{Err: err} })
}

func (s *Server) InstallShard(args *InstallArgs, reply *InstallReply) {
	*reply = submit(s, *args, func(err rpc.Err) InstallReply { return InstallReply{Err: err} })
}

func (s *Server) DeleteShard(args *DeleteArgs, reply *DeleteReply) {
	*reply = submit(s, *args, func(err rpc.Err) DeleteReply { return DeleteReply{Err: err} })
}
