package campaign

import (
	"context"
	"fmt"
	"time"

	"github.com/kvsim/kvsim/report"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/search"
)

// An Executor makes runs. InProcess makes them in this process; package
// lab's executor makes them in worker processes that run a course
// folder's code. Campaigns, the command line, go test (kvsimtest) and the
// lab make every run through one, and a failure is replayed through the
// executor that found it (Reporter).
type Executor interface {
	// Runner returns a Runner for the runs one goroutine makes one after
	// another, as a campaign's worker does.
	Runner() Runner
	// Traced makes one run of cfg, guarded as a campaign's runs are: a
	// panic outside the simulator is a Panic result, a run still going
	// after timeout (0 means DefaultRunTimeout) a Stuck one. When out
	// asks for anything, the run is traced and out's files are written
	// (report.WriteOutputs). It returns ctx's error if ctx ends first.
	Traced(ctx context.Context, cfg scenarios.Config, timeout time.Duration, out report.Outputs) (report.Written, error)
	// Smallest looks for the smallest failing run of cfg's scenario,
	// profile and implementation (search.Smallest), where the runs are
	// made; ctx's end stops a search made elsewhere.
	Smallest(ctx context.Context, cfg scenarios.Config, req search.Request) (search.Found, error)
}

// A Runner makes runs one after another on one goroutine.
type Runner interface {
	// Run makes cfg's run; a panic outside the simulator (in a
	// constructor, say) is a Panic result. ctx ends when the caller
	// stops waiting for the run (a campaign's watchdog gave up on it): a
	// run made in another process is stopped then, while one made in
	// this process goes on, on a goroutine nobody waits for.
	Run(ctx context.Context, cfg scenarios.Config) scenarios.Result
}

// InProcess is the Executor that makes runs in this process: each Runner
// reuses the memory of its runs from one to the next (scenarios.Runner),
// and Traced runs on a goroutine of its own, which it abandons when the run
// outlives its timeout, reporting the stacks of what hangs.
type InProcess struct{}

// Runner returns a runner of this process.
func (InProcess) Runner() Runner { return &inProcess{} }

type inProcess struct{ r scenarios.Runner }

func (p *inProcess) Run(_ context.Context, cfg scenarios.Config) scenarios.Result {
	return p.r.Try(cfg)
}

// Smallest searches in this process, on this goroutine, over cfg's
// scenario, profile and implementation: a regression entry's recorded
// choices are not the search's.
func (InProcess) Smallest(_ context.Context, cfg scenarios.Config, req search.Request) (search.Found, error) {
	cfg.Choices = nil
	return search.Smallest(cfg, req, nil), nil
}

// Traced makes the run on a goroutine of its own, watched (guard).
func (InProcess) Traced(ctx context.Context, cfg scenarios.Config, timeout time.Duration, out report.Outputs) (report.Written, error) {
	cfg.Trace = cfg.Trace || out.Any()
	r, err := guard(ctx, cmpTimeout(timeout), cfg)
	if err != nil {
		return report.Written{}, err
	}
	if r.Trace == nil { // never traced, or it never finished
		r.Repro = out.Repro
		return report.Written{Result: r}, nil
	}
	return report.WriteOutputs(r, out), nil
}

func cmpTimeout(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultRunTimeout
	}
	return d
}

// executorOr is ex, or InProcess when ex is nil.
func executorOr(ex Executor) Executor {
	if ex == nil {
		return InProcess{}
	}
	return ex
}

// guard makes one run on a goroutine of its own, as a campaign's worker
// would: a panic outside the simulator becomes a Panic result and a run
// still going after timeout a Stuck one, its goroutine abandoned. When
// ctx ends first, guard abandons the run the same way and returns ctx's
// error.
func guard(ctx context.Context, timeout time.Duration, cfg scenarios.Config) (scenarios.Result, error) {
	// Buffered, so that an abandoned run can still finish and be collected.
	done := make(chan scenarios.Result, 1)
	gid := make(chan string, 1)
	go func() {
		gid <- goroutineID()
		done <- (*scenarios.Runner)(nil).Try(cfg)
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r, nil
	case <-timer.C:
		return stuckRun(cfg, cfg.Seed, fmt.Sprintf("did not return within %v of wall time", timeout), stacksOf(<-gid)), nil
	case <-ctx.Done():
		return scenarios.Result{}, ctx.Err()
	}
}

// RunGuarded makes cfg's run through ex (nil means InProcess), guarded: a
// panic outside the simulator is a Panic result and a run still going
// after timeout (0 means DefaultRunTimeout) a Stuck one. Replay a
// campaign's failures with it: whatever broke the campaign's run breaks
// the replay the same way. It returns ctx's error if ctx ends first.
func RunGuarded(ctx context.Context, ex Executor, cfg scenarios.Config, timeout time.Duration) (scenarios.Result, error) {
	w, err := executorOr(ex).Traced(ctx, cfg, timeout, report.Outputs{})
	return w.Result, err
}
