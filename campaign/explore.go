package campaign

import (
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/sim"
	"github.com/kvsim/kvsim/sim/explore"
)

// Exploration is what Explore found.
type Exploration struct {
	explore.Report
	// Bound is the bound of the ladder the report is about.
	Bound explore.Bound
	// Failure is the failing run replayed from its choices, traced, with a
	// Spec whose strategy ("replay:CHOICES") reruns it; zero if none.
	Failure scenarios.Result
}

// Explore enumerates the runs of cfg's scenario, profile and
// implementation within each bound of ladder in turn (explore.Deepen), as
// a stateless model checker: every choice of the entropy, the workload's
// too, within the bound. It stops at the first failure, which it replays;
// without one, an exhausted bound means there is no bug within it.
func Explore(cfg scenarios.Config, ladder []explore.Bound) Exploration {
	var pool scenarios.Pool // the runs follow one another
	defer pool.Close()
	rep, rung := explore.Deepen(func(ent sim.Entropy) (bool, string) {
		c := cfg
		c.Entropy, c.Pool = ent, &pool
		r := runSafely(c)
		return r.Failed(), r.Summary()
	}, ladder)
	x := Exploration{Report: rep}
	if rung >= 0 {
		x.Bound = ladder[rung]
	}
	if rep.Failure != nil {
		name := replayPrefix + explore.FormatChoices(rep.Failure.Choices)
		c := cfg
		c.Entropy, c.Trace = nil, true
		c.Strategy = explore.Strategy{Name: name, New: func(uint64) sim.Entropy { return explore.Replay(rep.Failure.Choices) }}
		x.Failure = runSafely(c)
	}
	return x
}
