package shardgrp

// A shard group: a key/value server replicated with the rsm, which serves
// Get and Put only for the shards it owns and has not frozen. The
// controller moves a shard with FreezeShard (stop serving it, hand over
// its data), InstallShard (take it, with its data) and DeleteShard (drop
// the frozen copy). All of them go through the log, and each carries the
// number of the configuration it is for: a shard remembers the newest
// number it has heard of, so a request from an older configuration (a
// controller that was superseded, a delayed duplicate) is refused
// (FreezeShard) or ignored (InstallShard, DeleteShard), and a repeat is
// harmless.

import (
	"bytes"
	"sync"
	"sync/atomic"

	"6.5840/kvraft1/rsm"
	"6.5840/kvsrv1/rpc"
	"6.5840/labgob"
	"6.5840/labrpc"
	"6.5840/shardkv1/shardcfg"
	"6.5840/shardkv1/shardgrp/shardrpc"
	tester "6.5840/tester1"
)

type entry struct {
	Value   string
	Version rpc.Tversion
}

type shard struct {
	Num    shardcfg.Tnum // newest configuration heard of for this shard
	Owned  bool          // installed here and not deleted
	Frozen bool          // owned, but handed over: no more Gets or Puts
	Data   map[string]entry
}

type KVServer struct {
	me   int
	dead int32 // set by Kill()
	rsm  *rsm.RSM
	gid  tester.Tgid

	mu     sync.Mutex
	shards [shardcfg.NShards]shard
}

func encodeData(data map[string]entry) []byte {
	w := new(bytes.Buffer)
	labgob.NewEncoder(w).Encode(data)
	return w.Bytes()
}

func decodeData(b []byte) map[string]entry {
	data := map[string]entry{}
	if len(b) > 0 {
		m := map[string]entry{}
		if err := labgob.NewDecoder(bytes.NewBuffer(b)).Decode(&m); err == nil && m != nil {
			data = m
		}
	}
	return data
}

// serving is the shard of key if this group serves it now, else nil.
func (kv *KVServer) serving(key string) *shard {
	sh := &kv.shards[shardcfg.Key2Shard(key)]
	if !sh.Owned || sh.Frozen {
		return nil
	}
	return sh
}

func (kv *KVServer) DoOp(req any) any {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	switch args := req.(type) {
	case rpc.GetArgs:
		sh := kv.serving(args.Key)
		if sh == nil {
			return rpc.GetReply{Err: rpc.ErrWrongGroup}
		}
		e, ok := sh.Data[args.Key]
		if !ok {
			return rpc.GetReply{Err: rpc.ErrNoKey}
		}
		return rpc.GetReply{Value: e.Value, Version: e.Version, Err: rpc.OK}

	case rpc.PutArgs:
		sh := kv.serving(args.Key)
		if sh == nil {
			return rpc.PutReply{Err: rpc.ErrWrongGroup}
		}
		e, ok := sh.Data[args.Key]
		switch {
		case !ok && args.Version != 0:
			return rpc.PutReply{Err: rpc.ErrNoKey}
		case ok && e.Version != args.Version:
			return rpc.PutReply{Err: rpc.ErrVersion}
		}
		sh.Data[args.Key] = entry{args.Value, args.Version + 1}
		return rpc.PutReply{Err: rpc.OK}

	case shardrpc.FreezeShardArgs:
		sh := &kv.shards[args.Shard]
		if args.Num < sh.Num {
			// a newer configuration has moved the shard on
			return shardrpc.FreezeShardReply{Num: sh.Num, Err: rpc.ErrVersion}
		}
		sh.Num = args.Num
		sh.Frozen = true
		return shardrpc.FreezeShardReply{State: encodeData(sh.Data), Num: sh.Num, Err: rpc.OK}

	case shardrpc.InstallShardArgs:
		sh := &kv.shards[args.Shard]
		if args.Num > sh.Num {
			sh.Num = args.Num
			sh.Owned = true
			sh.Frozen = false
			sh.Data = decodeData(args.State)
		}
		return shardrpc.InstallShardReply{Err: rpc.OK}

	case shardrpc.DeleteShardArgs:
		sh := &kv.shards[args.Shard]
		if args.Num >= sh.Num && (sh.Frozen || !sh.Owned) {
			sh.Num = args.Num
			sh.Owned = false
			sh.Frozen = false
			sh.Data = map[string]entry{}
		}
		return shardrpc.DeleteShardReply{Err: rpc.OK}
	}
	return nil
}

func (kv *KVServer) Snapshot() []byte {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	w := new(bytes.Buffer)
	labgob.NewEncoder(w).Encode(kv.shards)
	return w.Bytes()
}

func (kv *KVServer) Restore(data []byte) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	var shards [shardcfg.NShards]shard
	if err := labgob.NewDecoder(bytes.NewBuffer(data)).Decode(&shards); err != nil {
		return
	}
	for i := range shards {
		if shards[i].Data == nil {
			shards[i].Data = map[string]entry{}
		}
	}
	kv.shards = shards
}

func (kv *KVServer) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	err, rep := kv.rsm.Submit(*args)
	if err != rpc.OK {
		reply.Err = err
		return
	}
	*reply = rep.(rpc.GetReply)
}

func (kv *KVServer) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	err, rep := kv.rsm.Submit(*args)
	if err != rpc.OK {
		reply.Err = err
		return
	}
	*reply = rep.(rpc.PutReply)
}

// Freeze the specified shard (i.e., reject future Get/Puts for this
// shard) and return the key/values stored in that shard.
func (kv *KVServer) FreezeShard(args *shardrpc.FreezeShardArgs, reply *shardrpc.FreezeShardReply) {
	err, rep := kv.rsm.Submit(*args)
	if err != rpc.OK {
		reply.Err = err
		return
	}
	*reply = rep.(shardrpc.FreezeShardReply)
}

// Install the supplied state for the specified shard.
func (kv *KVServer) InstallShard(args *shardrpc.InstallShardArgs, reply *shardrpc.InstallShardReply) {
	err, rep := kv.rsm.Submit(*args)
	if err != rpc.OK {
		reply.Err = err
		return
	}
	*reply = rep.(shardrpc.InstallShardReply)
}

// Delete the specified shard.
func (kv *KVServer) DeleteShard(args *shardrpc.DeleteShardArgs, reply *shardrpc.DeleteShardReply) {
	err, rep := kv.rsm.Submit(*args)
	if err != rpc.OK {
		reply.Err = err
		return
	}
	*reply = rep.(shardrpc.DeleteShardReply)
}

func (kv *KVServer) Kill() {
	atomic.StoreInt32(&kv.dead, 1)
}

func (kv *KVServer) killed() bool {
	return atomic.LoadInt32(&kv.dead) == 1
}

// StartServerShardGrp starts a server for shardgrp `gid`. The servers of
// Gid1 own every shard from the start: the first configuration gives
// them all to it.
func StartServerShardGrp(servers []*labrpc.ClientEnd, gid tester.Tgid, me int, persister *tester.Persister, maxraftstate int) []tester.IService {
	labgob.Register(rpc.PutArgs{})
	labgob.Register(rpc.GetArgs{})
	labgob.Register(shardrpc.FreezeShardArgs{})
	labgob.Register(shardrpc.InstallShardArgs{})
	labgob.Register(shardrpc.DeleteShardArgs{})
	labgob.Register(rsm.Op{})

	kv := &KVServer{gid: gid, me: me}
	for i := range kv.shards {
		kv.shards[i].Data = map[string]entry{}
		if gid == shardcfg.Gid1 {
			kv.shards[i].Num = shardcfg.NumFirst
			kv.shards[i].Owned = true
		}
	}
	kv.rsm = rsm.MakeRSM(servers, me, persister, maxraftstate, kv)
	return []tester.IService{kv, kv.rsm.Raft()}
}
