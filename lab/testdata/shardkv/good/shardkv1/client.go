package shardkv

//
// client code to talk to a sharded key/value service.
//
// The clerk keeps the configuration it last read from the controller and
// sends a key's request to the group that serves its shard there. When
// the group answers ErrWrongGroup (it no longer serves the shard, or it
// did not answer for a while) the clerk waits a little, reads the
// configuration again and retries.
//
// A Put that may have been applied at some group (no answer, or
// ErrWrongLeader) and is then answered ErrVersion returns ErrMaybe: the
// shard, and the Put with it, may have moved to the group that answered.
//

import (
	"time"

	"6.5840/kvsrv1/rpc"
	kvtest "6.5840/kvtest1"
	"6.5840/shardkv1/shardcfg"
	"6.5840/shardkv1/shardctrler"
	"6.5840/shardkv1/shardgrp"
	tester "6.5840/tester1"
)

type Clerk struct {
	clnt *tester.Clnt
	sck  *shardctrler.ShardCtrler

	cfg    *shardcfg.ShardConfig
	groups map[tester.Tgid]*shardgrp.Clerk
}

// The tester calls MakeClerk and passes in a shardctrler so that
// client can call it's Query method
func MakeClerk(clnt *tester.Clnt, sck *shardctrler.ShardCtrler) kvtest.IKVClerk {
	ck := &Clerk{
		clnt:   clnt,
		sck:    sck,
		groups: map[tester.Tgid]*shardgrp.Clerk{},
	}
	return ck
}

// group is the clerk of the group serving key's shard in the clerk's
// configuration, or nil if no group serves it.
func (ck *Clerk) group(key string) *shardgrp.Clerk {
	if ck.cfg == nil {
		ck.cfg = ck.sck.Query()
	}
	gid, servers, ok := ck.cfg.GidServers(shardcfg.Key2Shard(key))
	if !ok {
		return nil
	}
	grp, ok := ck.groups[gid]
	if !ok {
		grp = shardgrp.MakeClerk(ck.clnt, servers)
		ck.groups[gid] = grp
	}
	return grp
}

func (ck *Clerk) refresh() {
	time.Sleep(50 * time.Millisecond)
	ck.cfg = ck.sck.Query()
}

// Get a key from a shardgrp.
func (ck *Clerk) Get(key string) (string, rpc.Tversion, rpc.Err) {
	for {
		if grp := ck.group(key); grp != nil {
			value, version, err := grp.Get(key)
			if err != rpc.ErrWrongGroup {
				return value, version, err
			}
		}
		ck.refresh()
	}
}

// Put a key to a shard group.
func (ck *Clerk) Put(key string, value string, version rpc.Tversion) rpc.Err {
	maybe := false
	for {
		if grp := ck.group(key); grp != nil {
			err := grp.Put(key, value, version)
			if err != rpc.ErrWrongGroup {
				if err == rpc.ErrVersion && maybe {
					return rpc.ErrMaybe
				}
				return err
			}
			if grp.MaybeApplied() {
				maybe = true
			}
		}
		ck.refresh()
	}
}
