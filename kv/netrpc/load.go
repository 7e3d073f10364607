package netrpc

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/kvsim/kvsim/clerk"
	"github.com/kvsim/kvsim/kv/rpc"
)

// OpKind says which operation an Op is.
type OpKind string

const (
	OpGet OpKind = "get"
	OpPut OpKind = "put"
)

// Input is what a client asked for.
type Input struct {
	Kind    OpKind
	Key     string
	Value   string       // Put: the value written
	Version rpc.Tversion // Put: the version it is conditional on
}

// Output is what the client's Clerk returned.
type Output struct {
	Value   string       // Get
	Version rpc.Tversion // Get
	Err     rpc.Err
}

// Op is one operation as the client saw it. Call and Return are nanoseconds
// since the run began, on the monotonic clock, so an op that returned before
// another was called really did.
type Op struct {
	Client       int
	Input        Input
	Output       Output
	Call, Return int64
}

// History is every operation of a run, ordered by Call.
type History []Op

// DefaultPutFraction is the share of Puts when LoadOptions.PutFraction is
// zero.
const DefaultPutFraction = 0.5

// LoadOptions describes a load run.
type LoadOptions struct {
	Addr    string // the server's "host:port"
	Clients int    // concurrent clients, each a Clerk with its own connection
	Ops     int    // operations per client
	Keys    int    // keys "k0" ... written and read at random
	Seed    uint64 // client i draws from a PCG seeded with (Seed, i)

	// PutFraction is the share of operations that are Puts, in (0, 1];
	// zero means DefaultPutFraction.
	PutFraction float64
	// Timeout bounds one RPC; zero means DefaultTimeout.
	Timeout time.Duration
	// RetryInterval is the Clerks' pause after a lost RPC; zero means
	// clerk.DefaultRetryInterval.
	RetryInterval time.Duration
}

// RunLoad runs opts.Clients clients at once, each doing opts.Ops random Gets
// and Puts through a real Clerk, and returns what each saw and when. A Put
// names the version its client last saw for the key (from its last Get, or
// its own last successful Put), so most succeed and concurrent ones race.
//
// Clerks retry until they get a reply, so bound a run against a server that
// may be unreachable with ctx. Once ctx is done no client starts another
// operation, and a client still retrying gives up at its next pause: RunLoad
// then returns the history so far and ctx's error. A Put given up on may
// still take effect, so it is recorded with ErrMaybe, returning when the
// last client stopped; a Get given up on changed nothing and is left out.
func RunLoad(ctx context.Context, opts LoadOptions) (History, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	if opts.PutFraction == 0 {
		opts.PutFraction = DefaultPutFraction
	}
	start := time.Now()
	clients := make([]*loadClient, opts.Clients)
	var wg sync.WaitGroup
	for i := range clients {
		c := &loadClient{id: i, opts: &opts, start: start}
		clients[i] = c
		wg.Go(func() { c.run(ctx) })
	}
	wg.Wait()
	end := time.Since(start).Nanoseconds()

	var h History
	for _, c := range clients {
		h = append(h, c.ops...)
		if p := c.pending; p != nil && p.Input.Kind == OpPut {
			p.Output = Output{Err: rpc.ErrMaybe}
			p.Return = end
			h = append(h, *p)
		}
	}
	slices.SortStableFunc(h, func(a, b Op) int { return cmp.Compare(a.Call, b.Call) })
	return h, ctx.Err()
}

func (o *LoadOptions) check() error {
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
	if o.Timeout < 0 || o.RetryInterval < 0 {
		errs = append(errs, errors.New("negative timeout or retry interval"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("netrpc: load: %w", err)
	}
	return nil
}

// loadClient is one client of a load run. Its fields are written only by
// its own goroutine and read after that goroutine ends.
type loadClient struct {
	id    int
	opts  *LoadOptions
	start time.Time

	ops     []Op
	pending *Op // the operation under way, if the client stopped during one
}

func (c *loadClient) now() int64 { return time.Since(c.start).Nanoseconds() }

func (c *loadClient) run(ctx context.Context) {
	caller := NewCaller(Options{Timeout: c.opts.Timeout})
	defer caller.Close()
	ck := clerk.New(caller, ctxSleeper{ctx}, c.opts.Addr, clerk.Options{RetryInterval: c.opts.RetryInterval})
	rng := rand.New(rand.NewPCG(c.opts.Seed, uint64(c.id)))
	seen := make(map[string]rpc.Tversion) // the version this client last saw, per key

	c.ops = make([]Op, 0, c.opts.Ops)
	for i := range c.opts.Ops {
		if ctx.Err() != nil {
			return
		}
		key := fmt.Sprintf("k%d", rng.IntN(c.opts.Keys))
		in := Input{Kind: OpGet, Key: key}
		if rng.Float64() < c.opts.PutFraction {
			in = Input{Kind: OpPut, Key: key, Value: fmt.Sprintf("c%d.%d", c.id, i), Version: seen[key]}
		}
		c.pending = &Op{Client: c.id, Input: in, Call: c.now()}
		var out Output
		if in.Kind == OpGet {
			out.Value, out.Version, out.Err = ck.Get(key)
			if out.Err == rpc.OK {
				seen[key] = out.Version
			}
		} else {
			out.Err = ck.Put(key, in.Value, in.Version)
			if out.Err == rpc.OK {
				seen[key] = in.Version + 1
			}
		}
		op := *c.pending
		op.Output, op.Return = out, c.now()
		c.ops = append(c.ops, op)
		c.pending = nil
	}
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
