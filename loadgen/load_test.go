package loadgen_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kvsim/kvsim/check"
	"github.com/kvsim/kvsim/clerk"
	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/netrpc"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/loadgen"
	"github.com/kvsim/kvsim/models"
)

func TestRun(t *testing.T) {
	addr := serveKV(t)
	const clients, ops, keys = 4, 200, 3
	res, err := loadgen.Run(context.Background(), loadgen.Options{
		Addr: addr, Clients: clients, Ops: ops, Keys: keys, Seed: 1,
		RetryInterval: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if out := res.Check(true, time.Minute); out.Failed() {
		t.Errorf("the reference failed a check: %+v", out.Findings)
	}
	h := res.Ops
	if len(h) != clients*ops {
		t.Fatalf("%d ops, want %d", len(h), clients*ops)
	}
	if !slices.IsSortedFunc(h, func(a, b models.KVOp) int { return cmp.Compare(a.Call, b.Call) }) {
		t.Error("history not ordered by Call")
	}

	perClient := make([]int, clients)
	type put struct {
		key, value string
		version    rpc.Tversion
	}
	written := map[put]bool{} // every Put that may have taken effect, at the version it created
	okPuts, maybePuts, versionPuts := map[string]int{}, map[string]int{}, 0
	for _, op := range h {
		perClient[op.Client]++
		if op.Call < 0 || op.Return < op.Call {
			t.Fatalf("op %+v: bad times", op)
		}
		switch in, out := op.Input, op.Output; in.Op {
		case models.OpGet:
			if out.Err != rpc.OK && out.Err != rpc.ErrNoKey {
				t.Errorf("Get returned %s: %+v", out.Err, op)
			}
		case models.OpPut:
			switch out.Err {
			case rpc.OK:
				okPuts[in.Key]++
			case rpc.ErrMaybe:
				maybePuts[in.Key]++
			case rpc.ErrVersion:
				versionPuts++
			default:
				t.Errorf("Put returned %s: %+v", out.Err, op)
			}
			if out.Err != rpc.ErrVersion {
				written[put{in.Key, in.Value, in.Version + 1}] = true
			}
		default:
			t.Fatalf("unknown kind in %+v", op)
		}
	}
	for c, n := range perClient {
		if n != ops {
			t.Errorf("client %d: %d ops, want %d", c, n, ops)
		}
	}
	total := 0
	for _, n := range okPuts {
		total += n
	}
	if total == 0 || versionPuts == 0 {
		t.Errorf("%d Puts succeeded and %d raced and lost; want some of each", total, versionPuts)
	}

	// Every value a Get saw was written by a Put that may have taken
	// effect, at the version the Get saw.
	for _, op := range h {
		if op.Input.Op == models.OpGet && op.Output.Err == rpc.OK {
			if !written[put{op.Input.Key, op.Output.Value, op.Output.Version}] {
				t.Errorf("Get saw a value no Put wrote: %+v", op)
			}
		}
	}

	// Each key's final version counts its applied Puts: every OK, and
	// perhaps some ErrMaybe.
	caller := netrpc.NewCaller(netrpc.Options{})
	defer caller.Close()
	ck := clerk.New(caller, netrpc.Sleeper{}, addr, clerk.Options{RetryInterval: time.Millisecond})
	for k := range keys {
		key := fmt.Sprintf("k%d", k)
		_, version, _ := ck.Get(key)
		if lo, hi := okPuts[key], okPuts[key]+maybePuts[key]; int(version) < lo || int(version) > hi {
			t.Errorf("%s at version %d, want within [%d, %d]", key, version, lo, hi)
		}
	}
}

// TestRunSeeded checks that the seed alone decides what each client
// asks for (which kind, which key, which value), however the run goes.
func TestRunSeeded(t *testing.T) {
	addr := serveKV(t)
	// requests is each client's sequence of requests, without the Put
	// versions, which depend on what the client read.
	requests := func(seed uint64) [][]string {
		res, err := loadgen.Run(context.Background(), loadgen.Options{
			Addr: addr, Clients: 3, Ops: 50, Keys: 4, Seed: seed,
			RetryInterval: time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		rs := make([][]string, 3)
		for _, op := range res.Ops {
			rs[op.Client] = append(rs[op.Client], fmt.Sprint(op.Input.Op, op.Input.Key, op.Input.Value))
		}
		return rs
	}
	a, b, other := requests(7), requests(7), requests(8)
	for c := range a {
		if !slices.Equal(a[c], b[c]) {
			t.Errorf("client %d asked differently in two runs with one seed", c)
		}
		if slices.Equal(a[c], other[c]) {
			t.Errorf("client %d asked the same under two seeds", c)
		}
	}
	if slices.Equal(a[0], a[1]) {
		t.Error("clients 0 and 1 asked the same: their sources are not independent")
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	good := loadgen.Options{Addr: "127.0.0.1:1", Clients: 1, Ops: 1, Keys: 1}
	tests := []struct {
		name string
		edit func(*loadgen.Options)
	}{
		{"no address", func(o *loadgen.Options) { o.Addr = "" }},
		{"no clients", func(o *loadgen.Options) { o.Clients = 0 }},
		{"no ops", func(o *loadgen.Options) { o.Ops = 0 }},
		{"no keys", func(o *loadgen.Options) { o.Keys = -1 }},
		{"put fraction above 1", func(o *loadgen.Options) { o.PutFraction = 1.5 }},
		{"negative put fraction", func(o *loadgen.Options) { o.PutFraction = -0.1 }},
		{"negative timeout", func(o *loadgen.Options) { o.Timeout = -time.Second }},
		{"more lock users than clients", func(o *loadgen.Options) { o.Lockers = 2 }},
		{"negative lock users", func(o *loadgen.Options) { o.Lockers = -1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := good
			tt.edit(&opts)
			if res, err := loadgen.Run(context.Background(), opts); err == nil || res.Ops != nil {
				t.Fatalf("Run = (%v, %v), want an error and no history", res, err)
			}
		})
	}
}

// TestRunCancel runs against a server that hangs: the clients
// retry until ctx is cancelled, then stop, and Run reports the
// cancellation with only the Puts that may have happened.
func TestRunCancel(t *testing.T) {
	srv, addr := serveStuck(t)
	const clients = 3
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Cancel once every client has had time to retry.
		for i := 0; i < 1000 && srv.calls.Load() < clients; i++ {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	res, err := loadgen.Run(ctx, loadgen.Options{
		Addr: addr, Clients: clients, Ops: 10, Keys: 2, Seed: 3,
		Timeout: 10 * time.Millisecond, RetryInterval: time.Millisecond,
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run error = %v, want context.Canceled", err)
	}
	if len(res.Ops) > clients {
		t.Errorf("%d ops, want at most one (the one under way) per client", len(res.Ops))
	}
	for _, op := range res.Ops {
		if op.Input.Op != models.OpPut || !op.Output.Unknown {
			t.Errorf("given-up op recorded as %+v, want a Put of unknown outcome", op)
		}
	}
}

// TestRunServerSilent runs against a server that hangs on every request:
// the run stops by itself, well before ctx's deadline, with ErrNoReply.
func TestRunServerSilent(t *testing.T) {
	_, addr := serveStuck(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := loadgen.Run(ctx, loadgen.Options{
		Addr: addr, Clients: 2, Ops: 10, Keys: 2,
		Timeout: 20 * time.Millisecond, RetryInterval: time.Millisecond, DeadAfter: 200 * time.Millisecond,
	})
	if !errors.Is(err, loadgen.ErrNoReply) {
		t.Fatalf("Run error = %v, want ErrNoReply", err)
	}
	if want := "no reply from " + addr; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q lacks %q", err, want)
	}
}

// TestRunKeyPrefix runs twice on one server, each run with keys of its
// own: both histories check, as if each run had a fresh server.
func TestRunKeyPrefix(t *testing.T) {
	addr := serveKV(t)
	for _, prefix := range []string{"a/", "b/"} {
		var done atomic.Int64
		res, err := loadgen.Run(context.Background(), loadgen.Options{
			Addr: addr, Clients: 3, Ops: 40, Keys: 2, Seed: 1, KeyPrefix: prefix,
			RetryInterval: time.Millisecond, OnOp: func() { done.Add(1) },
		})
		if err != nil {
			t.Fatal(err)
		}
		if done.Load() != 3*40 {
			t.Errorf("OnOp called %d times, want %d", done.Load(), 3*40)
		}
		for _, op := range res.Ops {
			if !strings.HasPrefix(op.Input.Key, prefix) {
				t.Fatalf("key %q lacks prefix %q", op.Input.Key, prefix)
			}
		}
		if r := models.CheckKV(res.Ops, time.Minute); r.Verdict != models.Ok {
			t.Errorf("prefix %q: %v: %s", prefix, r.Verdict, r.Reason)
		}
	}
}

// maybeClerk breaks the contract: its Gets return ErrMaybe.
type maybeClerk struct{ rpc.Clerk }

func (c maybeClerk) Get(key string) (string, rpc.Tversion, rpc.Err) {
	c.Clerk.Get(key)
	return "", 0, rpc.ErrMaybe
}

func TestRunReportsBreaches(t *testing.T) {
	addr := serveKV(t)
	res, err := loadgen.Run(context.Background(), loadgen.Options{
		Addr: addr, Clients: 2, Ops: 20, Keys: 1, PutFraction: 0.5,
		NewClerk: func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk {
			return maybeClerk{clerk.New(c, s, server, clerk.Options{})}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	gets := 0
	for _, op := range res.Ops {
		if op.Input.Op == models.OpGet {
			gets++
		}
	}
	out := res.Check(false, time.Minute)
	f, failed := out.First()
	if gets == 0 || !failed || f.Check != "clerk contract" || f.Count != gets {
		t.Fatalf("found %+v for %d Gets returning ErrMaybe", out.Findings, gets)
	}
	if want := `returned ErrMaybe; Get must retry`; !strings.Contains(f.Reason, want) || !strings.HasPrefix(f.Reason, "clerk contract: c") {
		t.Errorf("breach %q: want it to name the client and contain %q", f.Reason, want)
	}
}

// TestLockUsers: lock users increment a counter under the reference lock
// over TCP; mutual exclusion, the lock model and the counter pass.
func TestLockUsers(t *testing.T) {
	addr := serveKV(t)
	res, err := loadgen.Run(context.Background(), loadgen.Options{
		Addr: addr, Clients: 4, Lockers: 2, Ops: 15, Keys: 2, KeyPrefix: "locked/", RetryInterval: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	out := res.Check(true, time.Minute)
	if out.Failed() {
		t.Fatalf("the reference lock failed: %+v", out.Findings)
	}
	if out.Lock == nil || out.Lock.Verdict != models.Ok || !out.KVChecked {
		t.Errorf("the lock model's result %v, linearizability checked: %v; want both run", out.Lock, out.KVChecked)
	}
	acquired := 0
	for _, op := range res.Locks {
		if op.Input.Op == models.LockAcquire && !op.Unknown {
			acquired++
		}
	}
	if ctr := res.Recording.Counters; acquired != 2*15 || len(ctr) != 1 || ctr[0].Increments != 2*15 || ctr[0].Key != "locked/counter" {
		t.Errorf("%d acquisitions, counters %+v; want 30 and 30 increments of locked/counter", acquired, ctr)
	}
}

// noLock lets everyone in: the first time, its users wait for each other
// inside Acquire and all enter at once.
type noLock struct {
	all  *sync.WaitGroup
	once sync.Once
}

func (l *noLock) Acquire() { l.once.Do(func() { l.all.Done(); l.all.Wait() }) }
func (l *noLock) Release() {}

// TestLockUsersBreakingMutualExclusion: load with lock users checks
// mutual exclusion.
func TestLockUsersBreakingMutualExclusion(t *testing.T) {
	addr := serveKV(t)
	var all sync.WaitGroup
	all.Add(2)
	res, err := loadgen.Run(context.Background(), loadgen.Options{
		Addr: addr, Clients: 2, Lockers: 2, Ops: 3, Keys: 1, RetryInterval: time.Millisecond,
		NewLock: func(rpc.Clerk, rpc.Sleeper, string, string) rpc.Locker { return &noLock{all: &all} },
	})
	if err != nil {
		t.Fatal(err)
	}
	out := res.Check(false, time.Minute)
	if !slices.ContainsFunc(out.Findings, func(f check.Finding) bool {
		return f.Check == "mutual exclusion" && strings.Contains(f.Reason, "acquired the lock at")
	}) {
		t.Fatalf("found %+v, want two holders at once", out.Findings)
	}
}

// forgetful is the reference server that keeps a counter's first value:
// a Put of a key ending in "counter" that exists bumps its version and
// leaves its value.
type forgetful struct{ rpc.Server }

func (s forgetful) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	if strings.HasSuffix(args.Key, "counter") {
		var got rpc.GetReply
		s.Server.Get(&rpc.GetArgs{Key: args.Key}, &got)
		if got.Err == rpc.OK {
			kept := *args
			kept.Value = got.Value
			s.Server.Put(&kept, reply)
			return
		}
	}
	s.Server.Put(args, reply)
}

// TestLockUsersCounter: load with lock users reads the counter back after
// the run; it must end at the increments made under the lock.
func TestLockUsersCounter(t *testing.T) {
	addr := serve(t, forgetful{kv.NewServer()})
	res, err := loadgen.Run(context.Background(), loadgen.Options{
		Addr: addr, Clients: 1, Lockers: 1, Ops: 5, Keys: 1, RetryInterval: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	out := res.Check(false, time.Minute)
	f, failed := out.First()
	if !failed || f.Check != "counter" || f.Reason != "counter: the counter is 1 after 5 increments under the lock" {
		t.Fatalf("found %+v, want the counter's violation", out.Findings)
	}
}

// refusing is the reference server that refuses, with ErrVersion, every
// Put of a key ending in "counter" that exists, whatever its version.
type refusing struct{ rpc.Server }

func (s refusing) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	if strings.HasSuffix(args.Key, "counter") && args.Version > 0 {
		reply.Err = rpc.ErrVersion
		return
	}
	s.Server.Put(args, reply)
}

// TestLockUsersWorkload: load with lock users reports what a lock user
// saw go wrong inside its critical section (check.Workload): a Put of the
// counter refused although nobody else may write it.
func TestLockUsersWorkload(t *testing.T) {
	addr := serve(t, refusing{kv.NewServer()})
	res, err := loadgen.Run(context.Background(), loadgen.Options{
		Addr: addr, Clients: 1, Lockers: 1, Ops: 5, Keys: 1, RetryInterval: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	out := res.Check(false, time.Minute)
	f, failed := out.First()
	if !failed || f.Check != "workload" || !strings.Contains(f.Reason, "its Put of the counter at version 1 failed: someone else wrote it") {
		t.Fatalf("found %+v, want the lock user's own violation", out.Findings)
	}
}
