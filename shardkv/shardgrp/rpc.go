package shardgrp

import (
	"encoding/gob"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/shardkv/shardcfg"
)

// The group's RPCs. Get and Put carry kv/rpc's wire types.
const (
	MethodGet     = "ShardGrp.Get"
	MethodPut     = "ShardGrp.Put"
	MethodFreeze  = "ShardGrp.FreezeShard"
	MethodInstall = "ShardGrp.InstallShard"
	MethodDelete  = "ShardGrp.DeleteShard"
)

type FreezeArgs struct {
	Shard shardcfg.Tshid
	Num   shardcfg.Tnum
}

// FreezeReply carries the shard's data (kv.Server's State) and, on
// ErrVersion, the newer number the group holds the shard at.
type FreezeReply struct {
	State []byte
	Num   shardcfg.Tnum
	Err   rpc.Err
}

type InstallArgs struct {
	Shard shardcfg.Tshid
	State []byte
	Num   shardcfg.Tnum
}

type InstallReply struct {
	Err rpc.Err
}

type DeleteArgs struct {
	Shard shardcfg.Tshid
	Num   shardcfg.Tnum
}

type DeleteReply struct {
	Err rpc.Err
}

// register registers what the log carries; gob allows a type registered
// twice under one name (kvraft registers Get's and Put's too).
func register() {
	gob.Register(rpc.GetArgs{})
	gob.Register(rpc.PutArgs{})
	gob.Register(FreezeArgs{})
	gob.Register(InstallArgs{})
	gob.Register(DeleteArgs{})
}
