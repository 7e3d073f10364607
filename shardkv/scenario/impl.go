package scenario

import (
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/shardkv"
	"github.com/kvsim/kvsim/shardkv/shardcfg"
	"github.com/kvsim/kvsim/shardkv/shardctrler"
	"github.com/kvsim/kvsim/shardkv/shardgrp"
	"github.com/kvsim/kvsim/sim"
)

// Impl is a sharded service under test, as factories: the seam through
// which another implementation (a course folder's, through the lab's
// shims) takes the reference's place. The zero Impl is the reference.
type Impl struct {
	Name string
	// StartGroup starts server node.Me of group gid on its machine
	// (called again at each restart) and registers its handlers on srv.
	// observe hears of each Get and Put the group's state machine serves;
	// an implementation that cannot say sets KeyShard, and the one-owner
	// check judges its groups by the calls to them.
	StartGroup func(node *harness.Node, srv *sim.Server, gid shardcfg.Tgid, observe func(shardgrp.Served))
	// NewController makes a controller whose configuration is kept at the
	// key/value server named server.
	NewController func(c rpc.Caller, s rpc.Sleeper, server string) Controller
	// NewClerk makes a client of the service that reads the
	// configuration through ctl, one of NewController's.
	NewClerk func(c rpc.Caller, s rpc.Sleeper, ctl Controller) rpc.Clerk
	// StartStore, if set, starts the controller's key/value server on
	// its machine and registers its handlers there (a course folder's
	// tree's own kvsrv1 server, which its controller may ask for more
	// than Get and Put); else kvsim's kv.Server serves, without a
	// machine.
	StartStore func(m *sim.Machine)
	// KeyShard, if set, is the shard of a key as the implementation
	// computes it, and has the one-owner check watch the calls the
	// controllers and clerks make to group servers (calls.go): for groups
	// that cannot observe what their state machines serve. A controller
	// or clerk that calls otherwise than through the caller it is given
	// keeps the watch with CallsThrough.
	KeyShard func(key string) int
}

// Controller is the course's shard controller, as the tester calls it.
type Controller interface {
	InitConfig(cfg *shardcfg.Config)
	InitController()
	ChangeConfigTo(new *shardcfg.Config)
	Query() *shardcfg.Config
}

// Flaws are deliberate bugs of the reference's parts.
type Flaws struct {
	Group      shardgrp.Flaw
	Controller shardctrler.Flaw
	Clerk      shardkv.Flaw
}

// Reference is kvsim's reference sharded service.
func Reference() Impl { return Flawed("reference", Flaws{}) }

// Flawed is the reference with flaws, named name.
func Flawed(name string, flaws Flaws) Impl {
	return Impl{
		Name: name,
		StartGroup: func(node *harness.Node, srv *sim.Server, gid shardcfg.Tgid, observe func(shardgrp.Served)) {
			s := shardgrp.Start(node, gid, MaxRaftState, observe, flaws.Group)
			sim.Handle(srv, shardgrp.MethodGet, s.Get)
			sim.Handle(srv, shardgrp.MethodPut, s.Put)
			sim.Handle(srv, shardgrp.MethodFreeze, s.FreezeShard)
			sim.Handle(srv, shardgrp.MethodInstall, s.InstallShard)
			sim.Handle(srv, shardgrp.MethodDelete, s.DeleteShard)
		},
		NewController: func(c rpc.Caller, s rpc.Sleeper, server string) Controller {
			return shardctrler.New(c, s, server, flaws.Controller)
		},
		NewClerk: func(c rpc.Caller, s rpc.Sleeper, ctl Controller) rpc.Clerk {
			return shardkv.NewClerk(c, s, ctl.(*shardctrler.Controller), flaws.Clerk)
		},
	}
}
