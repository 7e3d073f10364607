package scenarios

import (
	"fmt"
	"runtime/debug"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/sim"
)

// Runner makes runs one after another on one goroutine, as a campaign's
// worker, rapid's runs or an exploration do, and lends each run what the
// one before it left: the simulator's coroutines and memory (sim.Runner),
// and an Env's: its recording, its clients and their buffers, its checks.
// A runner never changes a run, and no Result keeps its memory: an
// untraced Result keeps nothing of the run's, a traced one what is its
// own. The zero value is ready to use; a runner is for one goroutine at a
// time, and a nil one keeps nothing.
type Runner struct {
	// OnWorld, if set, is told of each run's world before the
	// implementation is built: code written without a world in hand (a
	// course folder's, through package labrt) reaches the run's so.
	OnWorld func(*sim.World)

	sim sim.Runner
	env *Env // an untraced run's, given back after its checks
}

// newWorld is a world that borrows the runner's memory, if there is a
// runner.
func (p *Runner) newWorld(seed uint64, opts sim.Options) *sim.World {
	if p == nil {
		return sim.New(seed, opts)
	}
	w := p.sim.New(seed, opts)
	if p.OnWorld != nil {
		p.OnWorld(w)
	}
	return w
}

// takeEnv is the Env a run may reuse, if any.
func (p *Runner) takeEnv() *Env {
	if p == nil {
		return nil
	}
	e := p.env
	p.env = nil
	return e
}

// giveEnv takes back a finished run's Env, cleared, for the next run. Run
// gives back only an untraced run's: a traced Result keeps its history.
func (p *Runner) giveEnv(e *Env) {
	if p == nil {
		return
	}
	clear(e.ops)
	for _, c := range e.clients {
		c.recycle()
	}
	clear(e.holders)
	e.rec.Reset()
	e.checks.reset()
	*e = Env{rec: e.rec, checks: e.checks, ops: e.ops[:0], holders: e.holders[:0], clients: e.clients}
	p.env = e
}

// Try is Run, with a panic outside the simulator (in a constructor, a
// final check) a Panic result instead of a crash, as every executor and
// search makes its runs.
func (p *Runner) Try(cfg Config) (r Result) {
	defer func() {
		if v := recover(); v != nil {
			r = FailedRun(cfg, kvsim.Panic, fmt.Sprintf("panic outside the simulator: %v", v), string(debug.Stack()))
		}
	}()
	return p.Run(cfg)
}
