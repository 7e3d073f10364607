package labrt

import (
	"fmt"
	"runtime/debug"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/sim"
)

// Runner makes runs of student code in this process, one at a time (a
// search.Runner): each world starts the student's package state afresh, as
// a fresh process would, and a failure keeps what the student's code
// printed. Every run of a worker, a search's included, is made by one.
type Runner struct{ r scenarios.Runner }

// Try makes cfg's run; a panic outside the simulator is a Panic result.
func (p *Runner) Try(cfg scenarios.Config) (r scenarios.Result) {
	world.mu.Lock()
	defer world.mu.Unlock()
	panicked, stack := begin(cfg.Seed)
	defer func() {
		if out := end(); r.Failed() {
			r.Output = out
		}
	}()
	if panicked != nil {
		return scenarios.FailedRun(cfg, kvsim.Panic, fmt.Sprintf("the folder's package-level initialization panicked: %v", panicked), stack)
	}
	p.r.OnWorld = func(w *sim.World) {
		enter(w)
		sizes := MaxRaftStates()
		world.maxRaftState = sizes[w.Stream("lab/maxraftstate").Uint64N(uint64(len(sizes)))]
	}
	return p.r.Try(cfg)
}

func stackOf() string { return string(debug.Stack()) }

// runtimePrefix starts the names of this package's functions and its
// stand-ins', which the rewritten student code calls.
const runtimePrefix = "github.com/kvsim/kvsim/lab/labrt"
