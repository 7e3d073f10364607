package campaign

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kv/rpc"
)

// staleServer is a user's own buggy server: it answers Get from a cache
// that Put refreshes only when it creates a key, so reads go stale.
type staleServer struct {
	mu    sync.Mutex
	data  map[string]rpc.GetReply
	cache map[string]rpc.GetReply
}

func newStaleServer() rpc.Server {
	return &staleServer{data: map[string]rpc.GetReply{}, cache: map[string]rpc.GetReply{}}
}

func (s *staleServer) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.cache[args.Key]
	if !ok {
		reply.Err = rpc.ErrNoKey
		return
	}
	*reply = r
}

func (s *staleServer) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.data[args.Key]
	switch {
	case !ok && args.Version == 0:
		s.data[args.Key] = rpc.GetReply{Value: args.Value, Version: 1, Err: rpc.OK}
		s.cache[args.Key] = s.data[args.Key]
		reply.Err = rpc.OK
	case !ok:
		reply.Err = rpc.ErrNoKey
	case cur.Version != args.Version:
		reply.Err = rpc.ErrVersion
	default:
		// BUG: the cache keeps the old value.
		s.data[args.Key] = rpc.GetReply{Value: args.Value, Version: cur.Version + 1, Err: rpc.OK}
		reply.Err = rpc.OK
	}
}

// TestCustomImplementation plugs a user's buggy implementation in through
// the public API: its failures name it, replay to the same trace hash, and
// shrink.
func TestCustomImplementation(t *testing.T) {
	mine := kvsim.Impl{Name: "my-stale-server", NewServer: newStaleServer}
	cat := Default().With(mine)
	runs, err := cat.Runs([]string{"kv-random"}, swarm, mine)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Run(context.Background(), Config{Runs: runs, Seeds: 200})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed == 0 {
		t.Fatal("the campaign did not catch the stale cache")
	}
	r := sum.Failures[0]
	if repro := cat.ReproOf(r).Run; r.Impl != mine.Name || !strings.Contains(repro, "--impl my-stale-server") {
		t.Errorf("the failure does not name the implementation: %s\nrepro: %s", r.Summary(), repro)
	}
	again, err := cat.Replay(r)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Failed() || again.TraceHash != r.TraceHash || again.Reason != r.Reason {
		t.Errorf("replay: %s (hash %s), want %s (hash %s)", again.Summary(), again.TraceHash, r.Summary(), r.TraceHash)
	}
	// The same run from its Spec alone, as a repro line resolves it.
	fromSpec, err := cat.Run(r.Spec)
	if err != nil || fromSpec.TraceHash != r.TraceHash {
		t.Errorf("run from the spec: %v, hash %s, want %s", err, fromSpec.TraceHash, r.TraceHash)
	}
	minimal, found := Shrink(t, runs[0], ShrinkOptions{Time: 2e9})
	if !found || minimal.Impl != mine.Name {
		t.Fatalf("shrinking found %v: %s", found, minimal.Summary())
	}
	if minimal.Ops > r.Ops {
		t.Errorf("shrunk to %d ops, more than the campaign's %d", minimal.Ops, r.Ops)
	}
}
