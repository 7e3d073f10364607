package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/check"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/sim"
)

// startCluster hosts an implementation that is a cluster (kvsim.Impl's
// Servers): a machine per server, each named as kvsim.ServerNames says,
// whose constructor (run again at each restart) starts the server with
// its harness.Node and registers its Get and Put handlers; the server
// registers what runs beneath it (its Raft) through the node, and Raft's
// own checks watch that Raft (harness.Watch): a violation fails the run. Every
// fault of the run's profile acts on these machines and the links between
// them as on the clients' (the simulator's faults draw among every
// endpoint and every message). The checks read the final state through a
// clerk (readAtEnd).
func (e *Env) startCluster(w *sim.World) {
	e.replicas = make([]rpc.Server, len(e.names))
	e.machines = make([]*sim.Machine, len(e.names))
	watch := harness.NewWatch(w, len(e.names), func(server int, v error) {
		if server < 0 {
			e.Violate("raft beneath the service: %v", v)
			return
		}
		e.Violate("raft beneath the service (s%d is %s): %v", server, e.names[server], v)
	})
	for i, name := range e.names {
		e.machines[i] = w.NewMachine(name, func(m *sim.Machine) {
			e.harvestWarnings(e.replicas[i])
			srv := e.impl.NewReplica(watch.Node(m, e.names, i))
			e.replicas[i] = srv
			register(m.Server(), srv)
		})
	}
	e.final = &finalReads{clients: sim.NewWaitGroup(w), got: map[string]finalRead{}}
	w.Spawn("final-reads", e.readAtEnd)
	e.AddCheck(check.Func{Label: "snapshots", F: e.raftStateBound})
}

// Warner is a server of a cluster that saw something its contract allows
// but a precise implementation avoids, beneath the clients' view (an rsm
// that gives up on a request its Raft may still commit): the run reports
// its warnings with the checks'.
type Warner interface {
	Warnings() []Warning
}

// harvestWarnings adds what a server (of an incarnation that is ending,
// or of the run's last) warned of to the run's server warnings.
func (e *Env) harvestWarnings(srv rpc.Server) {
	if wr, ok := srv.(Warner); ok {
		e.serverWarnings = mergeWarnings(e.serverWarnings, wr.Warnings())
	}
}

// mergeWarnings adds more to ws, one warning per name: the counts add up,
// the first text stays.
func mergeWarnings(ws, more []Warning) []Warning {
	for _, m := range more {
		i := slices.IndexFunc(ws, func(w Warning) bool { return w.Name == m.Name })
		if i < 0 {
			ws = append(ws, m)
			continue
		}
		ws[i].Count += m.Count
	}
	return ws
}

// Snapshotter is a server of a cluster that says past how many bytes of
// Raft state it snapshots (the course's maxraftstate; 0 or less: never),
// for the check that its Raft state stays bounded.
type Snapshotter interface {
	MaxRaftState() int
}

// RaftStateBound is how many times maxraftstate a server's Raft state may
// hold after a run, as the course's tester allows.
const RaftStateBound = 8

// raftStateBound is the snapshot check: after the run, every server that
// snapshots holds at most RaftStateBound times maxraftstate of Raft state
// (a log that snapshots do not trim grows with the traffic).
func (e *Env) raftStateBound() string {
	for i, r := range e.replicas {
		sn, ok := r.(Snapshotter)
		if !ok || sn.MaxRaftState() <= 0 {
			continue
		}
		if n, limit := e.machines[i].Persister().StateSize(), RaftStateBound*sn.MaxRaftState(); n > limit {
			return fmt.Sprintf("%s holds %d bytes of Raft state, more than %d times its maxraftstate (%d): its log is not trimmed by snapshots", e.names[i], n, RaftStateBound, sn.MaxRaftState())
		}
	}
	return ""
}

// HasData is a server of a cluster that says which part of it holds the
// data (its state machine), for the memory check: the rest (a Raft log,
// bounded by snapshots) is not the data's.
type HasData interface {
	Data() any
}

// memoryOf is what the memory check weighs: the server, or a cluster's
// first server's data (nil, no check, if it does not say which part of it
// that is).
func (e *Env) memoryOf() any {
	if !e.impl.Cluster() {
		return e.server
	}
	if d, ok := e.replicas[0].(HasData); ok {
		return d.Data()
	}
	return nil
}

// isServerGoroutine reports whether a goroutine named name (its
// endpoint, "/", its label) is a server's, which may live as long as its
// server does.
func isServerGoroutine(name string) bool {
	ep, _, ok := strings.Cut(name, "/")
	if !ok || !strings.HasPrefix(ep, kvsim.ServerName) {
		return false
	}
	for _, r := range ep[len(kvsim.ServerName):] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// clusterFaults adds, to a cluster's run whose profile cuts links
// (Faults.PartitionEvery), a partition the simulator's own cannot make:
// the leader cut off from the other servers only (cutLeaders), at the
// profile's rate, for long enough that the others elect another leader
// (clusterCutAtLeast, plus up to the profile's PartitionFor), while
// faults are on. It draws from a stream of its own, so a single server's
// runs draw as they did.
func (e *Env) clusterFaults(f sim.Faults) {
	if f.PartitionEvery <= 0 {
		return
	}
	s := e.w.Stream("cluster/partition")
	e.cutLeaders("cluster-nemesis", s, func() time.Duration {
		return 1 + time.Duration(sim.Decide(s, sim.DecideFaultGap, uint64(2*f.PartitionEvery)))
	}, func() time.Duration {
		return clusterCutAtLeast + time.Duration(sim.Decide(s, sim.DecideFaultLength, uint64(f.PartitionFor)))
	}, e.w.FaultsOn)
}

// cutLeaders starts a process named name that, while on says so,
// waits gap, then cuts the leader (a server that says it leads, Leader;
// else one drawn from s) off from the other servers only, for length,
// one cut at a time (the simulator's cuts of a link do not nest).
// Clients still reach the server cut off: a deposed leader keeps
// answering them until it hears of its successor, and a read it serves
// without its majority is stale. It does nothing on a single server.
func (e *Env) cutLeaders(name string, s sim.Entropy, gap, length func() time.Duration, on func() bool) {
	w := e.w
	e.atLeaders(name, s, gap, on, func(p *sim.Proc, leader string) {
		e.eachOther(leader, func(other string) { w.Cut(leader, other) })
		p.Sleep(length())
		e.eachOther(leader, func(other string) { w.Heal(leader, other) })
	})
}

// atLeaders starts a process named name that, while on says so, waits
// gap, then calls fault, which returns once its fault is over, with the
// leader (a server that says it leads, Leader; else one drawn from s). It
// does nothing on a single server.
func (e *Env) atLeaders(name string, s sim.Entropy, gap func() time.Duration, on func() bool, fault func(p *sim.Proc, leader string)) {
	if len(e.names) < 2 {
		return
	}
	e.w.Spawn(name, func(p *sim.Proc) {
		for {
			p.Sleep(gap())
			if !on() {
				return
			}
			cut := e.leader()
			if cut < 0 {
				cut = int(sim.Decide(s, sim.DecidePartition, uint64(len(e.names))))
			}
			fault(p, e.names[cut])
		}
	})
}

// eachOther calls f with the name of every server but server.
func (e *Env) eachOther(server string, f func(other string)) {
	for _, other := range e.names {
		if other != server {
			f(other)
		}
	}
}

// leader is the index of a server that is up and says it leads (Leader),
// or -1. A server that is down is not asked: its goroutines stopped where
// they were, perhaps holding its Raft's lock.
func (e *Env) leader() int {
	for i, r := range e.replicas {
		if l, ok := r.(Leader); ok && e.machines[i].Up() && l.Leader() {
			return i
		}
	}
	return -1
}

// crashServers starts a process named name that, while on says so,
// waits gap, then crashes a server (the leader one time in two, else one
// drawn from s; every server one time in five) and restarts it after
// down, from what its Persister holds: its Raft state and snapshot. It
// does nothing on a single server.
func (e *Env) crashServers(name string, s sim.Entropy, gap, down func() time.Duration, on func() bool) {
	if len(e.names) < 2 {
		return
	}
	w := e.w
	w.Spawn(name, func(p *sim.Proc) {
		for {
			p.Sleep(gap())
			if !on() {
				return
			}
			var victims []*sim.Machine
			switch l := e.leader(); {
			case sim.Decide(s, sim.DecidePartition, 5) == 0:
				victims = e.machines
			case l >= 0 && sim.Decide(s, sim.DecidePartition, 2) == 0:
				victims = e.machines[l : l+1]
			default:
				i := sim.Decide(s, sim.DecidePartition, uint64(len(e.machines)))
				victims = e.machines[i : i+1]
			}
			for _, m := range victims {
				m.Crash()
			}
			p.Sleep(down())
			for _, m := range victims {
				m.Restart()
			}
		}
	})
}

// clusterCutAtLeast is how long, at least, clusterFaults cuts a server
// off from the others: longer than an election takes.
const clusterCutAtLeast = 500 * time.Millisecond

// Leader is a server of a cluster that says whether it believes it leads
// (its Raft's GetState), for the faults aimed at the leader. It is called
// from a process of the run, not from the server's machine.
type Leader interface {
	Leader() bool
}

// ClusterCallTimeout is how long a call waits for its reply in a
// cluster's runs, clients' and servers' alike (the simulator's default,
// 100ms, elsewhere). Every operation of a replicated service is a round
// of consensus: the request, the entry sent to a majority and their
// replies, the applier, each a goroutine that the preempt fault (which
// lasts the whole run) may leave unscheduled for up to 50ms. Its latency
// then often passes 100ms, and clients that time out and resend keep it
// there. The course's labrpc has no timeout at all; a real deployment
// sets one above its service's latency.
const ClusterCallTimeout = 400 * time.Millisecond

// readCluster makes the final reads of a cluster (readAtEnd): each key
// read by a clerk of its own, as a client would read it, all at once, so
// that the reads take one operation's time, not one per key, out of the
// run's.
func (e *Env) readCluster() {
	w := e.w
	// Every client has returned, within the run's budget: the reads are
	// the checks', not the workload's, and have a liveness window of their
	// own (a busy cluster may take a while to answer them all).
	w.SetMaxTime(w.Now() + LivenessWindow)
	var keys []string
	for _, op := range e.rec.KV {
		if key := op.Input.Key; !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
	}
	got := make([]finalRead, len(keys))
	wg := sim.NewWaitGroup(w)
	for i, key := range keys {
		wg.Go(func() {
			ck := e.impl.NewClusterClerk(sim.AnyRunning{W: w}, sim.AnyRunning{W: w}, e.names)
			v, ver, err := ck.Get(key)
			got[i] = finalRead{v, ver, err}
		})
	}
	wg.Wait()
	for i, key := range keys {
		e.final.got[key] = got[i]
	}
	e.drain()
}

// DrainEvery is how often, once the final reads are done, a cluster's run
// looks whether its servers' handlers have all returned.
const DrainEvery = 10 * time.Millisecond

// drain waits, once the final reads are done, for every handler still
// running on a server to return. Under the course's network a call waits
// for its handler, so a handler that never returns (a Submit on a deposed
// leader that waits for an entry that will never come) leaves its client
// waiting forever; kvsim's calls time out, and the client has moved on,
// so only here does the run see it. One still running a liveness window
// later fails the run.
func (e *Env) drain() {
	w := e.w
	deadline := w.Now() + LivenessWindow
	w.SetMaxTime(deadline + DrainEvery)
	for {
		var oldest *sim.Handling
		var on string
		for _, m := range e.machines {
			if h := m.Handling(); len(h) > 0 && (oldest == nil || h[0].Since < oldest.Since) {
				oldest, on = &h[0], m.Name()
			}
		}
		if oldest == nil {
			return
		}
		if w.Now() >= deadline {
			g := oldest.Goroutine()
			msg := fmt.Sprintf("liveness: %s's handler of %s, called by %s at %v, had not returned %v after the final reads (%s at %s): under the course's network, whose calls wait for their handlers, that caller would wait forever",
				on, oldest.Method, oldest.From, oldest.Since.Round(time.Millisecond), LivenessWindow, g.State, g.At)
			e.rec.Stall = check.Stall{Stuck: true, Since: w.Now(), At: w.Now(), Where: msg}
			return
		}
		w.Running().Sleep(DrainEvery)
	}
}
