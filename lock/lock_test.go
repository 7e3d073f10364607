package lock_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kvsim/kvsim/clerk"
	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/lock"
)

const lockKey = "L"

// putFate is what a scriptedClerk does with one Put.
type putFate int

const (
	asIs         putFate = iota // the server's reply
	reachedMaybe                // executed on the server, reported as ErrMaybe
	lostMaybe                   // never reaches the server, reported as ErrMaybe
)

// scriptedClerk is an rpc.Clerk on a real server whose i-th Put fares as
// puts[i] says. lostMaybe is harsher than a real Clerk, which says ErrMaybe
// for an unapplied Put only if someone else moved the version; the lock
// must be right either way. before, if set, runs before each operation
// (numbered from 0) reaches the server: the place for other owners to act.
// The log records every operation and what the lock saw.
type scriptedClerk struct {
	srv    *kv.Server
	puts   []putFate
	before func(op int, srv *kv.Server)
	ops    int
	nputs  int
	log    []string
}

// maxScriptedOps bounds a scriptedClerk: a lock that livelocks would
// otherwise grow the log until the test is killed.
const maxScriptedOps = 1000

// livelock is the panic that ends a scripted lock that does not stop.
type livelock struct{ ops int }

func (c *scriptedClerk) next() {
	if c.ops >= maxScriptedOps {
		panic(livelock{c.ops})
	}
	if c.before != nil {
		c.before(c.ops, c.srv)
	}
	c.ops++
}

func (c *scriptedClerk) Get(key string) (string, rpc.Tversion, rpc.Err) {
	c.next()
	var r rpc.GetReply
	c.srv.Get(&rpc.GetArgs{Key: key}, &r)
	c.log = append(c.log, fmt.Sprintf("Get -> %q@%d %s", r.Value, r.Version, r.Err))
	return r.Value, r.Version, r.Err
}

func (c *scriptedClerk) Put(key, value string, version rpc.Tversion) rpc.Err {
	c.next()
	fate := asIs
	if c.nputs < len(c.puts) {
		fate = c.puts[c.nputs]
	}
	c.nputs++
	err := rpc.ErrMaybe
	if fate != lostMaybe {
		var r rpc.PutReply
		c.srv.Put(&rpc.PutArgs{Key: key, Value: value, Version: version}, &r)
		if fate == asIs {
			err = r.Err
		}
	}
	c.log = append(c.log, fmt.Sprintf("Put %q@%d -> %s", value, version, err))
	return err
}

// hookSleeper records pauses and runs onSleep (numbered from 1) at each:
// the place for the current holder to release.
type hookSleeper struct {
	srv     *kv.Server
	onSleep func(n int, srv *kv.Server)
	slept   []time.Duration
}

func (s *hookSleeper) Sleep(d time.Duration) {
	s.slept = append(s.slept, d)
	if s.onSleep != nil {
		s.onSleep(len(s.slept), s.srv)
	}
}

// force sets the lock key to value as another owner would, over whatever
// version it has.
func force(srv *kv.Server, value string) {
	var g rpc.GetReply
	srv.Get(&rpc.GetArgs{Key: lockKey}, &g)
	var p rpc.PutReply
	srv.Put(&rpc.PutArgs{Key: lockKey, Value: value, Version: g.Version}, &p)
	if p.Err != rpc.OK {
		panic(fmt.Sprintf("force %q: %s", value, p.Err))
	}
}

// state renders the lock key as the log does.
func state(srv *kv.Server) string {
	var r rpc.GetReply
	srv.Get(&rpc.GetArgs{Key: lockKey}, &r)
	return fmt.Sprintf("%q@%d %s", r.Value, r.Version, r.Err)
}

// at returns a hook that runs f at step n only.
func at(n int, f func(srv *kv.Server)) func(int, *kv.Server) {
	return func(i int, srv *kv.Server) {
		if i == n {
			f(srv)
		}
	}
}

func held(by string) func(*kv.Server) { return func(srv *kv.Server) { force(srv, by) } }

func TestLock(t *testing.T) {
	const poll = 5 * time.Millisecond
	acquire, release := (*lock.Lock).Acquire, (*lock.Lock).Release
	tests := []struct {
		name    string
		history []string // values other owners wrote to the key first; none: absent
		puts    []putFate
		before  func(op int, srv *kv.Server)
		onSleep func(n int, srv *kv.Server)
		op      func(*lock.Lock)

		wantLog    []string
		wantState  string
		wantSleeps int
	}{
		{name: "acquire absent key: create it held",
			op: acquire,
			wantLog: []string{
				`Get -> ""@0 ErrNoKey`,
				`Put "me"@0 -> OK`},
			wantState: `"me"@1 OK`},
		{name: "acquire free key at its version",
			history: []string{"other", ""}, op: acquire,
			wantLog: []string{
				`Get -> ""@2 OK`,
				`Put "me"@2 -> OK`},
			wantState: `"me"@3 OK`},
		{name: "acquire when already mine: no Put",
			history: []string{"me"}, op: acquire,
			wantLog: []string{
				`Get -> "me"@1 OK`},
			wantState: `"me"@1 OK`},
		{name: "acquire, ErrMaybe applied: re-read finds it mine",
			puts: []putFate{reachedMaybe}, op: acquire,
			wantLog: []string{
				`Get -> ""@0 ErrNoKey`,
				`Put "me"@0 -> ErrMaybe`,
				`Get -> "me"@1 OK`},
			wantState: `"me"@1 OK`},
		{name: "acquire, ErrMaybe not applied and still free: try again",
			puts: []putFate{lostMaybe}, op: acquire,
			wantLog: []string{
				`Get -> ""@0 ErrNoKey`,
				`Put "me"@0 -> ErrMaybe`,
				`Get -> ""@0 ErrNoKey`,
				`Put "me"@0 -> OK`},
			wantState: `"me"@1 OK`},
		{name: "acquire, ErrMaybe not applied and another took it: wait for them",
			puts: []putFate{lostMaybe}, op: acquire,
			before:  at(1, held("other")),
			onSleep: at(2, held("")),
			wantLog: []string{
				`Get -> ""@0 ErrNoKey`,
				`Put "me"@0 -> ErrMaybe`,
				`Get -> "other"@1 OK`,
				`Get -> "other"@1 OK`,
				`Get -> ""@2 OK`,
				`Put "me"@2 -> OK`},
			wantState: `"me"@3 OK`, wantSleeps: 2},
		{name: "acquire, ErrVersion after losing the race: wait for the winner",
			op:      acquire,
			before:  at(1, held("other")),
			onSleep: at(1, held("")),
			wantLog: []string{
				`Get -> ""@0 ErrNoKey`,
				`Put "me"@0 -> ErrVersion`,
				`Get -> "other"@1 OK`,
				`Get -> ""@2 OK`,
				`Put "me"@2 -> OK`},
			wantState: `"me"@3 OK`, wantSleeps: 1},
		{name: "acquire held by another: poll until released",
			history: []string{"other"}, op: acquire,
			onSleep: at(3, held("")),
			wantLog: []string{
				`Get -> "other"@1 OK`,
				`Get -> "other"@1 OK`,
				`Get -> "other"@1 OK`,
				`Get -> ""@2 OK`,
				`Put "me"@2 -> OK`},
			wantState: `"me"@3 OK`, wantSleeps: 3},
		{name: "release mine",
			history: []string{"me"}, op: release,
			wantLog: []string{
				`Get -> "me"@1 OK`,
				`Put ""@1 -> OK`},
			wantState: `""@2 OK`},
		{name: "release absent key: nothing to do",
			op: release,
			wantLog: []string{
				`Get -> ""@0 ErrNoKey`},
			wantState: `""@0 ErrNoKey`},
		{name: "release free lock: nothing to do",
			history: []string{"me", ""}, op: release,
			wantLog: []string{
				`Get -> ""@2 OK`},
			wantState: `""@2 OK`},
		{name: "release another's lock: leave it alone",
			history: []string{"other"}, op: release,
			wantLog: []string{
				`Get -> "other"@1 OK`},
			wantState: `"other"@1 OK`},
		{name: "release, ErrMaybe applied: re-read finds it free",
			history: []string{"me"}, puts: []putFate{reachedMaybe}, op: release,
			wantLog: []string{
				`Get -> "me"@1 OK`,
				`Put ""@1 -> ErrMaybe`,
				`Get -> ""@2 OK`},
			wantState: `""@2 OK`},
		{name: "release, ErrMaybe not applied: free it again",
			history: []string{"me"}, puts: []putFate{lostMaybe}, op: release,
			wantLog: []string{
				`Get -> "me"@1 OK`,
				`Put ""@1 -> ErrMaybe`,
				`Get -> "me"@1 OK`,
				`Put ""@1 -> OK`},
			wantState: `""@2 OK`},
		{name: "release, ErrMaybe applied and another took it: leave theirs",
			history: []string{"me"}, puts: []putFate{reachedMaybe}, op: release,
			before: at(2, held("other")),
			wantLog: []string{
				`Get -> "me"@1 OK`,
				`Put ""@1 -> ErrMaybe`,
				`Get -> "other"@3 OK`},
			wantState: `"other"@3 OK`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := kv.NewServer()
			for _, v := range tt.history {
				force(srv, v)
			}
			ck := &scriptedClerk{srv: srv, puts: tt.puts, before: tt.before}
			sl := &hookSleeper{srv: srv, onSleep: tt.onSleep}
			bounded(t, func() { tt.op(lock.NewWithOptions(ck, lockKey, "me", lock.Options{Sleeper: sl, Poll: poll})) })

			if !slices.Equal(ck.log, tt.wantLog) {
				t.Errorf("log:\n\t%s\nwant:\n\t%s", join(ck.log), join(tt.wantLog))
			}
			if got := state(srv); got != tt.wantState {
				t.Errorf("afterwards %s, want %s", got, tt.wantState)
			}
			if want := slices.Repeat([]time.Duration{poll}, tt.wantSleeps); !slices.Equal(sl.slept, want) {
				t.Errorf("slept %v, want %v", sl.slept, want)
			}
		})
	}
}

func join(lines []string) string { return strings.Join(lines, "\n\t") }

// bounded runs op and fails the test if a scripted clerk ran out of
// operations in it: the lock livelocked.
func bounded(t *testing.T, op func()) {
	t.Helper()
	if err := livelocked(op); err != nil {
		t.Fatal(err)
	}
}

// livelocked runs op and reports a scripted clerk's livelock in it.
func livelocked(op func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			l, ok := r.(livelock)
			if !ok {
				panic(r)
			}
			err = fmt.Errorf("the lock livelocked: %d operations without returning", l.ops)
		}
	}()
	op()
	return nil
}

// TestLivelockEnds: a lock that can never get what it waits for ends the
// test with an error, within a bounded log, instead of running forever.
func TestLivelockEnds(t *testing.T) {
	srv := kv.NewServer()
	force(srv, "other") // held, and never released
	ck := &scriptedClerk{srv: srv}
	err := livelocked(lock.New(ck, lockKey, "me").Acquire)
	if err == nil || !strings.Contains(err.Error(), "livelocked") || len(ck.log) > maxScriptedOps {
		t.Errorf("err %v after %d operations", err, len(ck.log))
	}
}

// TestAcquireWithoutSleeperPolls checks that a plain New waits by reading
// again at once, and takes the lock when its holder lets go.
func TestAcquireWithoutSleeperPolls(t *testing.T) {
	srv := kv.NewServer()
	force(srv, "other")
	ck := &scriptedClerk{srv: srv, before: at(3, held(""))}
	bounded(t, lock.New(ck, lockKey, "me").Acquire)
	want := []string{
		`Get -> "other"@1 OK`,
		`Get -> "other"@1 OK`,
		`Get -> "other"@1 OK`,
		`Get -> ""@2 OK`,
		`Put "me"@2 -> OK`,
	}
	if !slices.Equal(ck.log, want) {
		t.Errorf("log:\n\t%s\nwant:\n\t%s", join(ck.log), join(want))
	}
}

// TestTwoOwners hands one lock key between two Locks: the waiter gets it
// only after the holder releases, and the former holder's stale Release
// leaves the new holder's lock alone.
func TestTwoOwners(t *testing.T) {
	srv := kv.NewServer()
	alice := lock.New(&scriptedClerk{srv: srv}, lockKey, "alice")
	alice.Acquire()

	sl := &hookSleeper{srv: srv, onSleep: func(n int, _ *kv.Server) {
		if got := state(srv); got != `"alice"@1 OK` {
			t.Fatalf("while bob waits: %s, want alice holding", got)
		}
		if n == 2 {
			alice.Release()
		}
	}}
	bob := lock.NewWithOptions(&scriptedClerk{srv: srv}, lockKey, "bob", lock.Options{Sleeper: sl})
	bob.Acquire()
	if got, want := state(srv), `"bob"@3 OK`; got != want {
		t.Fatalf("after bob's Acquire: %s, want %s", got, want)
	}
	if want := []time.Duration{lock.DefaultPoll, lock.DefaultPoll}; !slices.Equal(sl.slept, want) {
		t.Errorf("bob slept %v, want %v", sl.slept, want)
	}
	alice.Release()
	if got, want := state(srv), `"bob"@3 OK`; got != want {
		t.Fatalf("after alice's stale Release: %s, want %s", got, want)
	}
}

func TestNewRejectsEmptyOwner(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("New with an empty owner id did not panic")
		}
	}()
	lock.New(&scriptedClerk{srv: kv.NewServer()}, lockKey, "")
}

// lossyCaller delivers to a real server and loses requests and replies at
// random, from its own seeded source.
type lossyCaller struct {
	srv  *kv.Server
	rng  *rand.Rand
	loss float64
}

func (c *lossyCaller) Call(_, method string, args, reply any) bool {
	if c.rng.Float64() < c.loss {
		return false
	}
	switch method {
	case rpc.MethodGet:
		c.srv.Get(args.(*rpc.GetArgs), reply.(*rpc.GetReply))
	case rpc.MethodPut:
		c.srv.Put(args.(*rpc.PutArgs), reply.(*rpc.PutReply))
	}
	return c.rng.Float64() >= c.loss
}

// yieldSleeper lets other goroutines run instead of pausing.
type yieldSleeper struct{}

func (yieldSleeper) Sleep(time.Duration) { runtime.Gosched() }

// maybeCounter counts the ErrMaybe answers a Clerk gives, to show the test
// below exercised them.
type maybeCounter struct {
	rpc.Clerk
	n *atomic.Int64
}

func (m maybeCounter) Put(key, value string, version rpc.Tversion) rpc.Err {
	err := m.Clerk.Put(key, value, version)
	if err == rpc.ErrMaybe {
		m.n.Add(1)
	}
	return err
}

// TestMutualExclusionUnderLoss runs owners in parallel goroutines through
// real Clerks on a network that loses a fifth of requests and replies.
// No two may be inside at once, and a plain counter incremented inside
// must end exact (the race detector would also see two writers).
func TestMutualExclusionUnderLoss(t *testing.T) {
	const owners, rounds = 4, 40
	srv := kv.NewServer()
	var inside, maybes atomic.Int64
	counter := 0
	var wg sync.WaitGroup
	for o := range owners {
		net := &lossyCaller{srv: srv, rng: rand.New(rand.NewPCG(1, uint64(o))), loss: 0.2}
		ck := maybeCounter{clerk.New(net, yieldSleeper{}, "kv", clerk.Options{}), &maybes}
		var opts lock.Options // Half the owners poll back to back.
		if o%2 == 1 {
			opts.Sleeper = yieldSleeper{}
		}
		l := lock.NewWithOptions(ck, lockKey, fmt.Sprintf("owner%d", o), opts)
		wg.Go(func() {
			for range rounds {
				l.Acquire()
				if n := inside.Add(1); n != 1 {
					t.Errorf("%d owners inside the critical section", n)
				}
				counter++
				inside.Add(-1)
				l.Release()
			}
		})
	}
	wg.Wait()
	if counter != owners*rounds {
		t.Errorf("counter = %d, want %d", counter, owners*rounds)
	}
	if got, want := state(srv), fmt.Sprintf(`""@%d OK`, 2*owners*rounds); got != want {
		t.Errorf("lock left %s, want %s (free, one version per Acquire and Release)", got, want)
	}
	if maybes.Load() == 0 {
		t.Error("no Put returned ErrMaybe: the test did not exercise the hard case")
	}
}

// Example hands a lock from alice to bob. Bob's Release while alice holds
// the lock is a no-op: only the holder can free it.
func Example() {
	srv := kv.NewServer()
	alice := lock.New(&scriptedClerk{srv: srv}, "L", "alice")
	bob := lock.New(&scriptedClerk{srv: srv}, "L", "bob")

	alice.Acquire()
	bob.Release()
	fmt.Println(state(srv))
	alice.Release()
	bob.Acquire()
	fmt.Println(state(srv))
	// Output:
	// "alice"@1 OK
	// "bob"@3 OK
}
