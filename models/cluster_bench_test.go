package models_test

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/kvraft"
	"github.com/kvsim/kvsim/models"
	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/sim"
)

var (
	flagClusterOps  = flag.Int("models.cluster-ops", 0, "BenchmarkCheckClusterHistory: operations in the history, at least (0: a million, 100,000 under -short)")
	flagClusterFile = flag.String("models.cluster-file", "", "TestWriteClusterHistory: write the cluster's history here, as text (kvsim check --history reads it)")
)

// Long leader-cut's shape: leader-cut's (two keys, clients that only
// read them and others that mostly write them) with more clients and
// shorter pauses, for as long as the history needs, while the cluster
// nemesis cuts the leader off from the other servers (its clients still
// reach it) every second or so, for one to two seconds: the others elect
// another leader, and the deposed one answers what it can until it hears
// of it.
const (
	longCutClients = 20
	longCutReaders = 6                     // the first clients only read; the others write two times in three
	longCutThink   = 10 * time.Millisecond // at most, between operations
)

// clusterHistory is a history of at least ops operations of the
// reference replicated service on 5 servers (kvraft.Impl(5)): runs of
// long leader-cut, each clusterRun of virtual time (the simulator's
// budget of 10M events per run holds a few hundred thousand operations),
// seeds 1, 2, ..., one after another: each run's keys renamed r<seed>.a
// and r<seed>.b, its clients renumbered after the previous runs', its
// times shifted past their last. Each run must pass its own checks. It
// also returns the runs, the times the leader changed in all of them (a
// watcher asks every server every 50ms of virtual time whether it leads,
// and counts the times a server starts to, after the first of each run)
// and their total virtual length.
func clusterHistory(tb testing.TB, ops int) (history []models.KVOp, runs, changes int, length time.Duration) {
	var shift int64
	clients := 0
	for seed := uint64(1); len(history) < ops; seed++ {
		h, c := runLongCut(tb, seed, clusterRun)
		runs, changes, length = runs+1, changes+c, length+clusterRun
		prefix := "r" + strconv.FormatUint(seed, 10) + "."
		end := shift
		for _, op := range h {
			op.Client += clients
			op.Input.Key = prefix + op.Input.Key
			op.Call += shift
			end = max(end, op.Call)
			if !op.Output.Unknown {
				op.Return += shift
				end = max(end, op.Return)
			}
			history = append(history, op)
		}
		shift, clients = end+1, clients+longCutClients
	}
	return history, runs, changes, length
}

// clusterRun is the virtual length of each run of clusterHistory.
const clusterRun = 250 * time.Second

// runLongCut runs long leader-cut for length of virtual time and returns
// its history and the number of times the leader changed.
func runLongCut(tb testing.TB, seed uint64, length time.Duration) ([]models.KVOp, int) {
	impl := kvraft.Impl(5)
	replicas := make([]*kvraft.Server, impl.Servers)
	newReplica := impl.NewReplica
	impl.NewReplica = func(node any) rpc.Server {
		s := newReplica(node)
		replicas[node.(*harness.Node).Me] = s.(*kvraft.Server)
		return s
	}
	var history []models.KVOp
	changes := 0
	sc := scenarios.Scenario{
		Name: "long-leader-cut",
		Doc:  "leader-cut's readers and writers of two keys, ten clients, for as long as the history needs",
		Setup: func(e *scenarios.Env) func() string {
			w := e.World()
			keys := []string{"a", "b"}
			for id := range longCutClients {
				reader := id < longCutReaders
				e.Spawn(func(c *scenarios.Client) {
					ent := w.Stream("long-leader-cut/" + c.Name())
					var seen [2]rpc.Tversion
					for i := 0; w.Now() < length; i++ {
						k := ent.Uint64N(uint64(len(keys)))
						if reader || ent.Uint64N(3) == 0 {
							_, seen[k], _ = c.Get(keys[k])
						} else if c.Put(keys[k], c.Name()+"."+strconv.Itoa(i), seen[k]) == rpc.OK {
							seen[k]++
						}
						c.Sleep(time.Duration(ent.Uint64N(uint64(longCutThink))))
					}
				})
			}
			w.Spawn("leader-watcher", func(p *sim.Proc) {
				led := make([]bool, len(replicas))
				elected := 0
				for w.Now() < length {
					p.Sleep(50 * time.Millisecond)
					for i, s := range replicas {
						leads := s != nil && s.Leader()
						if leads && !led[i] {
							elected++
						}
						led[i] = leads
					}
				}
				changes = max(elected-1, 0)
			})
			return func() string {
				history = e.History()
				return ""
			}
		},
	}
	p := scenarios.Profile{
		Name: "leader-cuts",
		Doc:  "no loss; the leader cut off from the other servers every second or so, for one to two seconds, and one endpoint from all others as often",
		Faults: func(sim.Entropy) sim.Faults {
			return sim.Faults{Jitter: time.Millisecond, PartitionEvery: time.Second, PartitionFor: time.Second, Until: length}
		},
	}
	r := scenarios.Run(scenarios.Config{Scenario: sc, Profile: p, Impl: impl, Seed: seed, CheckTimeout: time.Minute})
	if r.Failed() {
		tb.Fatalf("the cluster's run failed: %s", r.Summary())
	}
	return history, changes
}

var cluster struct {
	once    sync.Once
	history []models.KVOp
	text    string
	made    time.Duration
	runs    int
	changes int           // of leader
	length  time.Duration // virtual
}

// clusterOnce makes the benchmark's history once per process.
func clusterOnce(tb testing.TB) {
	cluster.once.Do(func() {
		start := time.Now()
		ops := *flagClusterOps
		if ops <= 0 {
			ops = 1_000_000
			if testing.Short() {
				ops = 100_000
			}
		}
		cluster.history, cluster.runs, cluster.changes, cluster.length = clusterHistory(tb, ops)
		cluster.text = models.FormatKV(cluster.history)
		cluster.made = time.Since(start)
	})
	if cluster.history == nil {
		tb.Fatal("no cluster history")
	}
}

// BenchmarkCheckClusterHistory checks a history of a million operations
// (-models.cluster-ops) from runs of the replicated reference on five
// servers with the leader cut off every second or so (clusterHistory),
// made once in the benchmark's setup: "check" is models.CheckKV, as the
// campaign's checks and kvsim check run it; "parse+check" adds reading
// its text (kvsim check --history).
func BenchmarkCheckClusterHistory(b *testing.B) {
	clusterOnce(b)
	b.Logf("%d operations of %d runs, %d leader changes in %v of virtual time, made in %v", len(cluster.history), cluster.runs, cluster.changes, cluster.length, cluster.made.Round(time.Millisecond))
	b.Run("check", func(b *testing.B) {
		for b.Loop() {
			if r := models.CheckKV(cluster.history, time.Minute); r.Verdict != models.Ok {
				b.Fatalf("%v: %s", r.Verdict, r.Reason)
			}
		}
	})
	b.Run("parse+check", func(b *testing.B) {
		for b.Loop() {
			ops, err := models.ParseKV(cluster.text)
			if err != nil {
				b.Fatal(err)
			}
			if r := models.CheckKV(ops, time.Minute); r.Verdict != models.Ok {
				b.Fatalf("%v: %s", r.Verdict, r.Reason)
			}
		}
	})
}

// TestWriteClusterHistory writes BenchmarkCheckClusterHistory's history
// to -models.cluster-file, for kvsim check; off without it.
func TestWriteClusterHistory(t *testing.T) {
	if *flagClusterFile == "" {
		t.Skip("-models.cluster-file names the file to write")
	}
	clusterOnce(t)
	header := fmt.Sprintf("# %d operations of %d runs of the replicated reference on 5 servers (kvraft.Impl(5)), one after another,\n# the leader cut off from the other servers every second or so (models' clusterHistory):\n# %d leader changes in %v of virtual time, made in %v\n",
		len(cluster.history), cluster.runs, cluster.changes, cluster.length, cluster.made.Round(time.Millisecond))
	if err := os.WriteFile(*flagClusterFile, []byte(header+cluster.text), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d operations to %s (made in %v)", len(cluster.history), *flagClusterFile, cluster.made)
}
