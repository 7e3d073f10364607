package kvsimtest_test

import (
	"sync"
	"testing"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/kvsimtest"
)

// mapServer is a user's own server, written from the semantics in the
// design: versioned Put, Get of value and version.
type mapServer struct {
	mu   sync.Mutex
	data map[string]rpc.GetReply
}

func (s *mapServer) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.data[args.Key]; ok {
		*reply = r
		return
	}
	reply.Err = rpc.ErrNoKey
}

func (s *mapServer) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.data[args.Key]
	switch {
	case !ok && args.Version != 0:
		reply.Err = rpc.ErrNoKey
	case cur.Version != args.Version:
		reply.Err = rpc.ErrVersion
	default:
		s.data[args.Key] = rpc.GetReply{Value: args.Value, Version: args.Version + 1, Err: rpc.OK}
		reply.Err = rpc.OK
	}
}

// TestMapServer is how a user checks their own server: one call. A failure
// prints the go test line that replays it and lands in
// testdata/kvsim/TestMapServer.fail, which the next run replays first.
func TestMapServer(t *testing.T) {
	kvsimtest.Check(t, kvsim.Impl{
		Name:      "map-server",
		NewServer: func() rpc.Server { return &mapServer{data: map[string]rpc.GetReply{}} },
	}, kvsimtest.Options{})
}
