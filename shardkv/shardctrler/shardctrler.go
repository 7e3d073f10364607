package shardctrler

import (
	"fmt"

	"github.com/kvsim/kvsim/clerk"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/shardkv/shardcfg"
	"github.com/kvsim/kvsim/shardkv/shardgrp"
)

// The keys the configurations are kept under.
const (
	CurKey  = "config"
	NextKey = "next-config"
)

// Flaw is a deliberate bug of the controller, for tests; New's controllers
// have none.
type Flaw uint8

const (
	// PostBeforeInstall posts the new configuration once the shards are
	// frozen, before they are installed: a controller that crashes in
	// between leaves NextKey equal to CurKey, so its successor sees no
	// change to finish, and the moved shards are served by no group.
	PostBeforeInstall Flaw = 1 << iota
	// NoClaim moves shards without claiming the number at NextKey first
	// (it still writes NextKey, for recovery): two racing controllers
	// both move shards for one number, each by its own plan.
	NoClaim
	// AnyNext finishes, at InitController, a next configuration that is
	// any number past the current one it read: a controller cut off
	// between its reads moves shards by the difference between an old
	// configuration and a newer one, and installs stale data over the
	// shards' newer owners' (the newer number makes the groups take it).
	AnyNext
)

// Controller is a controller of the service.
type Controller struct {
	kv     *clerk.Clerk
	caller rpc.Caller
	sleep  rpc.Sleeper
	groups map[shardcfg.Tgid]*shardgrp.Clerk // by gid, each keeping its leader
	flaws  Flaw
}

// New is a controller that keeps the configuration at the key/value server
// named server and calls the groups, through c and s.
func New(c rpc.Caller, s rpc.Sleeper, server string, flaws Flaw) *Controller {
	return &Controller{kv: clerk.New(c, s, server, clerk.Options{}), caller: c, sleep: s, groups: map[shardcfg.Tgid]*shardgrp.Clerk{}, flaws: flaws}
}

// read is the configuration under key and its version.
func (ctl *Controller) read(key string) (*shardcfg.Config, rpc.Tversion) {
	v, ver, err := ctl.kv.Get(key)
	if err != rpc.OK {
		panic(fmt.Sprintf("shardctrler: %s: %s (InitConfig first)", key, err))
	}
	cfg, perr := shardcfg.FromString(v)
	if perr != nil {
		panic(fmt.Sprintf("shardctrler: %s: %v", key, perr))
	}
	return cfg, ver
}

// InitConfig stores the first configuration, as both the current and the
// next.
func (ctl *Controller) InitConfig(cfg *shardcfg.Config) {
	ctl.kv.Put(CurKey, cfg.String(), 0)
	ctl.kv.Put(NextKey, cfg.String(), 0)
}

// Query is the current configuration.
func (ctl *Controller) Query() *shardcfg.Config {
	cfg, _ := ctl.read(CurKey)
	return cfg
}

// InitController finishes a change a controller began and did not post
// (NextKey ahead of CurKey); the tester calls it before a controller's
// first change.
//
// The moves are the difference between the current configuration and
// the next only when the next is numbered one past it. A controller cut
// off between its two reads reads a current one that later changes made
// old, and a next several numbers past it: it reads both again.
func (ctl *Controller) InitController() {
	for {
		cur, ver := ctl.read(CurKey)
		next, _ := ctl.read(NextKey)
		switch {
		case next.Num == cur.Num+1 || next.Num > cur.Num && ctl.flaws&AnyNext != 0:
			ctl.move(cur, next, ver)
		case next.Num > cur.Num:
			continue
		}
		return
	}
}

// ChangeConfigTo changes the configuration to new, which must be numbered
// one past the current; it gives up if another controller has claimed
// that number, or a newer configuration has moved a shard on.
func (ctl *Controller) ChangeConfigTo(new *shardcfg.Config) {
	cur, curVer := ctl.read(CurKey)
	next, nextVer := ctl.read(NextKey)
	if new.Num != cur.Num+1 || next.Num > cur.Num && ctl.flaws&NoClaim == 0 {
		return
	}
	want := new.String()
	switch err := ctl.kv.Put(NextKey, want, nextVer); {
	case ctl.flaws&NoClaim != 0, err == rpc.OK:
	case err == rpc.ErrMaybe:
		if got, _, _ := ctl.kv.Get(NextKey); got != want {
			return
		}
	default:
		return
	}
	ctl.move(cur, new, curVer)
}

// move moves the shards from cur to next, posts next at CurKey (whose
// version is curVer), and deletes the moved shards at their old groups.
func (ctl *Controller) move(cur, next *shardcfg.Config, curVer rpc.Tversion) {
	var moved []shardcfg.Tshid
	states := make([][]byte, shardcfg.NShards)
	for s := range shardcfg.Tshid(shardcfg.NShards) {
		from := cur.Shards[s]
		if from == next.Shards[s] {
			continue
		}
		moved = append(moved, s)
		if from == 0 {
			continue
		}
		state, err := ctl.group(cur, from).FreezeShard(s, next.Num)
		if err != rpc.OK {
			return // a newer configuration moved it on: this change is over
		}
		states[s] = state
	}
	if ctl.flaws&PostBeforeInstall != 0 {
		ctl.kv.Put(CurKey, next.String(), curVer)
	}
	for _, s := range moved {
		if to := next.Shards[s]; to != 0 {
			ctl.group(next, to).InstallShard(s, states[s], next.Num)
		}
	}
	if ctl.flaws&PostBeforeInstall == 0 {
		// ErrVersion or ErrMaybe: another controller finishing the same
		// change posted it, or this one's earlier copy did.
		ctl.kv.Put(CurKey, next.String(), curVer)
	}
	for _, s := range moved {
		if from := cur.Shards[s]; from != 0 {
			ctl.group(cur, from).DeleteShard(s, next.Num)
		}
	}
}

// group is a clerk of group gid of cfg (a group's servers never change).
func (ctl *Controller) group(cfg *shardcfg.Config, gid shardcfg.Tgid) *shardgrp.Clerk {
	g := ctl.groups[gid]
	if g == nil {
		g = shardgrp.NewClerk(ctl.caller, ctl.sleep, cfg.Groups[gid])
		ctl.groups[gid] = g
	}
	return g
}
