package loadgen

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kvsim/kvsim/clerk"
	"github.com/kvsim/kvsim/kv/netrpc"
	"github.com/kvsim/kvsim/kv/rpc"
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
	Ops     int    // operations per client
	Keys    int    // keys KeyPrefix+"k0", KeyPrefix+"k1", ... written and read at random
	Seed    uint64 // client i draws from a PCG seeded with (Seed, i)

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
	// OnOp, if set, is called after each operation completes, from the
	// clients' goroutines at once: it must be safe for concurrent use.
	OnOp func()
}

// Result is what a run recorded.
type Result struct {
	// Ops is every operation, ordered by Call; times are nanoseconds since
	// the run began, on the monotonic clock. A Put given up on when the run
	// stopped may still take effect, so it is recorded as Unknown; a Get
	// given up on changed nothing and is left out.
	Ops []models.KVOp
	// Breaches of the Clerk's contract, one line each, naming the client.
	Breaches []string
}

// Key returns the name of key i of a run with opts.
func (o *Options) Key(i int) string { return fmt.Sprintf("%sk%d", o.KeyPrefix, i) }

// Run runs opts.Clients clients at once, each doing opts.Ops random Gets
// and Puts through its Clerk, and returns what each saw and when. A Put
// names the version its client last saw for the key (from its last Get, or
// its own last successful Put), so most succeed and concurrent ones race.
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
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r := &run{opts: &opts, start: time.Now()}

	clients := make([]*client, opts.Clients)
	var wg sync.WaitGroup
	for i := range clients {
		c := &client{id: i, run: r}
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

	var res Result
	stopped := false
	for _, c := range clients {
		stopped = stopped || len(c.ops) < opts.Ops
		res.Ops = append(res.Ops, c.ops...)
		if p := c.pending; p != nil && p.Input.Op == models.OpPut {
			res.Ops = append(res.Ops, *p)
		}
		res.Breaches = append(res.Breaches, c.breaches...)
	}
	slices.SortStableFunc(res.Ops, func(a, b models.KVOp) int { return cmp.Compare(a.Call, b.Call) })
	if stopped {
		return res, context.Cause(ctx)
	}
	return res, nil
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
	heard atomic.Int64 // when some client last had a reply, as now() does
}

func (r *run) now() int64 { return time.Since(r.start).Nanoseconds() }

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
			if silent := time.Duration(r.now() - r.heard.Load()); silent >= dead {
				cancel(fmt.Errorf("%w: no reply from %s for %v", ErrNoReply, r.opts.Addr, silent.Round(time.Millisecond)))
				return
			}
		}
	}
}

// client is one client of a load run. Its fields are written only by its
// own goroutine and read after that goroutine ends.
type client struct {
	id  int
	run *run

	ops      []models.KVOp
	pending  *models.KVOp // the operation under way, if the client stopped during one
	breaches []string
}

func (c *client) loop(ctx context.Context) {
	opts := c.run.opts
	caller := netrpc.NewCaller(netrpc.Options{Timeout: opts.Timeout})
	defer caller.Close()
	rec := &recorder{ctx: ctx, caller: caller, run: c.run}
	ck := opts.NewClerk(rec, ctxSleeper{ctx}, opts.Addr)
	rng := rand.New(rand.NewPCG(opts.Seed, uint64(c.id)))
	seen := make(map[string]rpc.Tversion) // the version this client last saw, per key

	for i := range opts.Ops {
		if ctx.Err() != nil {
			return
		}
		key := opts.Key(rng.IntN(opts.Keys))
		in := models.KVInput{Op: models.OpGet, Key: key}
		if rng.Float64() < opts.PutFraction {
			in = models.KVInput{Op: models.OpPut, Key: key, Value: fmt.Sprintf("c%d.%d", c.id, i), Version: seen[key]}
		}
		c.pending = &models.KVOp{Client: c.id, Input: in, Output: models.KVOutput{Unknown: true}, Call: c.run.now()}
		rec.attempts = rec.attempts[:0]
		var out models.KVOutput
		var breach string
		if in.Op == models.OpGet {
			out.Value, out.Version, out.Err = ck.Get(key)
			breach = models.ClerkGetContract(key, rec.of(rpc.MethodGet), out.Value, out.Version, out.Err)
			if out.Err == rpc.OK {
				seen[key] = out.Version
			}
		} else {
			out.Err = ck.Put(key, in.Value, in.Version)
			breach = models.ClerkPutContract(key, in.Value, in.Version, rec.of(rpc.MethodPut), out.Err)
			if out.Err == rpc.OK {
				seen[key] = in.Version + 1
			}
		}
		op := *c.pending
		op.Output, op.Return = out, c.run.now()
		c.ops = append(c.ops, op)
		c.pending = nil
		if breach != "" {
			c.breaches = append(c.breaches, fmt.Sprintf("client %d: %s", c.id, breach))
		}
		if opts.OnOp != nil {
			opts.OnOp()
		}
	}
}

// recorder is a client's Caller: it notes what each attempt of the current
// operation got, for the contract check, and ends the client's goroutine
// once the run is stopped, for Clerks that retry without sleeping.
type recorder struct {
	ctx      context.Context
	caller   rpc.Caller
	run      *run
	attempts []attempt
}

type attempt struct {
	method string
	models.Attempt
}

func (r *recorder) Call(server, method string, args, reply any) bool {
	if r.ctx.Err() != nil {
		runtime.Goexit()
	}
	ok := r.caller.Call(server, method, args, reply)
	if ok {
		r.run.heard.Store(r.run.now())
	}
	r.attempts = append(r.attempts, attempt{method: method, Attempt: models.ReplyAttempt(ok, reply)})
	return ok
}

// of returns the current operation's attempts of method, in order.
func (r *recorder) of(method string) []models.Attempt {
	var as []models.Attempt
	for _, a := range r.attempts {
		if a.method == method {
			as = append(as, a.Attempt)
		}
	}
	return as
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
