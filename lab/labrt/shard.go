package labrt

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/shardkv/scenario"
	"github.com/kvsim/kvsim/shardkv/shardcfg"
	"github.com/kvsim/kvsim/shardkv/shardgrp"
	"github.com/kvsim/kvsim/sim"
	"github.com/kvsim/kvsim/worker"
)

// ShardStudent is a course-style shardkv1 folder: its constructors, as
// the generated program finds them.
type ShardStudent struct {
	// Name names the implementation in results ("lab/<folder>").
	Name string
	// Dir is the folder as the user named it, for repro lines.
	Dir string
	// StartGroup is shardgrp.StartServerShardGrp(the node's ends, gid, the
	// node's index, its Persister, maxraftstate): the group server's
	// services, its Raft among them.
	StartGroup func(node *harness.Node, gid int, maxraftstate int) []any
	// NewController is shardctrler.MakeShardCtrler(clnt), wrapped by the
	// generated program to take kvsim's configurations (ToFolder,
	// FromFolder) and to Unwrap to the folder's.
	NewController func(clnt *Clnt) scenario.Controller
	// NewClerk is shardkv.MakeClerk(clnt, ctl), ctl the folder's own
	// controller (one NewController made).
	NewClerk func(clnt *Clnt, ctl any) rpc.Clerk
	// StartStore is the tree's kvsrv1 server (its StartKVServer, or
	// MakeKVServer), on the node of the controller's key/value server:
	// its services, served there by their types' names.
	StartStore func(node *harness.Node) []any
	// Key2Shard is the folder's shardcfg.Key2Shard, if it declares one
	// (nil if not): the shard of a key as the folder's groups compute
	// it, for the one-owner check (keyShard).
	Key2Shard any
}

// impl is the folder's code as the sharded scenarios' implementation.
// The controller keeps its configuration at the tree's kvsrv1 server, as
// the course's tester has it: a controller may ask its server for more
// than the lab's Get and Put (a lease's PutTTL). Every service a group server
// returns is served by its type's name ("KVServer.FreezeShard",
// "Raft.AppendEntries"), as the course's tester serves them; what a group
// serves is not observed from inside: the one-owner check watches the
// calls the controllers and clerks make to the group servers, and their
// replies (scenario.Impl.KeyShard; the shard of a key as the folder's
// Key2Shard has it), and the history's linearizability judges the moves.
func (st ShardStudent) impl() scenario.Impl {
	return scenario.Impl{
		Name:     st.Name,
		KeyShard: keyShard(st.Key2Shard),
		StartGroup: func(node *harness.Node, _ *sim.Server, gid shardcfg.Tgid, _ func(shardgrp.Served)) {
			for _, s := range st.StartGroup(node, int(gid), scenario.MaxRaftState) {
				node.Serve(s)
			}
		},
		NewController: func(c rpc.Caller, _ rpc.Sleeper, _ string) scenario.Controller {
			return st.NewController(&Clnt{scenario.CallsThrough(c, sim.AnyRunning{W: current("a controller")})})
		},
		NewClerk: func(c rpc.Caller, _ rpc.Sleeper, ctl scenario.Controller) rpc.Clerk {
			return st.NewClerk(&Clnt{scenario.CallsThrough(c, sim.AnyRunning{W: current("a clerk")})}, ctl.(interface{ Unwrap() any }).Unwrap())
		},
		StartStore: func(m *sim.Machine) {
			node := harness.NewNode(current("the controller's server"), m, []string{scenario.CtrlServer}, 0)
			for _, s := range st.StartStore(node) {
				node.Serve(s)
			}
		},
	}
}

// keyShard is f, a folder's Key2Shard, as a function of a key to its
// shard, if it is a func(string) of an integer type; else nil (and the
// one-owner check has no evidence from Gets).
func keyShard(f any) func(key string) int {
	v := reflect.ValueOf(f)
	if !v.IsValid() || v.Kind() != reflect.Func || v.IsNil() {
		return nil
	}
	t := v.Type()
	if t.NumIn() != 1 || t.In(0).Kind() != reflect.String || t.IsVariadic() || t.NumOut() != 1 {
		return nil
	}
	var toInt func(reflect.Value) int
	switch t.Out(0).Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		toInt = func(r reflect.Value) int { return int(r.Int()) }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		toInt = func(r reflect.Value) int { return int(r.Uint()) }
	default:
		return nil
	}
	in := t.In(0)
	return func(key string) int {
		return toInt(v.Call([]reflect.Value{reflect.ValueOf(key).Convert(in)})[0])
	}
}

// Services is what a folder's constructor returned (a []tester.IService,
// a []any) as the services to serve.
func Services[S any](services []S) []any {
	all := make([]any, len(services))
	for i, s := range services {
		all[i] = s
	}
	return all
}

// ToFolder is cfg as the folder's configuration type (C, its
// shardcfg.ShardConfig), through the JSON form the course's String and
// FromString share: the generated program's controller takes kvsim's
// configurations with it, whatever its methods return.
func ToFolder[C any](cfg *shardcfg.Config) *C {
	c := new(C)
	if err := json.Unmarshal([]byte(cfg.String()), c); err != nil {
		panic(fmt.Sprintf("kvsim lab: the folder's shardcfg.ShardConfig does not take the course's configuration: %v", err))
	}
	return c
}

// FromFolder is the folder's configuration c (what its Query returned)
// as kvsim's.
func FromFolder[C any](c *C) *shardcfg.Config {
	if c == nil {
		panic("the folder's ShardCtrler.Query returned nil")
	}
	b, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("the folder's ShardCtrler.Query returned a configuration that does not marshal: %v", err))
	}
	cfg, err := shardcfg.FromString(string(b))
	if err != nil {
		panic(fmt.Sprintf("the folder's ShardCtrler.Query returned a configuration that is not the course's ShardConfig (%s): %v", b, err))
	}
	return cfg
}

// ServerName is the course tester's ServerName(gid, i): in a shardkv1
// run, the controller's key/value server for group 0 (the tester's GRP0)
// and the scenario's group servers; else server i of a cluster.
func ServerName(gid, i int) string {
	switch {
	case !world.sharded:
		return kvsim.ServerName + strconv.Itoa(i)
	case gid == 0:
		return scenario.CtrlServer
	}
	return scenario.ServerName(shardcfg.Tgid(gid), i)
}

// ShardMain is the generated program's main for a shardkv1 folder, a
// worker only, as RaftMain is for a raft1 folder: it answers
// worker.ShardRequests.
func ShardMain(st ShardStudent, args []string, stdout, stderr io.Writer) int {
	var runner sim.Runner
	return workerMain(st.Name, st.Dir, args, stderr, func(req worker.ShardRequest) worker.ShardResponse { return RunShard(st, req, &runner) })
}

// RunShard makes one run of the folder's sharded service in this
// process, its package state fresh, as a fresh process would have it.
func RunShard(st ShardStudent, req worker.ShardRequest, runner *sim.Runner) (resp worker.ShardResponse) {
	s, err := scenario.Named(req.Scenario)
	if err != nil {
		resp.Err = err.Error()
		return resp
	}
	fail := func(why string) { resp.Result = scenario.Result{Scenario: req.Scenario, Seed: req.Seed, Failure: why} }
	isolated(req.Seed, fail, func() bool { return resp.Result.Failed() }, &resp.Output, func() {
		world.sharded = true
		resp.Result = scenario.Run(s, scenario.Config{Seed: req.Seed, Impl: st.impl(), Trace: req.Trace, Runner: runner, OnWorld: enter})
	})
	return resp
}
