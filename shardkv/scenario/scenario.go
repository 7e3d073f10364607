package scenario

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kvsim/kvsim/check"
	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/shardkv/shardcfg"
	"github.com/kvsim/kvsim/shardkv/shardgrp"
	"github.com/kvsim/kvsim/sim"
)

// Controllers is how a scenario's controllers fail.
type Controllers uint8

const (
	// Steady controllers change the configuration one at a time, and
	// finish.
	Steady Controllers = iota
	// Crash crashes a controller mid-change, at a drawn moment, now and
	// then: the next controller's InitController finishes the change.
	Crash
	// Partition cuts a controller off mid-change now and then, for long
	// enough that the next ones finish its change and make more; then it
	// comes back and goes on with its own.
	Partition
	// Race has two controllers change the same configuration at once,
	// now and then, to different ones: one change at most may win.
	Race
	// Mixed fails a controller now and then as Crash, Partition or Race
	// do, drawn each time.
	Mixed
)

// Scenario is one sharded scenario.
type Scenario struct {
	Name, Doc string
	// Lossy: the network drops and delays messages (and, on some seeds,
	// cuts endpoints off), and group servers crash and restart, for twice
	// LoadFor.
	Lossy       bool
	Controllers Controllers
}

var all = []*Scenario{
	{Name: "join-leave", Doc: "groups join and leave one at a time while clients run, on a reliable network"},
	{Name: "join-leave-lossy", Doc: "groups join and leave while clients run, on a network that drops and delays messages, with group servers crashing and restarting", Lossy: true},
	{Name: "ctrler-crash", Doc: "controllers crash mid-change now and then; the next controller's InitController finishes the change", Controllers: Crash},
	{Name: "ctrler-partition", Doc: "controllers are cut off mid-change now and then, and come back after their successors have finished their change and made more", Controllers: Partition},
	{Name: "ctrler-race", Doc: "two controllers now and then change the same configuration at once, to different ones, on a lossy network; at most one may win", Lossy: true, Controllers: Race},
	{Name: "chaos", Doc: "everything at once: a lossy network that may cut endpoints off, group servers and whole groups crashing, controllers crashed, cut off or racing", Lossy: true, Controllers: Mixed},
}

// All is every scenario, in a fixed order.
func All() []*Scenario { return slices.Clone(all) }

// Named is the scenario named name.
func Named(name string) (*Scenario, error) {
	for _, s := range all {
		if s.Name == name {
			return s, nil
		}
	}
	return nil, errors.New("no sharded scenario named " + name)
}

// Config is one run.
type Config struct {
	Seed uint64
	// Impl is the service under test; the zero Impl is the reference.
	Impl Impl
	// Trace keeps the world's trace (Result.Trace).
	Trace bool
	// Runner, if set, makes the world (reusing memory between runs).
	Runner *sim.Runner
	// OnWorld, if set, hears of the world before anything runs in it
	// (the lab's runtime enters it, for the folder's code).
	OnWorld func(*sim.World)
}

// Result is what a run gives: plain data.
type Result struct {
	Scenario string
	Impl     string
	Seed     uint64
	// Shape is what the seed drew: groups, clients, keys, network.
	Shape string
	// Failure is the run's first failure in one line; "" if it passed.
	Failure string
	Hash    uint64
	Time    time.Duration
	Steps   int
	// Ops are the client operations that returned; Configs the number
	// of the last configuration.
	Ops     int
	Configs int
	// Interrupted are the controllers crashed or cut off before they
	// finished.
	Interrupted int
	Trace       []sim.Record
}

// Failed reports whether the run failed.
func (r *Result) Failed() bool { return r.Failure != "" }

func (r *Result) String() string {
	verdict := "ok"
	if r.Failed() {
		verdict = "FAIL " + r.Failure
	}
	return fmt.Sprintf("%s seed %d (%s): %s", r.Scenario, r.Seed, r.Shape, verdict)
}

// The run's timing, in virtual time.
const (
	// LoadFor is how long clients run and the configuration changes on
	// a reliable network; faults stop then.
	LoadFor = 5 * time.Second
	// LivenessWindow is how long after LoadFor every client and
	// controller must be done.
	LivenessWindow = 20 * time.Second
	// CallTimeout is how long a call waits for its reply: a group's
	// every operation is a round of consensus.
	CallTimeout = 400 * time.Millisecond
	// MaxRaftState is the Raft state's size past which group servers
	// snapshot: often, in a run of a few hundred operations.
	MaxRaftState = 4000
)

// CtrlServer is the controller's key/value server.
const CtrlServer = "ctrl-kv"

// ServerName is the name of server i of group gid.
func ServerName(gid shardcfg.Tgid, i int) string { return fmt.Sprintf("g%d-%d", gid, i) }

// shape is what a seed draws before the world is made.
type shape struct {
	groups, clients, keys int
	faults                sim.Faults
	load                  time.Duration // how long clients run (LoadFor, or twice on a lossy network)
}

func (sh shape) String() string {
	return fmt.Sprintf("%d groups, %d clients, %d keys, %s", sh.groups, sh.clients, sh.keys, sh.faults)
}

func drawShape(s *Scenario, e sim.Entropy) shape {
	sh := shape{
		groups:  3 + int(sim.Decide(e, sim.Workload, 2)),
		clients: 2 + int(sim.Decide(e, sim.Workload, 3)),
		keys:    6 + int(sim.Decide(e, sim.Workload, 15)),
	}
	sh.load = LoadFor
	if s.Lossy {
		// Every change takes a while on a lossy network, and shards are
		// served by no group while they move: twice the time makes as
		// many changes as a reliable network's runs.
		sh.load = 2 * LoadFor
		drop := float64(1+sim.Decide(e, sim.Workload, 5)) / 100
		sh.faults = sim.Faults{DropRequest: drop, DropReply: drop, Jitter: 5 * time.Millisecond,
			TailProb: 0.02, Tail: 300 * time.Millisecond, Until: sh.load}
		if sim.Decide(e, sim.Workload, 2) == 0 {
			sh.faults.PartitionEvery, sh.faults.PartitionFor = 2*time.Second, time.Second
		}
	}
	// The scheduling faults as swarm draws them, each in half the seeds,
	// on any network: a group is goroutine code (its server, rsm and
	// Raft), and only they let time pass between two steps of a
	// goroutine, where a window between two critical sections opens.
	// Drawn last, so that the draws above stay each seed's.
	sh.faults = sh.faults.WithSwarmScheduling(e)
	return sh
}

// Run runs scenario s once.
func Run(s *Scenario, cfg Config) Result {
	ent := sim.NewPCG(cfg.Seed)
	sh := drawShape(s, sim.Stream(ent, "shardkv/"+s.Name))
	opts := sim.Options{Entropy: ent, Faults: sh.faults, CallTimeout: CallTimeout,
		MaxTime: sh.load + LivenessWindow, Trace: cfg.Trace, IgnoreLeaks: true}
	var w *sim.World
	if cfg.Runner != nil {
		w = cfg.Runner.New(cfg.Seed, opts)
	} else {
		w = sim.New(cfg.Seed, opts)
	}
	if cfg.OnWorld != nil {
		cfg.OnWorld(w)
	}
	impl := cfg.Impl
	if impl.StartGroup == nil {
		impl = Reference()
	}
	h := newWorld(w, s, sh, impl)
	w.Spawn("admin", h.admin)
	r := w.Run()
	res := Result{Scenario: s.Name, Impl: impl.Name, Seed: cfg.Seed, Shape: sh.String(), Hash: r.Hash, Time: r.Time, Steps: r.Steps, Configs: h.lastNum, Interrupted: h.interrupted}
	if cfg.Trace {
		res.Trace = w.Records()
	}
	for _, op := range h.rec.KV {
		if !op.Output.Unknown {
			res.Ops++
		}
	}
	switch r.Status {
	case sim.Panic:
		res.Failure = "panic: " + r.Reason
		return res
	case sim.Stuck:
		h.rec.Stall = check.Stall{Stuck: true, Since: sh.load, Window: LivenessWindow, At: r.Time, Where: r.Reason}
	}
	var o check.Outcome
	h.checks().Run(&h.rec, &o)
	if f, ok := o.First(); ok {
		res.Failure = f.Reason
	}
	return res
}

// world is one run's world and what the checks read.
type world struct {
	w      *sim.World
	s      *Scenario
	shape  shape
	impl   Impl
	groups [][]string // servers' names, by gid-1
	ms     [][]*sim.Machine
	keys   []string
	rec    check.Recording

	served      map[servedAt]shardgrp.Served // the first Get or Put served at each shard and number
	twice       string                       // the first shard served by two groups under one number
	serverOf    map[string]serverAt          // group servers by name
	calls       callWatch                    // the calls to them (Impl.KeyShard)
	lastNum     int
	ctlRuns     int           // controllers started, for their names
	longest     time.Duration // the longest change waited for
	interrupted int
	unfinished  []string // the plans of the controllers interrupted
}

// serverAt is server me of group gid.
type serverAt struct {
	gid shardcfg.Tgid
	me  int
}

type servedAt struct {
	shard shardcfg.Tshid
	num   shardcfg.Tnum
}

func newWorld(w *sim.World, s *Scenario, sh shape, impl Impl) *world {
	h := &world{w: w, s: s, shape: sh, impl: impl, served: map[servedAt]shardgrp.Served{}, serverOf: map[string]serverAt{}}
	for k := range sh.keys {
		h.keys = append(h.keys, fmt.Sprintf("k%d", k))
	}
	if impl.StartStore != nil {
		w.NewMachine(CtrlServer, impl.StartStore)
	} else {
		store := kv.NewServer()
		srv := w.NewServer(CtrlServer)
		sim.Handle(srv, rpc.MethodGet, store.Get)
		sim.Handle(srv, rpc.MethodPut, store.Put)
	}
	for g := range sh.groups {
		gid := shardcfg.Tgid(g + 1)
		names := []string{ServerName(gid, 0), ServerName(gid, 1), ServerName(gid, 2)}
		h.groups = append(h.groups, names)
		for i, name := range names {
			h.serverOf[name] = serverAt{gid, i}
		}
		var ms []*sim.Machine
		for i, name := range names {
			ms = append(ms, w.NewMachine(name, func(m *sim.Machine) {
				impl.StartGroup(harness.NewNode(w, m, names, i), m.Server(), gid, h.observe)
			}))
		}
		h.ms = append(h.ms, ms)
	}
	return h
}

// observe records a Get or Put a group served; the first shard served by
// two groups under one number is the check's violation.
func (h *world) observe(sv shardgrp.Served) {
	at := servedAt{sv.Shard, sv.Num}
	first, ok := h.served[at]
	switch {
	case !ok:
		h.served[at] = sv
	case first.Gid != sv.Gid && h.twice == "":
		h.twice = fmt.Sprintf("one owner: shard %d served by group %d (server %d, %q) and by group %d (server %d, %q) under configuration %d, at %v",
			sv.Shard, first.Gid, first.Me, first.Key, sv.Gid, sv.Me, sv.Key, sv.Num, h.w.Now())
	}
}

func (h *world) checks() check.Registry {
	return check.Registry{
		// The most specific explanation first: two owners explain the
		// history that is not linearizable.
		// Groups that observe what they serve are judged by that; the
		// calls to groups that cannot, by their replies (calls.go).
		check.Func{Label: "one owner", F: func() string {
			if h.twice != "" {
				return h.twice
			}
			return h.calls.violation()
		}},
		&check.Linearizability{Timeout: 10 * time.Second},
		check.Workload{},
		check.Liveness{},
	}
}
