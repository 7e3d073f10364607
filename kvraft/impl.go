package kvraft

import (
	"fmt"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/raft/harness"
)

// MaxRaftState is the Raft state's size, in bytes, past which the
// reference's servers snapshot: small enough that a run of a few dozen
// operations snapshots, and installs snapshots on servers that fall
// behind, many times.
const MaxRaftState = 2000

// Impl is the reference replicated service on a cluster of n servers,
// named "replicated-n".
func Impl(n int) kvsim.Impl {
	return cluster(fmt.Sprintf("replicated-%d", n),
		fmt.Sprintf("the reference replicated service (kvraft, rsm, raft/ref) on %d servers, snapshotting past %d bytes of Raft state", n, MaxRaftState),
		n, 0)
}

// Impls are the reference replicated service on 3 and on 5 servers.
func Impls() []kvsim.Impl { return []kvsim.Impl{Impl(3), Impl(5)} }

// Flawed is the replicated service on n servers with deliberate bugs,
// named name: for the tests that show a scenario finds each.
func Flawed(name string, n int, flaws Flaw) kvsim.Impl {
	return cluster(name, "a replicated service with a deliberate bug", n, flaws)
}

func cluster(name, doc string, n int, flaws Flaw) kvsim.Impl {
	return kvsim.Impl{
		Name:    name,
		Doc:     doc,
		Servers: n,
		NewReplica: func(node any) rpc.Server {
			return start(node.(*harness.Node), MaxRaftState, flaws)
		},
		NewClusterClerk: func(c rpc.Caller, s rpc.Sleeper, servers []string) rpc.Clerk {
			ck := NewClerk(c, s, servers)
			ck.flaws = flaws
			return ck
		},
	}
}
