package shardgrp

// The clerk of one shard group. It remembers the server that last
// answered as leader and starts there. Each request gives up after a few
// rounds of the servers without a leader's answer: the group may be down
// because it has left. Get and Put then answer ErrWrongGroup (only the
// controller knows who holds the shard now); the controller's requests
// answer ErrWrongLeader, and the controller decides whether to go on.

import (
	"time"

	"6.5840/kvsrv1/rpc"
	"6.5840/shardkv1/shardcfg"
	"6.5840/shardkv1/shardgrp/shardrpc"
	tester "6.5840/tester1"
)

const (
	giveUpRounds = 3
	retryWait    = 50 * time.Millisecond
)

type Clerk struct {
	clnt    *tester.Clnt
	servers []string
	leader  int

	// set by Put: whether a request it sent may have been applied
	// although no server answered it (see MaybeApplied).
	maybe bool
}

func MakeClerk(clnt *tester.Clnt, servers []string) *Clerk {
	ck := &Clerk{clnt: clnt, servers: servers}
	return ck
}

// call sends the request to the servers in turn, starting with the last
// leader, until one answers with an error other than ErrWrongLeader
// (errOf reads a reply's error). rounds > 0 gives up after that many
// rounds of the servers and returns false. sent reports whether an
// attempt went unanswered or was answered ErrWrongLeader: it may have
// been applied all the same.
func (ck *Clerk) call(method string, args any, newReply func() any, errOf func(any) rpc.Err, rounds int) (reply any, sent bool, ok bool) {
	n := len(ck.servers)
	for i := 0; rounds <= 0 || i < rounds*n; i++ {
		s := (ck.leader + i) % n
		r := newReply()
		if ck.clnt.Call(ck.servers[s], method, args, r) && errOf(r) != rpc.ErrWrongLeader {
			ck.leader = s
			return r, sent, true
		}
		sent = true
		if i%n == n-1 {
			time.Sleep(retryWait)
		}
	}
	return nil, sent, false
}

func (ck *Clerk) Get(key string) (string, rpc.Tversion, rpc.Err) {
	args := rpc.GetArgs{Key: key}
	r, _, ok := ck.call("KVServer.Get", &args,
		func() any { return &rpc.GetReply{} },
		func(r any) rpc.Err { return r.(*rpc.GetReply).Err }, giveUpRounds)
	if !ok {
		return "", 0, rpc.ErrWrongGroup
	}
	reply := r.(*rpc.GetReply)
	return reply.Value, reply.Version, reply.Err
}

// Put returns the leader's answer, ErrMaybe for ErrVersion after an
// attempt that may have been applied, or ErrWrongGroup.
func (ck *Clerk) Put(key string, value string, version rpc.Tversion) rpc.Err {
	args := rpc.PutArgs{Key: key, Value: value, Version: version}
	r, sent, ok := ck.call("KVServer.Put", &args,
		func() any { return &rpc.PutReply{} },
		func(r any) rpc.Err { return r.(*rpc.PutReply).Err }, giveUpRounds)
	ck.maybe = sent
	if !ok {
		return rpc.ErrWrongGroup
	}
	err := r.(*rpc.PutReply).Err
	if err == rpc.ErrVersion && sent {
		return rpc.ErrMaybe
	}
	return err
}

// MaybeApplied says whether the last Put sent a request that may have
// been applied though it was not answered: after an ErrWrongGroup, the
// shard, with the Put in it, may have moved to another group.
func (ck *Clerk) MaybeApplied() bool {
	return ck.maybe
}

func (ck *Clerk) FreezeShard(s shardcfg.Tshid, num shardcfg.Tnum) ([]byte, rpc.Err) {
	args := shardrpc.FreezeShardArgs{Shard: s, Num: num}
	r, _, ok := ck.call("KVServer.FreezeShard", &args,
		func() any { return &shardrpc.FreezeShardReply{} },
		func(r any) rpc.Err { return r.(*shardrpc.FreezeShardReply).Err }, giveUpRounds)
	if !ok {
		return nil, rpc.ErrWrongLeader
	}
	reply := r.(*shardrpc.FreezeShardReply)
	return reply.State, reply.Err
}

func (ck *Clerk) InstallShard(s shardcfg.Tshid, state []byte, num shardcfg.Tnum) rpc.Err {
	args := shardrpc.InstallShardArgs{Shard: s, State: state, Num: num}
	r, _, ok := ck.call("KVServer.InstallShard", &args,
		func() any { return &shardrpc.InstallShardReply{} },
		func(r any) rpc.Err { return r.(*shardrpc.InstallShardReply).Err }, giveUpRounds)
	if !ok {
		return rpc.ErrWrongLeader
	}
	return r.(*shardrpc.InstallShardReply).Err
}

func (ck *Clerk) DeleteShard(s shardcfg.Tshid, num shardcfg.Tnum) rpc.Err {
	args := shardrpc.DeleteShardArgs{Shard: s, Num: num}
	r, _, ok := ck.call("KVServer.DeleteShard", &args,
		func() any { return &shardrpc.DeleteShardReply{} },
		func(r any) rpc.Err { return r.(*shardrpc.DeleteShardReply).Err }, giveUpRounds)
	if !ok {
		return rpc.ErrWrongLeader
	}
	return r.(*shardrpc.DeleteShardReply).Err
}
