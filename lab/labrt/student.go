package labrt

import (
	"fmt"
	"reflect"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/kvraft"
	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/sim"
)

// Student is a course-style implementation: the student's constructors,
// as the generated program finds them in the folder.
type Student struct {
	// Name names the implementation in results ("lab/<folder>").
	Name string
	// Dir is the folder as the user named it, for repro lines.
	Dir string
	// NewServer is kvsrv.MakeKVServer.
	NewServer func() rpc.Server
	// NewClerk is kvsrv.MakeClerk.
	NewClerk func(clnt *Clnt, server string) rpc.Clerk
	// NewLock is lock.MakeLock; nil when the folder has no lock, which
	// leaves the reference's.
	NewLock func(ck rpc.Clerk, key string) rpc.Locker

	// NewReplica, for a kvraft1 or an rsm folder (and then NewServer and
	// NewClerk are nil), starts one server of a cluster of ClusterServers
	// on the node (the folder's StartKVServer(node's ends, GRP0, node's
	// index, node's Persister, maxraftstate); for an rsm folder, kvsim's
	// RSMServer on its MakeRSM) and returns what Replica makes of it.
	NewReplica func(node *harness.Node, maxraftstate int) rpc.Server
	// NewClusterClerk is kvraft.MakeClerk(clnt, servers); nil for an rsm
	// folder, whose cluster the reference's clerk (package kvraft) calls.
	NewClusterClerk func(clnt *Clnt, servers []string) rpc.Clerk
}

// ClusterServers is how many servers a kvraft1 or rsm folder's cluster
// has: drawn per run among 3, 5 and 7 (the course's tests have 3 or 5).
const ClusterServers = kvsim.DrawnServers

// MaxRaftStates are the maxraftstate values a run of a kvraft1 or rsm
// folder draws among for its servers, as the course's tests choose one:
// -1, never snapshot (its 4A and 4B tests: a log replayed whole at a
// restart), and 1,000 bytes (its 4C tests: snapshots, installs, the size
// bound).
func MaxRaftStates() []int { return []int{-1, 1000} }

// impl is the student's code as a kvsim.Impl running in this process. Its
// server runs each request as a goroutine of its machine, as the course's
// network runs each in a goroutine of its own, so a handler may wait on a
// lock or a channel.
func (st Student) impl() kvsim.Impl {
	im := kvsim.Impl{
		Name:         st.Name,
		Doc:          "the course-style folder " + st.Dir,
		NewServer:    st.NewServer,
		ServerBlocks: true,
		NewClerk: func(c rpc.Caller, _ rpc.Sleeper, srv string) rpc.Clerk {
			return st.NewClerk(&Clnt{c}, srv)
		},
	}
	if st.NewReplica != nil {
		im.NewServer, im.NewClerk = nil, nil
		im.Servers, im.CourseCalls = ClusterServers, true
		im.NewReplica = func(node any) rpc.Server { return st.NewReplica(node.(*harness.Node), world.maxRaftState) }
		im.NewClusterClerk = func(c rpc.Caller, s rpc.Sleeper, servers []string) rpc.Clerk {
			if st.NewClusterClerk == nil {
				return kvraft.NewClerk(c, s, servers)
			}
			return st.NewClusterClerk(&Clnt{c}, servers)
		}
	}
	if st.NewLock != nil {
		im.NewLock = func(ck rpc.Clerk, _ rpc.Sleeper, key, _ string) rpc.Locker {
			return st.NewLock(ck, key)
		}
	}
	return im
}

// ServerOf is the key/value server among what the folder's StartKVServer
// returned (a []tester.IService or a []any): the first that has the Get
// and Put handlers.
func ServerOf[S any](services []S) rpc.Server {
	for _, s := range services {
		if srv, ok := any(s).(rpc.Server); ok {
			return srv
		}
	}
	panic(fmt.Sprintf("kvsim lab: StartKVServer returned %d services, none with Get(*rpc.GetArgs, *rpc.GetReply) and Put(*rpc.PutArgs, *rpc.PutReply) handlers", len(services)))
}

// Replica is one server of a kvraft1 folder's cluster, from what its
// StartKVServer returned: kv, the key/value server among services
// (ServerOf or OwnServerOf), whose Get and Put the host registers; every
// other service (its Raft) is served on the node's endpoint, as the
// course's tester serves each service by its type's name
// ("Raft.AppendEntries"). The replica says its maxraftstate, for the
// check that snapshots keep the Raft state bounded.
func Replica[S any](node *harness.Node, maxraftstate int, kv rpc.Server, services []S) rpc.Server {
	r := replica{Server: kv, max: maxraftstate}
	for _, s := range services {
		if isKVServer(s) {
			continue
		}
		node.Serve(s)
		if rf, ok := any(s).(raftState); ok {
			r.rf = rf
		}
	}
	if own, ok := kv.(interface{ Handlers(*sim.Server) }); ok {
		return ownReplica{r, own.Handlers}
	}
	return r
}

// raftState is the part of a Raft the faults aimed at the leader ask.
type raftState interface{ GetState() (int, bool) }

// isKVServer reports whether a service has Get and Put methods: the
// key/value server, whatever its wire types.
func isKVServer(s any) bool {
	t := reflect.TypeOf(s)
	if t == nil {
		return false
	}
	_, get := t.MethodByName("Get")
	_, put := t.MethodByName("Put")
	return get && put
}

type replica struct {
	rpc.Server
	max int
	rf  raftState // nil if StartKVServer did not return its Raft
}

// MaxRaftState says past how many bytes of Raft state the server
// snapshots (scenarios.Snapshotter).
func (r replica) MaxRaftState() int { return r.max }

// Warnings are the server's warnings, if it has any (scenarios.Warner).
func (r replica) Warnings() []scenarios.Warning {
	if wr, ok := r.Server.(scenarios.Warner); ok {
		return wr.Warnings()
	}
	return nil
}

// Leader says whether the server's Raft believes it leads, for the
// faults aimed at the leader (scenarios.Leader).
func (r replica) Leader() bool {
	if r.rf == nil {
		return false
	}
	_, leader := r.rf.GetState()
	return leader
}

// ownReplica is a replica whose handlers take the folder's own wire
// types (scenarios.OwnHandlers).
type ownReplica struct {
	replica
	handlers func(*sim.Server)
}

func (r ownReplica) Handlers(srv *sim.Server) { r.handlers(srv) }
