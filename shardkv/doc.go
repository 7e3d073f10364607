// Package shardkv is the client of kvsim's reference sharded key/value
// service, shaped as the course's shardkv1 lab: the service's keys are
// split into shardcfg.NShards shards, each served by one replica group
// (package shardgrp, on rsm and Raft), and a controller (package
// shardctrler) keeps which group serves which shard in a key/value server
// and moves shards when groups join and leave. Package scenario runs the
// whole service under the simulator, with its checks.
//
// Its one job is the sharded clerk (Clerk): Get and Put(key, value,
// version) with the semantics and the ErrMaybe rule of the single
// server's clerk. It routes a key to its shard's group in the
// configuration it last read from the controller, and reads it again
// when the group answers ErrWrongGroup (or gives no answer for a while).
// A Put whose earlier attempt, at any group, may have been applied (no
// reply, or ErrWrongLeader) and that is then answered ErrVersion returns
// ErrMaybe: the shard, and the Put with it, may have moved to the group
// that answered.
package shardkv
