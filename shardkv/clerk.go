package shardkv

import (
	"time"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/shardkv/shardcfg"
	"github.com/kvsim/kvsim/shardkv/shardctrler"
	"github.com/kvsim/kvsim/shardkv/shardgrp"
)

// RequeryAfter is how long the clerk waits before it reads the
// configuration again after a group did not serve a key: a shard being
// moved is served by no group for a while.
const RequeryAfter = 50 * time.Millisecond

// Flaw is a deliberate bug of the clerk, for tests; NewClerk's has none.
type Flaw uint8

const (
	// NeverMaybe returns ErrVersion as it comes, after an attempt that
	// may have been applied too: the client is told the Put certainly did
	// not happen.
	NeverMaybe Flaw = 1 << iota
	// NeverGiveUp waits for a group's answer however long it takes: a
	// client whose configuration still names a group that has left, and
	// been shut down, waits for it forever, and never asks the controller
	// where the shard went (the course's shutdown tests).
	NeverGiveUp
)

// Clerk is the client of the sharded service.
type Clerk struct {
	caller rpc.Caller
	sleep  rpc.Sleeper
	ctl    *shardctrler.Controller
	cfg    *shardcfg.Config
	groups map[shardcfg.Tgid]*shardgrp.Clerk // by gid, each keeping its leader
	flaws  Flaw
}

var _ rpc.Clerk = (*Clerk)(nil)

// NewClerk returns a clerk that reads the configuration through ctl and
// calls the groups through c and s.
func NewClerk(c rpc.Caller, s rpc.Sleeper, ctl *shardctrler.Controller, flaws Flaw) *Clerk {
	return &Clerk{caller: c, sleep: s, ctl: ctl, groups: map[shardcfg.Tgid]*shardgrp.Clerk{}, flaws: flaws}
}

// group is a clerk of the group that serves key's shard in the
// configuration the clerk knows, read first if it knows none; nil if no
// group does.
func (ck *Clerk) group(key string) *shardgrp.Clerk {
	if ck.cfg == nil {
		ck.cfg = ck.ctl.Query()
	}
	gid := ck.cfg.Shards[shardcfg.Key2Shard(key)]
	servers, ok := ck.cfg.Groups[gid]
	if !ok {
		return nil
	}
	g := ck.groups[gid]
	if g == nil {
		g = shardgrp.NewClerk(ck.caller, ck.sleep, servers)
		if ck.flaws&NeverGiveUp != 0 {
			g.Rounds = 0
		}
		ck.groups[gid] = g
	}
	return g
}

// requery waits, then reads the configuration again.
func (ck *Clerk) requery() {
	ck.sleep.Sleep(RequeryAfter)
	ck.cfg = ck.ctl.Query()
}

// Get returns the key's value and version with OK, or ErrNoKey; it never
// returns ErrMaybe.
func (ck *Clerk) Get(key string) (string, rpc.Tversion, rpc.Err) {
	for {
		if g := ck.group(key); g != nil {
			if v, ver, err := g.Get(key); err != rpc.ErrWrongGroup {
				return v, ver, err
			}
		}
		ck.requery()
	}
}

// Put writes value if the key is at version (0: it must not exist). An
// ErrVersion after an attempt that may have been applied is ErrMaybe.
func (ck *Clerk) Put(key, value string, version rpc.Tversion) rpc.Err {
	uncertain := false
	for {
		if g := ck.group(key); g != nil {
			err, unc := g.Put(key, value, version)
			uncertain = uncertain || unc
			if err != rpc.ErrWrongGroup {
				if err == rpc.ErrVersion && uncertain && ck.flaws&NeverMaybe == 0 {
					return rpc.ErrMaybe
				}
				return err
			}
		}
		ck.requery()
	}
}
