package campaign

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/report"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/search"
	proto "github.com/kvsim/kvsim/worker"
)

// Workers is the Executor that makes every run in worker processes (package
// worker): the program at Path, started with proto.Arg, as many at once as
// runs are in flight, each reused for run after run. kvsim lab's is the
// program it builds for a course folder, whose code runs one world at a
// time in a process. A run the caller gave up on (a campaign's watchdog)
// kills its worker, and a worker that dies is reported as the run's
// failure, never read as a result. Runs are named to a worker by their
// Spec, so a run whose entropy is rapid's or a fuzzer's, or that replays
// recorded choices (a regression entry's), cannot be made there; Smallest searches in a worker. Close ends the workers.
type Workers struct {
	Path string
	// Env, if set, is the workers' environment (os/exec.Cmd.Env).
	Env []string
	// Stderr is where the workers' stdout and stderr go: whatever the
	// code under test prints.
	Stderr io.Writer

	once sync.Once
	pool *proto.Pool
}

// Runner returns the workers as a runner: each run goes to an idle worker.
func (ws *Workers) Runner() Runner { return ws }

// Run makes cfg's run in a worker; ctx's end kills it.
func (ws *Workers) Run(ctx context.Context, cfg scenarios.Config) scenarios.Result {
	if err := byName(cfg); err != nil {
		return scenarios.FailedRun(cfg, kvsim.Panic, err.Error(), "")
	}
	resp, err := ws.call(ctx, proto.Request{Spec: cfg.Spec(), CheckTimeout: cfg.CheckTimeout})
	if err != nil {
		return scenarios.FailedRun(cfg, kvsim.Panic, err.Error(), "")
	}
	return resp.Result.For(cfg)
}

// Traced makes the run in a worker, which writes out's outputs, and kills
// the worker if the run outlives timeout (a Stuck result) or ctx ends.
func (ws *Workers) Traced(ctx context.Context, cfg scenarios.Config, timeout time.Duration, out report.Outputs) (report.Written, error) {
	if err := byName(cfg); err != nil {
		r := scenarios.FailedRun(cfg, kvsim.Panic, err.Error(), "")
		r.Repro = out.Repro
		return report.Written{Result: r}, nil
	}
	watch := WatchCall(ctx, cmpTimeout(timeout))
	defer watch.Stop()
	resp, err := ws.call(watch.Context(), proto.Request{Spec: cfg.Spec(), CheckTimeout: cfg.CheckTimeout, Outputs: &out})
	switch {
	case ctx.Err() != nil:
		return report.Written{}, ctx.Err()
	case watch.Context().Err() != nil:
		r := stuckRun(cfg, cfg.Seed, watch.Why(), "")
		r.Repro = out.Repro
		return report.Written{Result: r}, nil
	case err != nil:
		r := scenarios.FailedRun(cfg, kvsim.Panic, err.Error(), "")
		r.Repro = out.Repro
		return report.Written{Result: r}, nil
	}
	w := report.Written{Result: resp.Result}
	if resp.Written != nil {
		w = *resp.Written
	}
	w.Result = w.Result.For(cfg)
	return w, nil
}

// byName says why cfg's run cannot be named to a worker by its Spec, or
// nil.
func byName(cfg scenarios.Config) error {
	switch {
	case cfg.Entropy != nil:
		return errors.New("kvsim: a run whose entropy is rapid's or a fuzzer's cannot be made in a worker process")
	case cfg.Choices != nil:
		return errors.New("kvsim: a run replayed from its recorded choices cannot be made in a worker process, which runs a Spec")
	}
	return nil
}

// Smallest searches in a worker (search.Smallest), which it kills if ctx
// ends first.
func (ws *Workers) Smallest(ctx context.Context, cfg scenarios.Config, req search.Request) (search.Found, error) {
	resp, err := ws.call(ctx, proto.Request{Spec: cfg.Spec(), CheckTimeout: cfg.CheckTimeout, Smallest: &req})
	switch {
	case err != nil:
		return search.Found{}, err
	case resp.Found == nil:
		return search.Found{}, errors.New("kvsim: the worker process answered no search")
	}
	found := *resp.Found
	found.Result = found.Result.For(cfg)
	return found, nil
}

// call sends req to a worker and returns its response (see
// proto.Pool.Call).
func (ws *Workers) call(ctx context.Context, req proto.Request) (proto.Response, error) {
	var resp proto.Response
	if err := ws.pooled().Call(ctx, req, &resp); err != nil {
		return resp, err
	}
	if resp.Err != "" {
		return resp, errors.New("kvsim: worker: " + resp.Err)
	}
	return resp, nil
}

// Close ends the workers.
func (ws *Workers) Close() { ws.pooled().Close() }

// pooled is the pool of worker processes, made on first use from the
// fields the caller set.
func (ws *Workers) pooled() *proto.Pool {
	ws.once.Do(func() { ws.pool = &proto.Pool{Path: ws.Path, Env: ws.Env, Stderr: ws.Stderr} })
	return ws.pool
}
