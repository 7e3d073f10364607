package kvraft

import (
	"fmt"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/raft/ref"
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
		n, 0, ref.Make)
}

// OnRaft is the reference replicated service on n servers over the Raft
// mk makes, named name: a flawed Raft's (ref.Flawed), to show what the
// checks beneath the service find.
func OnRaft(name string, n int, mk harness.Make) kvsim.Impl {
	return cluster(name, "the reference replicated service on another Raft", n, 0, mk)
}

// Impls are the reference replicated service on 3 and on 5 servers.
func Impls() []kvsim.Impl { return []kvsim.Impl{Impl(3), Impl(5)} }

// Flawed is the replicated service on n servers with deliberate bugs,
// named name: for the tests that show a scenario finds each.
func Flawed(name string, n int, flaws Flaw) kvsim.Impl {
	return cluster(name, "a replicated service with a deliberate bug", n, flaws, ref.Make)
}

func cluster(name, doc string, n int, flaws Flaw, mk harness.Make) kvsim.Impl {
	return kvsim.Impl{
		Name:    name,
		Doc:     doc,
		Servers: n,
		NewReplica: func(node any) rpc.Server {
			return start(node.(*harness.Node), MaxRaftState, flaws, mk)
		},
		NewClusterClerk: func(c rpc.Caller, s rpc.Sleeper, servers []string) rpc.Clerk {
			ck := NewClerk(c, s, servers)
			ck.flaws = flaws
			return ck
		},
	}
}
