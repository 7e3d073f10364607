package scenarios

import (
	"strings"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/sim"
)

// startCluster hosts an implementation that is a cluster (kvsim.Impl's
// Servers): a machine per server, each named as kvsim.ServerNames says,
// whose constructor (run again at each restart) starts the server with
// its harness.Node and registers its Get and Put handlers; the server
// registers what runs beneath it (its Raft) through the node. Every
// fault of the run's profile acts on these machines and the links between
// them as on the clients' (the simulator's faults draw among every
// endpoint and every message). The checks read the final state through a
// clerk (readAtEnd).
func (e *Env) startCluster(w *sim.World) {
	e.replicas = make([]rpc.Server, len(e.names))
	for i, name := range e.names {
		w.NewMachine(name, func(m *sim.Machine) {
			srv := e.impl.NewReplica(harness.NewNode(w, m, e.names, i))
			e.replicas[i] = srv
			register(m.Server(), srv)
		})
	}
	e.final = &finalReads{clients: sim.NewWaitGroup(w), got: map[string]finalRead{}}
	w.Spawn("final-reads", e.readAtEnd)
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
// one server cut off from the other servers only, while clients still
// reach it, at the same rate and for as long. A leader cut off so keeps
// serving the clients that reach it while the others elect another: the
// deposed leader that answers without its majority. It draws from a
// stream of its own, so a single server's runs draw as they did.
func (e *Env) clusterFaults(f sim.Faults) {
	if f.PartitionEvery <= 0 || len(e.names) < 2 {
		return
	}
	w := e.w
	s := w.Stream("cluster/partition")
	gap := func() time.Duration {
		return 1 + time.Duration(sim.Decide(s, sim.DecideFaultGap, uint64(2*f.PartitionEvery)))
	}
	var next func()
	next = func() {
		if !w.FaultsOn() {
			return
		}
		cut := e.names[sim.Decide(s, sim.DecidePartition, uint64(len(e.names)))]
		for _, other := range e.names {
			if other != cut {
				w.Cut(cut, other)
			}
		}
		w.At(w.Now()+1+time.Duration(sim.Decide(s, sim.DecideFaultLength, uint64(f.PartitionFor))), func() {
			for _, other := range e.names {
				if other != cut {
					w.Heal(cut, other)
				}
			}
		})
		w.At(w.Now()+gap(), next)
	}
	w.At(gap(), next)
}
