package shardgrp

import (
	"bytes"
	"testing"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/shardkv/shardcfg"
)

// keyIn is a key of shard s.
func keyIn(t *testing.T, s shardcfg.Tshid) string {
	for i := 0; ; i++ {
		if k := string(rune('a'+i%26)) + string(rune('a'+i/26%26)); shardcfg.Key2Shard(k) == s {
			return k
		}
		if i > 10000 {
			t.Fatalf("no key in shard %d", s)
		}
	}
}

// The life of a shard moved from Gid1 to group 2 and back, through the
// state machines alone: what each request does, at the number it
// carries, repeated, and stale.
func TestShardMoves(t *testing.T) {
	const s = shardcfg.Tshid(3)
	key := keyIn(t, s)
	var served []Served
	src := newStateMachine(shardcfg.Gid1, 0, func(sv Served) { served = append(served, sv) }, 0)
	dst := newStateMachine(2, 0, nil, 0)
	do := func(sm *stateMachine, req any) any { return sm.DoOp(req) }

	if r := do(dst, rpc.GetArgs{Key: key}); r != (rpc.GetReply{Err: rpc.ErrWrongGroup}) {
		t.Fatalf("group 2 before any install: %v", r)
	}
	for v := range rpc.Tversion(2) {
		if r := do(src, rpc.PutArgs{Key: key, Value: "x", Version: v}); r != (rpc.PutReply{Err: rpc.OK}) {
			t.Fatalf("put at %d: %v", v, r)
		}
	}
	if len(served) != 2 || served[0] != (Served{Gid: shardcfg.Gid1, Shard: s, Num: shardcfg.NumFirst, Key: key}) {
		t.Fatalf("served %v", served)
	}

	fr := do(src, FreezeArgs{Shard: s, Num: 2}).(FreezeReply)
	if fr.Err != rpc.OK || fr.Num != 2 {
		t.Fatalf("freeze: %v", fr)
	}
	if again := do(src, FreezeArgs{Shard: s, Num: 2}).(FreezeReply); !bytes.Equal(again.State, fr.State) || again.Err != rpc.OK {
		t.Fatalf("freeze repeated: %v, first %v", again, fr)
	}
	if stale := do(src, FreezeArgs{Shard: s, Num: 1}).(FreezeReply); stale.Err != rpc.ErrVersion || stale.Num != 2 {
		t.Fatalf("stale freeze: %v", stale)
	}
	if r := do(src, rpc.GetArgs{Key: key}); r != (rpc.GetReply{Err: rpc.ErrWrongGroup}) {
		t.Fatalf("get of a frozen shard: %v", r)
	}

	do(dst, InstallArgs{Shard: s, State: fr.State, Num: 2})
	if r := do(dst, rpc.GetArgs{Key: key}); r != (rpc.GetReply{Value: "x", Version: 2, Err: rpc.OK}) {
		t.Fatalf("get after install: %v", r)
	}
	do(dst, rpc.PutArgs{Key: key, Value: "y", Version: 2})
	do(dst, InstallArgs{Shard: s, State: fr.State, Num: 2}) // a repeat
	do(dst, InstallArgs{Shard: s, State: nil, Num: 1})      // stale
	if r := do(dst, rpc.GetArgs{Key: key}); r != (rpc.GetReply{Value: "y", Version: 3, Err: rpc.OK}) {
		t.Fatalf("get after a repeated and a stale install: %v", r)
	}

	do(src, DeleteArgs{Shard: s, Num: 2})
	if src.shards[s].held || src.shards[s].kv.State()[0] != 0 {
		t.Fatalf("source still holds shard %d after delete", s)
	}
	// Back to Gid1 at 3; the delete of 2 comes again, late: ignored.
	back := do(dst, FreezeArgs{Shard: s, Num: 3}).(FreezeReply)
	do(src, InstallArgs{Shard: s, State: back.State, Num: 3})
	do(src, DeleteArgs{Shard: s, Num: 2})
	if r := do(src, rpc.GetArgs{Key: key}); r != (rpc.GetReply{Value: "y", Version: 3, Err: rpc.OK}) {
		t.Fatalf("get after a late delete: %v", r)
	}
	// A delete at the number the group serves the shard at: ignored.
	do(src, DeleteArgs{Shard: s, Num: 3})
	if r := do(src, rpc.GetArgs{Key: key}); r.(rpc.GetReply).Err != rpc.OK {
		t.Fatalf("get after a delete of a served shard: %v", r)
	}

	// A snapshot restores to the same state.
	again := newStateMachine(5, 1, nil, 0)
	again.Restore(src.Snapshot())
	if !bytes.Equal(again.Snapshot(), src.Snapshot()) {
		t.Fatalf("snapshot restored differs")
	}
}

// Each flaw of the group's server breaks the rule it names.
func TestFlaws(t *testing.T) {
	const s = shardcfg.Tshid(0)
	key := keyIn(t, s)

	sm := newStateMachine(shardcfg.Gid1, 0, nil, ServeFrozen)
	sm.DoOp(FreezeArgs{Shard: s, Num: 2})
	if r := sm.DoOp(rpc.GetArgs{Key: key}); r.(rpc.GetReply).Err == rpc.ErrWrongGroup {
		t.Errorf("ServeFrozen: a frozen shard not served")
	}

	sm = newStateMachine(2, 0, nil, StaleInstall)
	sm.DoOp(InstallArgs{Shard: s, Num: 3})
	sm.DoOp(FreezeArgs{Shard: s, Num: 4})
	sm.DoOp(InstallArgs{Shard: s, Num: 3})
	if !sm.shards[s].held || sm.shards[s].frozen || sm.shards[s].num != 3 {
		t.Errorf("StaleInstall: a stale install not taken: %+v", sm.shards[s])
	}

	sm = newStateMachine(shardcfg.Gid1, 0, nil, DeleteServed)
	sm.DoOp(DeleteArgs{Shard: s, Num: 1})
	if sm.shards[s].held {
		t.Errorf("DeleteServed: a served shard not deleted")
	}
}
