package scenarios

import (
	"strings"
	"sync"
	"testing"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kv/rpc"
)

// Each scenario's own rules have a test of their own: an implementation
// that breaks exactly what the rule knows is reported in the rule's own
// words, before the history's violation it may also cause.

// ruleBroken runs scenario with impl under the reliable profile and
// returns its first failing run among a few seeds.
func ruleBroken(t *testing.T, scenario string, impl kvsim.Impl) Result {
	t.Helper()
	for seed := range uint64(10) {
		cfg := config(t, scenario, "reliable", seed)
		cfg.Impl = impl
		if r := Run(cfg); r.Failed() {
			return r
		}
	}
	t.Fatalf("%s passed %s on 10 seeds", impl.Name, scenario)
	return Result{}
}

// aheadGets is the reference server whose Gets report a version one
// ahead of the key's.
type aheadGets struct{ rpc.Server }

func (s aheadGets) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	s.Server.Get(args, reply)
	if reply.Err == rpc.OK {
		reply.Version++
	}
}

// TestReliablePutChecksItsGets: reliable-put knows the answer to each of
// its Gets exactly.
func TestReliablePutChecksItsGets(t *testing.T) {
	r := ruleBroken(t, "reliable-put", kvsim.Impl{Name: "test/ahead-gets", NewServer: func() rpc.Server { return aheadGets{kvsim.Reference().NewServer()} }})
	if want := `reliable-put step 2: Get("k") = ("a", 2, OK), want ("a", 1, OK)`; r.Reason != want {
		t.Fatalf("%s, want %s", r.Summary(), want)
	}
}

// maybeClerk says ErrMaybe to every Put, without sending it.
type maybeClerk struct{ rpc.Clerk }

func (maybeClerk) Put(string, string, rpc.Tversion) rpc.Err { return rpc.ErrMaybe }

// TestUnreliablePutAppliesErrMaybe: a lone client's ErrMaybe Put must
// have been applied (no other client can have refused it).
func TestUnreliablePutAppliesErrMaybe(t *testing.T) {
	r := ruleBroken(t, "unreliable-put", kvsim.Impl{Name: "test/maybe-clerk", NewClerk: func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk {
		return maybeClerk{kvsim.Reference().NewClerk(c, s, server)}
	}})
	if want := `unreliable-put: Put("v0", 0) returned ErrMaybe for a lone client, so it must have applied, but Get returned ("", 0, ErrNoKey)`; r.Reason != want {
		t.Fatalf("%s, want %s", r.Summary(), want)
	}
}

// refusesV2 is the reference server that refuses every Put at version 2.
type refusesV2 struct{ rpc.Server }

func (s refusesV2) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	if args.Version == 2 {
		reply.Err = rpc.ErrVersion
		return
	}
	s.Server.Put(args, reply)
}

// TestUnreliablePutNeverRefused: a lone client that Puts at the version
// it holds is never refused.
func TestUnreliablePutNeverRefused(t *testing.T) {
	r := ruleBroken(t, "unreliable-put", kvsim.Impl{Name: "test/refuses-v2", NewServer: func() rpc.Server { return refusesV2{kvsim.Reference().NewServer()} }})
	if want := `unreliable-put: a lone client's Put("v2", 2) returned ErrVersion`; r.Reason != want {
		t.Fatalf("%s, want %s", r.Summary(), want)
	}
}

// bumpsAtTheEnd is the reference server that moves the key's version on
// once more after concurrent-put's last Put (its racers' 25th), whatever
// that Put's answer: nobody reads the key after it, so only the final
// version shows it.
type bumpsAtTheEnd struct {
	rpc.Server
	mu   sync.Mutex
	puts int
}

func (s *bumpsAtTheEnd) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.mu.Lock()
	s.puts++
	last := s.puts == racers*rounds
	s.mu.Unlock()
	s.Server.Put(args, reply)
	if last {
		var now rpc.GetReply
		s.Server.Get(&rpc.GetArgs{Key: args.Key}, &now)
		s.Server.Put(&rpc.PutArgs{Key: args.Key, Value: now.Value, Version: now.Version}, &rpc.PutReply{})
	}
}

// TestConcurrentPutCountsTheVersion: the final version of concurrent-put's
// key counts its OK Puts, and at most its ErrMaybe ones besides.
func TestConcurrentPutCountsTheVersion(t *testing.T) {
	r := ruleBroken(t, "concurrent-put", kvsim.Impl{Name: "test/bumps-at-the-end", NewServer: func() rpc.Server { return &bumpsAtTheEnd{Server: kvsim.Reference().NewServer()} }})
	if want := "concurrent-put: final version "; !strings.HasPrefix(r.Reason, want) || !strings.HasSuffix(r.Reason, " Puts returned OK and 0 ErrMaybe") {
		t.Fatalf("%s, want %s...", r.Summary(), want)
	}
}
