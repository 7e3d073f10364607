package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kvsim/kvsim/check"
	"github.com/kvsim/kvsim/clerk"
	"github.com/kvsim/kvsim/kv/netrpc"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/lock"
	"github.com/kvsim/kvsim/models"
)

// Defaults for the zero values of Options.
const (
	DefaultPutFraction = 0.5
	DefaultDeadAfter   = 3 * time.Second
)

// ErrNoReply is the cause of a run stopped because the server stopped
// answering: it is down, unreachable or stuck.
var ErrNoReply = errors.New("server not answering")

// Options describes a load run.
type Options struct {
	Addr    string // the server's "host:port"
	Clients int    // concurrent clients, each a Clerk with its own connection
	Ops     int    // operations per client (for a lock user, rounds of acquire, increment, release)
	Keys    int    // keys KeyPrefix+"k0", KeyPrefix+"k1", ... written and read at random
	Seed    uint64 // client i draws from a PCG seeded with (Seed, i)

	// Lockers is how many of the clients, the first ones, are lock users:
	// each takes the lock at LockKey, increments the counter at
	// CounterKey under it and releases it, Ops times. The others do Gets
	// and Puts.
	Lockers int

	// KeyPrefix starts every key's name, so that runs against one server
	// can each have keys of their own.
	KeyPrefix string
	// PutFraction is the share of operations that are Puts, in (0, 1];
	// zero means DefaultPutFraction.
	PutFraction float64
	// Timeout bounds one RPC; zero means netrpc.DefaultTimeout.
	Timeout time.Duration
	// RetryInterval is the Clerks' pause after a lost RPC; zero means
	// clerk.DefaultRetryInterval.
	RetryInterval time.Duration
	// DeadAfter stops the run with ErrNoReply once no client has had a
	// reply for this long; zero means DefaultDeadAfter.
	DeadAfter time.Duration
	// NewClerk makes each client's Clerk; nil means the reference clerk
	// with RetryInterval.
	NewClerk func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk
	// NewLock makes each lock user's handle on the lock; nil means the
	// reference lock.
	NewLock func(ck rpc.Clerk, s rpc.Sleeper, key, owner string) rpc.Locker
	// OnOp, if set, is called after each operation completes (a lock
	// user's round counts as one), from the clients' goroutines at once:
	// it must be safe for concurrent use.
	OnOp func()
}

// Result is what a run recorded.
type Result struct {
	// Ops is every key/value operation, the lock users' included, ordered
	// by Call; times are nanoseconds since the run began, on the monotonic
	// clock. A Put given up on when the run stopped may still take effect,
	// so it is recorded as Unknown; a Get given up on changed nothing and
	// is left out.
	Ops []models.KVOp
	// Locks is the lock users' lock history, ordered by Call.
	Locks []models.LockOpRecord
	// Recording is everything the clients recorded, for the checks
	// (Check).
	Recording check.Recording

	opts    Options
	stopped bool // the run stopped before every client was done
}

// Key returns the name of key i of a run with opts.
func (o *Options) Key(i int) string { return fmt.Sprintf("%sk%d", o.KeyPrefix, i) }

// LockKey and CounterKey are the keys of the lock and of the counter its
// users increment.
func (o *Options) LockKey() string    { return o.KeyPrefix + "lock" }
func (o *Options) CounterKey() string { return o.KeyPrefix + "counter" }

// Run runs opts.Clients clients at once and returns what each saw and
// when. A Get/Put client does opts.Ops random Gets and Puts through its
// Clerk; a Put names the version its client last saw for the key (from
// its last Get, or its own last successful Put), so most succeed and
// concurrent ones race. A lock user does opts.Ops rounds of acquiring the
// lock, incrementing the counter under it and releasing it.
//
// Clerks retry until they get a reply, so Run stops early when ctx ends or
// when the server has been silent for DeadAfter: no client starts another
// operation, and a client still retrying gives up at its next attempt or
// pause. Run then returns the history so far and the cause: ctx's (see
// context.Cause) or one wrapping ErrNoReply.
func Run(ctx context.Context, opts Options) (Result, error) {
	if err := opts.check(); err != nil {
		return Result{}, err
	}
	if opts.PutFraction == 0 {
		opts.PutFraction = DefaultPutFraction
	}
	if opts.DeadAfter == 0 {
		opts.DeadAfter = DefaultDeadAfter
	}
	if opts.NewClerk == nil {
		retry := clerk.Options{RetryInterval: opts.RetryInterval}
		opts.NewClerk = func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk { return clerk.New(c, s, server, retry) }
	}
	if opts.NewLock == nil {
		opts.NewLock = func(ck rpc.Clerk, s rpc.Sleeper, key, owner string) rpc.Locker {
			return lock.NewWithOptions(ck, key, owner, lock.Options{Sleeper: s})
		}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r := &run{opts: &opts, start: time.Now()}

	clients := make([]*client, opts.Clients)
	var wg sync.WaitGroup
	for i := range clients {
		c := &client{id: i, name: fmt.Sprintf("c%d", i), run: r}
		clients[i] = c
		wg.Go(func() { c.loop(ctx) })
	}
	finished, watched := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watched)
		r.watch(ctx, finished, cancel)
	}()
	wg.Wait()
	close(finished)
	<-watched

	res := Result{opts: opts}
	parts := make([]*check.Recording, len(clients))
	for i, c := range clients {
		parts[i] = &c.rec
		res.stopped = res.stopped || c.done < opts.Ops
		res.Recording.Clients = append(res.Recording.Clients, c.name)
	}
	names := res.Recording.Clients
	res.Recording = check.Merge(parts)
	res.Recording.Clients = names
	res.Recording.Interrupted = res.stopped
	dropUnknownGets(&res.Recording)
	res.Ops, res.Locks = res.Recording.KV, res.Recording.Locks
	if res.stopped {
		return res, context.Cause(ctx)
	}
	return res, nil
}

// dropUnknownGets leaves out of r the Gets given up on: they changed
// nothing.
func dropUnknownGets(r *check.Recording) {
	kv, ops := r.KV[:0], r.Ops[:0]
	for i, op := range r.KV {
		if op.Input.Op == models.OpGet && op.Output.Unknown {
			continue
		}
		kv, ops = append(kv, op), append(ops, r.Ops[i])
	}
	r.KV, r.Ops = kv, ops
}

// Check runs on a run's recording every check that applies to a load over
// TCP: the Clerk's contract; with lock users, mutual exclusion, the lock
// model and the counter (read from the server, unless the run stopped
// early); and, if linearizability is set, the history's linearizability,
// which needs keys that did not exist before the run. timeout bounds each
// of the lock model and linearizability (0: none).
func (res *Result) Check(linearizability bool, timeout time.Duration) check.Outcome {
	reg := check.Registry{check.ClerkContract{}, &check.MutualExclusion{}, check.Workload{}}
	if linearizability {
		reg = append(reg, &check.Linearizability{Timeout: timeout})
	}
	reg = append(reg, check.LockModel{Timeout: timeout}, check.Counters{})
	rec := res.Recording
	caller := netrpc.NewCaller(netrpc.Options{Timeout: res.opts.Timeout})
	defer caller.Close()
	rec.Read = func(key string) (string, rpc.Tversion, rpc.Err) {
		var reply rpc.GetReply
		if !caller.Call(res.opts.Addr, rpc.MethodGet, &rpc.GetArgs{Key: key}, &reply) {
			panic(fmt.Sprintf("no reply from %s to Get(%s)", res.opts.Addr, key))
		}
		return reply.Value, reply.Version, reply.Err
	}
	var out check.Outcome
	reg.Run(&rec, &out)
	return out
}

func (o *Options) check() error {
	var errs []error
	if o.Addr == "" {
		errs = append(errs, errors.New("no server address"))
	}
	for _, n := range []struct {
		name string
		v    int
	}{{"clients", o.Clients}, {"ops", o.Ops}, {"keys", o.Keys}} {
		if n.v < 1 {
			errs = append(errs, fmt.Errorf("%s = %d, want at least 1", n.name, n.v))
		}
	}
	if o.Lockers < 0 || o.Lockers > o.Clients {
		errs = append(errs, fmt.Errorf("lockers = %d, want 0 to the %d clients", o.Lockers, o.Clients))
	}
	if o.PutFraction < 0 || o.PutFraction > 1 {
		errs = append(errs, fmt.Errorf("put fraction %v, want within (0, 1]", o.PutFraction))
	}
	if o.Timeout < 0 || o.RetryInterval < 0 || o.DeadAfter < 0 {
		errs = append(errs, errors.New("negative timeout, retry interval or dead-after"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("loadgen: %w", err)
	}
	return nil
}

// run is what the clients of one run share.
type run struct {
	opts  *Options
	start time.Time
	heard atomic.Int64 // when some client last had a reply, as Now does
}

// Now is the clients' clock: the time since the run began.
func (r *run) Now() time.Duration { return time.Since(r.start) }

// watch cancels the run with ErrNoReply once the server has been silent
// for DeadAfter, and returns when ctx ends or the clients have finished.
func (r *run) watch(ctx context.Context, finished <-chan struct{}, cancel context.CancelCauseFunc) {
	dead := r.opts.DeadAfter
	tick := time.NewTicker(max(dead/8, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-finished:
			return
		case <-tick.C:
			if silent := r.Now() - time.Duration(r.heard.Load()); silent >= dead {
				cancel(fmt.Errorf("%w: no reply from %s for %v", ErrNoReply, r.opts.Addr, silent.Round(time.Millisecond)))
				return
			}
		}
	}
}

// client is one client of a load run. Its fields are written only by its
// own goroutine and read after that goroutine ends: it records into a
// Recording of its own (check.Client), so that recording adds no
// synchronization between clients.
type client struct {
	id   int
	name string
	run  *run
	rec  check.Recording
	done int // operations (a lock user's rounds) completed
}

func (c *client) loop(ctx context.Context) {
	opts := c.run.opts
	net := netrpc.NewCaller(netrpc.Options{Timeout: opts.Timeout})
	defer net.Close()
	sleeper := ctxSleeper{ctx}
	rc := check.NewClient(&c.rec, c.id, c.name, &caller{ctx: ctx, caller: net, run: c.run}, c.run, nil)
	rc.SetClerk(opts.NewClerk(rc, sleeper, opts.Addr))
	if c.id < opts.Lockers {
		c.lockUser(ctx, rc, sleeper)
		return
	}
	rng := rand.New(rand.NewPCG(opts.Seed, uint64(c.id)))
	seen := make(map[string]rpc.Tversion) // the version this client last saw, per key
	for i := range opts.Ops {
		if ctx.Err() != nil {
			return
		}
		key := opts.Key(rng.IntN(opts.Keys))
		if rng.Float64() < opts.PutFraction {
			version := seen[key]
			if rc.Put(key, fmt.Sprintf("c%d.%d", c.id, i), version) == rpc.OK {
				seen[key] = version + 1
			}
		} else if _, version, err := rc.Get(key); err == rpc.OK {
			seen[key] = version
		}
		c.finished()
	}
}

// lockUser acquires the lock, increments the counter under it
// (check.Client.Increment) and releases it, Ops times.
func (c *client) lockUser(ctx context.Context, rc *check.Client, s rpc.Sleeper) {
	opts := c.run.opts
	l := rc.Lock("", opts.NewLock(rc, s, opts.LockKey(), c.name))
	ctr := c.rec.AddCounter("counter", opts.CounterKey())
	for range opts.Ops {
		if ctx.Err() != nil {
			return
		}
		l.Acquire()
		ok := rc.Increment(ctr)
		l.Release()
		if !ok {
			return
		}
		c.finished()
	}
}

func (c *client) finished() {
	c.done++
	if on := c.run.opts.OnOp; on != nil {
		on()
	}
}

// caller is a client's transport: it notes when the server last answered
// anyone, and ends the client's goroutine once the run is stopped, for
// Clerks that retry without sleeping.
type caller struct {
	ctx    context.Context
	caller rpc.Caller
	run    *run
}

func (c *caller) Call(server, method string, args, reply any) bool {
	if c.ctx.Err() != nil {
		runtime.Goexit()
	}
	ok := c.caller.Call(server, method, args, reply)
	if ok {
		c.run.heard.Store(int64(c.run.Now()))
	}
	return ok
}

// ctxSleeper is a Sleeper that ends the calling goroutine, running its
// deferred calls, once ctx is done. The Clerk sleeps only between retries,
// so this is how a load client stuck retrying stops.
type ctxSleeper struct{ ctx context.Context }

func (s ctxSleeper) Sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.ctx.Done():
		runtime.Goexit()
	}
}
