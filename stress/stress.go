package stress

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/check"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
)

// Defaults for the zero fields of Options.
const (
	DefaultClients      = 16
	DefaultDuration     = time.Second
	DefaultOps          = 1000
	DefaultKeys         = 3
	DefaultValues       = 3
	DefaultLoss         = 0.05
	DefaultSpeedup      = 100
	DefaultGrace        = 5 * time.Second
	DefaultCheckTimeout = 10 * time.Second
)

// Options describes a stress run. The zero value runs the reference with
// the defaults above.
type Options struct {
	// Impl is the implementation under test; empty fields are the
	// reference's (kvsim.Impl.WithDefaults).
	Impl kvsim.Impl
	// Clients is how many clients run at once, each on its own goroutine.
	Clients int
	// Lockers is how many of the clients increment the counter under the
	// lock; the others run Gets and Puts. Zero means half the clients,
	// rounded down; negative means none.
	Lockers int
	// Duration bounds the run: no client starts an operation, and no
	// round starts, after it. The first round always runs.
	Duration time.Duration
	// Rounds bounds the number of rounds; zero means as many as Duration
	// allows.
	Rounds int
	// Ops bounds the key/value operations of each client in a round, its
	// lock's included: a client starts no operation (for a lock user, no
	// acquire, increment and release) once it has made Ops. Rounds are
	// checked one by one, so Ops bounds the cost of a check.
	Ops int
	// Keys and Values are how many hot keys the Get/Put clients use and
	// how many distinct values they write, so values repeat.
	Keys, Values int
	// Loss is the share of calls whose request is lost, whose reply is
	// lost, or whose request arrives only after the caller gave up (a
	// third each). Zero means DefaultLoss; negative means none.
	Loss float64
	// Speedup divides every pause the implementation asks for (retry
	// intervals, lock polls), so that a run stays busy. Zero means
	// DefaultSpeedup.
	Speedup int
	// Seed seeds each client's random source (workload and losses). The
	// schedule itself is the machine's and is not reproducible.
	Seed uint64
	// Grace is how long after Duration a client may take to finish its
	// operation; a client still inside one then is stopped and reported
	// as stuck. Zero means DefaultGrace.
	Grace time.Duration
	// CheckTimeout bounds each linearizability check; zero means
	// DefaultCheckTimeout. A timeout is a failure, never a pass.
	CheckTimeout time.Duration
}

// withDefaults resolves the zero fields, or says what is wrong.
func (o Options) withDefaults() (Options, error) {
	o.Impl = o.Impl.WithDefaults()
	var errs []error
	if o.Impl.Cluster() {
		// A cluster runs on the simulator's machines only (its Raft and
		// rsm are written on the simulator's API): here it would be the
		// single server its unused NewServer leaves.
		errs = append(errs, fmt.Errorf("%s is a cluster of %d servers, which stress mode cannot run (no real-goroutine Raft): run it in simulation", o.Impl.Name, o.Impl.Servers))
	}
	for _, f := range []struct {
		name string
		v    *int
		def  int
	}{{"clients", &o.Clients, DefaultClients}, {"rounds", &o.Rounds, 0}, {"ops", &o.Ops, DefaultOps}, {"keys", &o.Keys, DefaultKeys}, {"values", &o.Values, DefaultValues}, {"speedup", &o.Speedup, DefaultSpeedup}} {
		switch {
		case *f.v < 0:
			errs = append(errs, fmt.Errorf("%s = %d, want at least 0", f.name, *f.v))
		case *f.v == 0:
			*f.v = f.def
		}
	}
	switch {
	case o.Lockers < 0:
		o.Lockers = 0
	case o.Lockers == 0:
		o.Lockers = o.Clients / 2
	case o.Lockers > o.Clients:
		errs = append(errs, fmt.Errorf("lockers = %d, more than the %d clients", o.Lockers, o.Clients))
	}
	switch {
	case o.Loss < 0:
		o.Loss = 0
	case o.Loss == 0:
		o.Loss = DefaultLoss
	case o.Loss >= 1:
		errs = append(errs, fmt.Errorf("loss = %v, want below 1: every call would be lost", o.Loss))
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{{"duration", &o.Duration, DefaultDuration}, {"grace", &o.Grace, DefaultGrace}, {"check timeout", &o.CheckTimeout, DefaultCheckTimeout}} {
		switch {
		case *d.v < 0:
			errs = append(errs, fmt.Errorf("%s = %v, want at least 0", d.name, *d.v))
		case *d.v == 0:
			*d.v = d.def
		}
	}
	if err := errors.Join(errs...); err != nil {
		return o, fmt.Errorf("stress: %w", err)
	}
	return o, nil
}

// Result is what a stress run did and found.
type Result struct {
	Impl string
	// Options are the run's options with defaults resolved; their Impl
	// keeps only its name and doc.
	Options Options
	// Rounds is how many rounds ran; a failing round is the last.
	Rounds int
	// Elapsed is the time the clients ran; CheckTime the time the checks
	// took after them.
	Elapsed, CheckTime time.Duration
	// The counts below add up every round. Ops counts the recorded
	// key/value operations, the lock's own Gets and Puts included;
	// Acquisitions the completed Acquires.
	Ops, Acquisitions int
	// Increments made under the lock, and the counter's final values.
	Increments, Counter int
	// RPCs made by the clerks, and how many of them got no reply.
	RPCs, Lost int
	// The checks and histories of the last round.
	KVCheck     models.CheckResult
	LockCheck   models.CheckResult
	KVHistory   []models.KVOp
	LockHistory []models.LockOpRecord
	// Failures says what went wrong, one line each (a panic adds its
	// stack): the harness's own (a panic, a call the in-process network
	// cannot carry, clients that never stop), then what the checks found,
	// the failure a simulated run would report first. None means the run
	// passed. Data races are not here: the race detector reports them
	// itself, on stderr.
	Failures []string
	// Warnings are what the clerks did that their contract allows but a
	// precise Clerk avoids, over every round.
	Warnings []check.Warning
}

// Passed reports whether no check failed.
func (r Result) Passed() bool { return len(r.Failures) == 0 }

// Keys the lock users share.
const (
	lockKey    = "lock"
	counterKey = "counter"
)

// run is the state all clients read, set before they start.
type run struct {
	opts   Options
	server rpc.Server
	start  time.Time
	// stop: no operation starts after it; abort: calls and pauses panic
	// with errAbort after it, or once done is closed.
	stop, abort time.Time
	done        <-chan struct{}
}

// Now is the clients' clock: the time since the round began, on the
// monotonic clock.
func (r *run) Now() time.Duration { return time.Since(r.start) }

// aborted reports whether clients must stop even inside an operation. It
// reads done without receiving, which the race detector does not count as
// synchronization between clients.
func (r *run) aborted() bool {
	select {
	case <-r.done:
		return true
	default:
		return time.Now().After(r.abort)
	}
}

func (r *run) stopped() bool {
	select {
	case <-r.done:
		return true
	default:
		return time.Now().After(r.stop)
	}
}

// Run stresses opts.Impl and checks its histories. It returns an error for
// bad options only; a failure of the implementation is in the Result. If
// ctx ends first, clients stop where they are and Run checks what was
// recorded, returning ctx's error with the Result.
//
// A run is a series of rounds, each on a fresh server, until Duration has
// passed or a round fails: every round's history is checked on its own,
// so a long run costs checking time in proportion to its length.
func Run(ctx context.Context, opts Options) (Result, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Result{}, err
	}
	res := Result{Impl: opts.Impl.Name, Options: opts}
	res.Options.Impl = kvsim.Impl{Name: opts.Impl.Name, Doc: opts.Impl.Doc}
	stop := time.Now().Add(opts.Duration)
	for res.Passed() && ctx.Err() == nil && (res.Rounds == 0 || time.Now().Before(stop) && res.Rounds != opts.Rounds) {
		res.add(round(ctx, opts, res.Rounds, stop))
	}
	return res, ctx.Err()
}

// add folds a round's result into the run's.
func (res *Result) add(r Result) {
	res.Rounds++
	res.Elapsed += r.Elapsed
	res.CheckTime += r.CheckTime
	res.Ops += r.Ops
	res.Acquisitions += r.Acquisitions
	res.Increments += r.Increments
	res.Counter += r.Counter
	res.RPCs += r.RPCs
	res.Lost += r.Lost
	res.KVCheck, res.LockCheck = r.KVCheck, r.LockCheck
	res.KVHistory, res.LockHistory = r.KVHistory, r.LockHistory
	for _, w := range r.Warnings {
		if i := slices.IndexFunc(res.Warnings, func(v check.Warning) bool { return v.Name == w.Name }); i >= 0 {
			res.Warnings[i].Count += w.Count
		} else {
			res.Warnings = append(res.Warnings, w)
		}
	}
	for _, f := range r.Failures {
		res.Failures = append(res.Failures, fmt.Sprintf("round %d: %s", res.Rounds, f))
	}
}

// stuckAfter is the least time the clients get, past the abort, to
// return by themselves before the round is reported stuck.
const stuckAfter = DefaultGrace

// round runs one round on a fresh server: clients start no operation after
// stop and are aborted a Grace later.
func round(ctx context.Context, opts Options, n int, stop time.Time) Result {
	r := &run{opts: opts, server: opts.Impl.NewServer(), done: ctx.Done()}
	r.start = time.Now()
	r.stop = stop
	r.abort = r.stop.Add(opts.Grace)

	clients := make([]*client, opts.Clients)
	var wg sync.WaitGroup
	for i := range clients {
		c := &client{r: r, id: i, name: "c" + strconv.Itoa(i), rng: rand.New(rand.NewPCG(opts.Seed, uint64(n)<<32|uint64(i)))}
		clients[i] = c
		body := c.putsAndGets
		if i < opts.Lockers {
			body = c.lockUser
		}
		wg.Go(func() { c.run(body) })
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	var res Result
	// Clients stop by themselves at abort unless the implementation loops
	// without calling or pausing; then there is nothing safe to read. A
	// client that stops by itself needs only to be scheduled, which on a
	// loaded machine can take far longer than a short Grace: the wait is
	// never shorter than stuckAfter.
	select {
	case <-finished:
	case <-time.After(time.Until(r.abort) + max(opts.Grace, stuckAfter)):
		res.Elapsed = time.Since(r.start)
		res.Failures = []string{fmt.Sprintf("stuck: clients still running %v after the deadline; the implementation loops without calling the server or pausing", time.Since(r.stop).Round(time.Millisecond))}
		return res
	}
	for _, c := range clients {
		c.late.Wait()
	}
	res.Elapsed = time.Since(r.start)
	res.check(r, clients, ctx.Err() != nil)
	res.CheckTime = time.Since(r.start) - res.Elapsed
	return res
}

// check gathers the clients' recordings and runs every check that applies
// on them (see Checks).
func (res *Result) check(r *run, clients []*client, interrupted bool) {
	parts := make([]*check.Recording, len(clients))
	names := make([]string, len(clients))
	var waiting []check.Waiting
	for i, c := range clients {
		parts[i], names[i] = &c.rec, c.name
		res.RPCs += c.rpcs
		res.Lost += c.lost
		res.Failures = append(res.Failures, c.failures...)
		res.Failures = append(res.Failures, c.lateFailures...)
		if c.stuckIn != "" && !interrupted {
			waiting = append(waiting, check.Waiting{Client: c.name, In: c.stuckIn})
		}
	}
	rec := check.Merge(parts)
	rec.Clients = names
	rec.Stall = check.Stall{Stuck: len(waiting) > 0, Window: r.opts.Grace, Waiting: waiting}
	rec.Interrupted = interrupted
	rec.Read = func(key string) (string, rpc.Tversion, rpc.Err) {
		var reply rpc.GetReply
		r.server.Get(&rpc.GetArgs{Key: key}, &reply)
		return reply.Value, reply.Version, reply.Err
	}
	rec.Server = r.server

	res.KVHistory, res.LockHistory = rec.KV, rec.Locks
	res.Ops = len(rec.KV)
	for _, op := range rec.Locks {
		if op.Input.Op == models.LockAcquire && !op.Unknown {
			res.Acquisitions++
		}
	}
	for _, ctr := range rec.Counters {
		res.Increments += ctr.Increments
	}
	if r.opts.Lockers > 0 {
		v, _, _ := rec.Read(counterKey)
		res.Counter, _ = strconv.Atoi(v)
	}

	var out check.Outcome
	Checks(r.opts.CheckTimeout).Run(&rec, &out)
	res.KVCheck = out.KV
	if out.Lock != nil {
		res.LockCheck = *out.Lock
	}
	res.Warnings = out.Warnings
	res.Failures = append(res.Failures, failures(&out)...)
}

// failures are the round's failures the checks found, one line each, in
// the order a run reports them (check.Outcome.Ranked): every finding,
// a checker that gave up (Unknown) included, fails the round.
func failures(out *check.Outcome) []string {
	var lines []string
	for _, f := range out.Ranked() {
		reason := f.Reason
		if f.Count > 1 {
			reason += fmt.Sprintf(" (%d times in all)", f.Count)
		}
		lines = append(lines, reason)
	}
	return lines
}

// Checks are the checks a stress round gets: every one that applies to
// real goroutines over an in-process network. The Clerk's contract, mutual
// exclusion and the counter under the lock, the workload's own judgement,
// linearizability and the lock model (each bounded by timeout), liveness
// (no client still inside an operation a grace after the deadline), and
// the server's memory, proportional to its data.
func Checks(timeout time.Duration) check.Registry {
	return check.Registry{
		check.ClerkContract{}, &check.MutualExclusion{}, check.Workload{},
		&check.Linearizability{Timeout: timeout}, check.LockModel{Timeout: timeout},
		check.Liveness{}, check.Counters{}, &check.Memory{Label: "memory"},
	}
}
