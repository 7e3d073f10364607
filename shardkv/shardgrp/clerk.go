package shardgrp

import (
	"time"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/shardkv/shardcfg"
)

// RetryEvery is how long the clerk waits after a round of the group's
// servers without a leader's answer.
const RetryEvery = 100 * time.Millisecond

// GiveUpRounds is how many rounds of the group's servers Get and Put try
// without a leader's answer before they give up with ErrWrongGroup: a
// group that is down or cut off may no longer hold the shard, and only the
// controller says who does.
const GiveUpRounds = 3

// Clerk is the client of one group. It remembers which server last
// answered as leader and starts there.
type Clerk struct {
	caller  rpc.Caller
	sleep   rpc.Sleeper
	servers []string
	leader  int
	// Rounds is how many rounds of the servers Get and Put try without a
	// leader's answer before they give up (NewClerk's: GiveUpRounds); 0
	// never gives up.
	Rounds int
}

// NewClerk returns a clerk of the group whose servers are servers, calling
// through c and waiting through s.
func NewClerk(c rpc.Caller, s rpc.Sleeper, servers []string) *Clerk {
	return &Clerk{caller: c, sleep: s, servers: servers, Rounds: GiveUpRounds}
}

// call sends args to the group's servers in turn until one that leads
// answers, and returns its reply; uncertain says whether an earlier
// attempt may have been applied (it got no reply, or ErrWrongLeader from
// a server that may have started it). With rounds > 0 it gives up after
// that many rounds of the servers, answered false.
func call[R any](ck *Clerk, method string, args any, errOf func(*R) rpc.Err, rounds int) (reply R, uncertain, answered bool) {
	for tries := 1; ; tries++ {
		var r R // fresh each attempt: a late reply must not land in one another attempt reads
		if ck.caller.Call(ck.servers[ck.leader], method, args, &r) && errOf(&r) != rpc.ErrWrongLeader {
			return r, uncertain, true
		}
		uncertain = true
		ck.leader = (ck.leader + 1) % len(ck.servers)
		if tries%len(ck.servers) == 0 {
			if rounds > 0 && tries >= rounds*len(ck.servers) {
				return reply, uncertain, false
			}
			ck.sleep.Sleep(RetryEvery)
		}
	}
}

// Get returns the key's value and version with OK, or ErrNoKey, or
// ErrWrongGroup when the group does not serve the key's shard or gave no
// answer for Rounds rounds.
func (ck *Clerk) Get(key string) (string, rpc.Tversion, rpc.Err) {
	r, _, ok := call(ck, MethodGet, &rpc.GetArgs{Key: key}, func(r *rpc.GetReply) rpc.Err { return r.Err }, ck.Rounds)
	if !ok {
		return "", 0, rpc.ErrWrongGroup
	}
	return r.Value, r.Version, r.Err
}

// Put writes value if the key is at version, as kv's server; it returns
// the answer of a server that leads, or ErrWrongGroup as Get does, and
// whether an attempt before that answer may have been applied.
func (ck *Clerk) Put(key, value string, version rpc.Tversion) (err rpc.Err, uncertain bool) {
	r, uncertain, ok := call(ck, MethodPut, &rpc.PutArgs{Key: key, Value: value, Version: version}, func(r *rpc.PutReply) rpc.Err { return r.Err }, ck.Rounds)
	if !ok {
		return rpc.ErrWrongGroup, uncertain
	}
	return r.Err, uncertain
}

// FreezeShard stops the group serving shard s for configuration num and
// returns its data, OK; or ErrVersion if the group holds s at a newer
// number. It tries until a leader answers.
func (ck *Clerk) FreezeShard(s shardcfg.Tshid, num shardcfg.Tnum) ([]byte, rpc.Err) {
	r, _, _ := call(ck, MethodFreeze, &FreezeArgs{Shard: s, Num: num}, func(r *FreezeReply) rpc.Err { return r.Err }, 0)
	return r.State, r.Err
}

// InstallShard makes the group hold shard s, with data state, for
// configuration num. It tries until a leader answers.
func (ck *Clerk) InstallShard(s shardcfg.Tshid, state []byte, num shardcfg.Tnum) rpc.Err {
	r, _, _ := call(ck, MethodInstall, &InstallArgs{Shard: s, State: state, Num: num}, func(r *InstallReply) rpc.Err { return r.Err }, 0)
	return r.Err
}

// DeleteShard drops the group's data of shard s, frozen for configuration
// num. It tries until a leader answers.
func (ck *Clerk) DeleteShard(s shardcfg.Tshid, num shardcfg.Tnum) rpc.Err {
	r, _, _ := call(ck, MethodDelete, &DeleteArgs{Shard: s, Num: num}, func(r *DeleteReply) rpc.Err { return r.Err }, 0)
	return r.Err
}
