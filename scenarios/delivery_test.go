package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
	"github.com/kvsim/kvsim/sim"
)

// trustingLock follows the course's Clerk contract to the letter: an
// ErrVersion on a Put means the Put was not performed, so the lock is
// someone else's and Acquire waits for it to be free. Under at-most-once
// delivery that is correct; a duplicate request breaks it (the duplicate
// took the lock, the reply to the other copy said ErrVersion, and Acquire
// waits for ever for a lock it holds).
type trustingLock struct {
	ck         rpc.Clerk
	s          rpc.Sleeper
	key, owner string
}

func (l *trustingLock) Acquire() {
	for {
		v, ver, err := l.ck.Get(l.key)
		if err == rpc.ErrNoKey || err == rpc.OK && v == "" {
			switch l.ck.Put(l.key, l.owner, ver) {
			case rpc.OK:
				return
			case rpc.ErrMaybe:
				if got, _, _ := l.ck.Get(l.key); got == l.owner {
					return
				}
			}
		}
		l.s.Sleep(10 * time.Millisecond)
	}
}

func (l *trustingLock) Release() {
	for {
		v, ver, _ := l.ck.Get(l.key)
		if v != l.owner {
			return
		}
		if err := l.ck.Put(l.key, "", ver); err == rpc.OK || err == rpc.ErrVersion {
			return
		}
	}
}

var trusting = kvsim.Impl{Name: "test/trusting-lock", NewLock: func(ck rpc.Clerk, s rpc.Sleeper, key, owner string) rpc.Locker {
	return &trustingLock{ck, s, key, owner}
}}

// TestAtMostOnceByDefault: every profile but the at-least-once ones
// never delivers a request twice, targeted faults included, so a lock
// that trusts a first-RPC ErrVersion (as the course's contract allows)
// passes them all; under at-least-once it fails, and the failure says a
// duplicate shaped it.
func TestAtMostOnceByDefault(t *testing.T) {
	seeds := uint64(150)
	if testing.Short() {
		seeds = 40
	}
	lockScenarios := []string{"lock-counter", "lock-swarm", "lock-multi"}
	for _, p := range Profiles() {
		if p.Delivery == AtLeastOnce {
			continue
		}
		for _, name := range lockScenarios {
			for seed := range seeds {
				cfg := config(t, name, p.Name, seed)
				cfg.Impl, cfg.Trace = trusting, true
				r := Run(cfg)
				if r.Failed() {
					t.Fatalf("%s: %s", p.Name, r.Summary())
				}
				for _, rec := range r.Trace {
					if rec.Kind == sim.RecDup || rec.Kind == sim.RecNemesisDup {
						t.Fatalf("%s seed %d: a request was delivered twice under %s delivery", name, seed, p.Delivery)
					}
				}
			}
		}
	}
	for seed := range uint64(2000) {
		cfg := config(t, "lock-counter", SwarmDupName, seed)
		cfg.Impl = trusting
		if r := Run(cfg); r.Failed() {
			if !strings.Contains(r.Hint, "returned ErrVersion after the network delivered its first request twice") || !strings.Contains(r.FaultModel, "at-least-once") {
				t.Errorf("the failure does not say a duplicate shaped it: hint %q, fault model %q", r.Hint, r.FaultModel)
			}
			return
		}
	}
	t.Error("swarm-dup never broke a lock that trusts ErrVersion in 2000 seeds of lock-counter")
}

// TestHistoryIsWhatTheClerkReturned: under at-least-once a Put's
// ErrVersion stays ErrVersion in the history (the check reads it as
// ErrMaybe), and the history is never rewritten under at-most-once.
func TestHistoryIsWhatTheClerkReturned(t *testing.T) {
	found := false
	for seed := uint64(0); seed < 300 && !found; seed++ {
		cfg := config(t, "concurrent-put", "duplicate", seed)
		cfg.Trace = true
		r := Run(cfg)
		if r.Failed() {
			t.Fatal(r.Summary())
		}
		for _, op := range r.KVHistory {
			if op.Input.Op == models.OpPut && op.Output.Err == rpc.ErrVersion {
				found = true
			}
		}
	}
	if !found {
		t.Fatal("no ErrVersion Put in 300 seeds of concurrent-put under duplicate: the history was rewritten")
	}
}

// TestClerkWarnings: a Clerk that answers ErrMaybe whenever it resent
// passes (the lab allows it) with a named warning.
func TestClerkWarnings(t *testing.T) {
	vague := kvsim.Impl{Name: "test/vague-clerk", NewClerk: func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk {
		return vagueClerk{Clerk: kvsim.Impl{}.WithDefaults().NewClerk(c, s, server), c: c, s: s, server: server}
	}}
	for seed := range uint64(200) {
		cfg := config(t, "unreliable-put", "lossy", seed)
		cfg.Impl = vague
		r := Run(cfg)
		if r.Failed() {
			t.Fatalf("a clerk within the lab's contract failed: %s", r.Summary())
		}
		if len(r.Warnings) > 0 {
			if w := r.Warnings[0]; w.Name != models.WarnMaybeImprecise || w.Count < 1 || !strings.Contains(w.Text, "allowed by the lab") {
				t.Fatalf("warning %+v", w)
			}
			return
		}
	}
	t.Fatal("no warning in 200 lossy runs of a clerk that says ErrMaybe after every resend")
}

// vagueClerk's Put says ErrMaybe after any resend, whatever the reply.
type vagueClerk struct {
	rpc.Clerk
	c      rpc.Caller
	s      rpc.Sleeper
	server string
}

func (ck vagueClerk) Put(key, value string, version rpc.Tversion) rpc.Err {
	args := rpc.PutArgs{Key: key, Value: value, Version: version}
	for resent := false; ; resent = true {
		var reply rpc.PutReply
		if ck.c.Call(ck.server, rpc.MethodPut, &args, &reply) {
			if resent {
				return rpc.ErrMaybe
			}
			return reply.Err
		}
		ck.s.Sleep(50 * time.Millisecond)
	}
}
