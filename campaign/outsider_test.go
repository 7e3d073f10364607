package campaign

import (
	"context"
	"sync"
	"testing"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/clerk"
	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/lock"
)

// Bugs written the way users write them, and kept out of the zoo on
// purpose: the README's default campaign must find each of them, or the
// framework has a blind spot.

// readCacheServer answers Get from a snapshot refreshed every few Puts.
type readCacheServer struct {
	rpc.Server
	mu       sync.Mutex
	snapshot map[string]rpc.GetReply
	puts     int
}

func (s *readCacheServer) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.snapshot[args.Key]; ok {
		*reply = r
		return
	}
	s.Server.Get(args, reply)
}

func (s *readCacheServer) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Server.Put(args, reply)
	if s.puts++; s.puts%4 == 0 {
		s.snapshot = map[string]rpc.GetReply{}
		return
	}
	var r rpc.GetReply
	s.Server.Get(&rpc.GetArgs{Key: args.Key}, &r)
	if _, cached := s.snapshot[args.Key]; !cached {
		s.snapshot[args.Key] = r
	}
}

// helpfulClerk retries a refused first Put at the version it reads back,
// "so the write is not lost": it overwrites what others wrote.
type helpfulClerk struct {
	*clerk.Clerk
}

func (ck helpfulClerk) Put(key, value string, version rpc.Tversion) rpc.Err {
	err := ck.Clerk.Put(key, value, version)
	if err != rpc.ErrVersion {
		return err
	}
	if _, now, gerr := ck.Clerk.Get(key); gerr == rpc.OK {
		return ck.Clerk.Put(key, value, now)
	}
	return err
}

// wrongErrServer says ErrNoKey for every refused Put, present key or not.
type wrongErrServer struct{ rpc.Server }

func (s wrongErrServer) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.Server.Put(args, reply)
	if reply.Err == rpc.ErrVersion {
		reply.Err = rpc.ErrNoKey
	}
}

// spinOnNoKeyClerk treats an ErrNoKey answer to a resent Put as "my lost
// copy must have created the key" and resends until it hears otherwise:
// for a key nobody creates, it never returns.
type spinOnNoKeyClerk struct {
	c      rpc.Caller
	s      rpc.Sleeper
	server string
}

func (ck spinOnNoKeyClerk) Get(key string) (string, rpc.Tversion, rpc.Err) {
	return clerk.New(ck.c, ck.s, ck.server, clerk.Options{}).Get(key)
}

func (ck spinOnNoKeyClerk) Put(key, value string, version rpc.Tversion) rpc.Err {
	args := rpc.PutArgs{Key: key, Value: value, Version: version}
	for resent := false; ; resent = true {
		var reply rpc.PutReply
		if ck.c.Call(ck.server, rpc.MethodPut, &args, &reply) {
			switch {
			case reply.Err == rpc.ErrVersion && resent:
				return rpc.ErrMaybe
			case reply.Err == rpc.ErrNoKey && resent:
				ck.s.Sleep(clerk.DefaultRetryInterval)
				continue
			}
			return reply.Err
		}
		ck.s.Sleep(clerk.DefaultRetryInterval)
	}
}

func TestOutsiderBugsAreFound(t *testing.T) {
	bugs := []kvsim.Impl{
		{Name: "outsider/read-cache", NewServer: func() rpc.Server {
			return &readCacheServer{Server: kv.NewServer(), snapshot: map[string]rpc.GetReply{}}
		}},
		{Name: "outsider/helpful-retry", NewClerk: func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk {
			return helpfulClerk{clerk.New(c, s, server, clerk.Options{})}
		}},
		{Name: "outsider/wrong-error", NewServer: func() rpc.Server { return wrongErrServer{kv.NewServer()} }},
		// Every lock at one fixed key: two locks become one.
		{Name: "outsider/lock-ignores-key", NewLock: func(ck rpc.Clerk, s rpc.Sleeper, _, owner string) rpc.Locker {
			return lock.New(ck, "lock", owner)
		}},
		{Name: "outsider/clerk-spins-on-nokey", NewClerk: func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk {
			return spinOnNoKeyClerk{c, s, server}
		}},
	}
	for _, bug := range bugs {
		t.Run(bug.Name, func(t *testing.T) {
			runs, err := Default().Runs(nil, swarm, bug)
			if err != nil {
				t.Fatal(err)
			}
			sum, err := Run(context.Background(), Config{Runs: runs, Seeds: 2000})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Failed == 0 {
				t.Fatalf("the default campaign (all scenarios, swarm, 2000 seeds) misses %s", bug.Name)
			}
			t.Logf("found at seed %d: %s", sum.Failures[0].Seed, sum.Failures[0].Summary())
		})
	}
}
