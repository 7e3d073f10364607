package scenarios

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/check"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
	"github.com/kvsim/kvsim/sim"
)

// maybeGets is the reference clerk whose Gets return ErrMaybe.
type maybeGets struct{ rpc.Clerk }

func (c maybeGets) Get(key string) (string, rpc.Tversion, rpc.Err) {
	c.Clerk.Get(key)
	return "", 0, rpc.ErrMaybe
}

// openLock lets everyone in at once.
type openLock struct{}

func (openLock) Acquire() {}
func (openLock) Release() {}

// anyVersion stores every Put, whatever its version.
type anyVersion struct {
	mu   sync.Mutex
	data map[string]rpc.GetReply
}

func (s *anyVersion) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.data[args.Key]; ok {
		*reply = r
		return
	}
	reply.Err = rpc.ErrNoKey
}

func (s *anyVersion) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[args.Key] = rpc.GetReply{Value: args.Value, Version: s.data[args.Key].Version + 1, Err: rpc.OK}
	reply.Err = rpc.OK
}

// hoarding is the reference server keeping every request it served.
type hoarding struct {
	rpc.Server
	kept []rpc.PutArgs
}

func (s *hoarding) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.kept = append(s.kept, *args)
	s.Server.Put(args, reply)
}

// TestEveryCheckRuns: a simulated run gets every common check, and the
// failure it reports is the first (check.Outcome.First): a breach of the
// Clerk's contract or of mutual exclusion, or a scripted step's wrong
// answer, at the moment it happened, before the history's violation they
// also cause; linearizability; the memory check many-clients adds.
func TestEveryCheckRuns(t *testing.T) {
	ref := kvsim.Reference()
	for _, tc := range []struct {
		name, scenario string
		impl           kvsim.Impl
		reason         string
	}{
		{"clerk contract", "reliable-put", kvsim.Impl{NewClerk: func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk {
			return maybeGets{ref.NewClerk(c, s, server)}
		}}, `clerk contract: c0: Get("k") returned ErrMaybe`},
		{"mutual exclusion", "lock-counter", kvsim.Impl{NewLock: func(rpc.Clerk, rpc.Sleeper, string, string) rpc.Locker { return openLock{} }},
			"lock mutual exclusion: "}, // which client goes first is a tie at 0s
		{"the workload's own", "reliable-put", kvsim.Impl{NewServer: func() rpc.Server { return &anyVersion{data: map[string]rpc.GetReply{}} }},
			`reliable-put step 1: Put("k", "b", 0) = OK, want ErrVersion`},
		{"linearizability", "kv-random", kvsim.Impl{NewServer: func() rpc.Server { return &anyVersion{data: map[string]rpc.GetReply{}} }},
			"linearizability: key "},
		{"memory", "many-clients", kvsim.Impl{NewServer: func() rpc.Server { return &hoarding{Server: ref.NewServer()} }},
			"many-clients: server holds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for seed := range uint64(20) {
				cfg := config(t, tc.scenario, "reliable", seed)
				cfg.Impl = tc.impl
				cfg.Impl.Name = "test/" + tc.name
				r := Run(cfg)
				if !r.Failed() {
					continue
				}
				if r.Verdict != kvsim.Violation || !strings.HasPrefix(r.Reason, tc.reason) {
					t.Fatalf("%s, want a violation: %s...", r.Summary(), tc.reason)
				}
				return
			}
			t.Fatal("no seed failed")
		})
	}
}

// TestLockModelRuns: a run with a lock checks its history against the
// lock model, whose result a traced run keeps.
func TestLockModelRuns(t *testing.T) {
	cfg := config(t, "lock-counter", "reliable", 0)
	cfg.Trace = true
	if r := Run(cfg); r.Failed() || r.LockCheck == nil || r.LockCheck.Verdict != models.Ok || len(r.LockHist) == 0 {
		t.Fatalf("%s: lock check %v", r.Summary(), r.LockCheck)
	}
}

// TestCountersAreChecked: a counter a scenario registers is read back
// after the run and must end at its increments.
func TestCountersAreChecked(t *testing.T) {
	cfg := config(t, "kv-random", "reliable", 0)
	cfg.Scenario = Scenario{Name: "test/counter", Setup: func(e *Env) func() string {
		ctr := e.counter("test/counter", "counter")
		e.Spawn(func(c *Client) {
			c.Get("counter")
			e.rec.Counters[ctr].Increments++ // an increment the server never saw
		})
		return nil
	}}
	if r := Run(cfg); r.Verdict != kvsim.Violation || r.Reason != "test/counter: the counter is 0 after 1 increments under the lock" {
		t.Fatalf("%s, want the counter's violation", r.Summary())
	}
}

// gaveUp is a check that never decides, as a checker that timed out.
type gaveUp struct{}

func (gaveUp) Name() string { return "test/gave-up" }

func (gaveUp) Check(_ *check.Recording, o *check.Outcome) {
	o.Add(check.Finding{Check: "test/gave-up", Verdict: kvsim.Unknown, Reason: "test/gave-up: the check timed out"})
}

// withGaveUp is sc with gaveUp among its checks.
func withGaveUp(sc Scenario) Scenario {
	setup := sc.Setup
	sc.Setup = func(e *Env) func() string {
		e.AddCheck(gaveUp{})
		return setup(e)
	}
	return sc
}

// TestUnknownFailsTheRun: a run whose check gave up (Unknown) has not been
// shown correct: its verdict is Unknown, a failure, never ok.
func TestUnknownFailsTheRun(t *testing.T) {
	cfg := config(t, "kv-random", "reliable", 0)
	cfg.Scenario = withGaveUp(cfg.Scenario)
	r := Run(cfg)
	if r.Verdict != kvsim.Unknown || !r.Failed() || r.Reason != "test/gave-up: the check timed out" {
		t.Fatalf("%s, want unknown, a failure", r.Summary())
	}
}

// TestFinalCheckRuns: the final check a scenario's Setup returns runs
// after the run, and its reason fails the run.
func TestFinalCheckRuns(t *testing.T) {
	cfg := config(t, "kv-random", "reliable", 0)
	setup := cfg.Scenario.Setup
	cfg.Scenario = Scenario{Name: "test/final", Setup: func(e *Env) func() string {
		setup(e)
		return func() string { return "test/final: the final state is wrong" }
	}}
	if r := Run(cfg); r.Verdict != kvsim.Violation || r.Reason != "test/final: the final state is wrong" {
		t.Fatalf("%s, want the final check's violation", r.Summary())
	}
}

// hastyClerk sends each Put from a goroutine of its own and, without
// looking at its reply, says ErrMaybe once the reply has had time to come:
// a clerk that gave up waiting.
type hastyClerk struct {
	rpc.Clerk
	w      *sim.World
	c      rpc.Caller
	s      rpc.Sleeper
	server string
}

func (ck hastyClerk) Put(key, value string, version rpc.Tversion) rpc.Err {
	ck.w.Go(func() {
		ck.c.Call(ck.server, rpc.MethodPut, &rpc.PutArgs{Key: key, Value: value, Version: version}, &rpc.PutReply{})
	})
	ck.s.Sleep(50 * time.Millisecond)
	return rpc.ErrMaybe
}

// TestRepliesToGoroutinesAreUnseen: the reply to a call a clerk made from
// a goroutine of its own is one the clerk may or may not know, so an
// ErrMaybe after it keeps the contract.
func TestRepliesToGoroutinesAreUnseen(t *testing.T) {
	var w *sim.World
	cfg := config(t, "reliable-put", "reliable", 0)
	cfg.Scenario = Scenario{Name: "test/hasty", Setup: func(e *Env) func() string {
		w = e.w
		e.Spawn(func(c *Client) { c.Put("k", "a", 0) })
		return nil
	}}
	cfg.Impl = kvsim.Impl{Name: "test/hasty-clerk", ServerBlocks: true, NewClerk: func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk {
		return hastyClerk{Clerk: kvsim.Reference().NewClerk(c, s, server), w: w, c: c, s: s, server: server}
	}}
	if r := Run(cfg); r.Failed() {
		t.Fatalf("%s: an ErrMaybe after a reply only a goroutine saw broke the contract", r.Summary())
	}
}
