package search

import (
	"slices"

	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/sim"
	"github.com/kvsim/kvsim/sim/explore"
)

// Rung is one bound of an exploration: how far each run may stray from the
// simplest schedule, and how many runs the rung may make in all.
type Rung struct {
	// Faults is the most faults one run may have (explore.Bound.Faults).
	Faults int
	// Ties is the most ties one run takes out of scheduling order;
	// negative means no limit (explore.Bound.Ties).
	Ties int
	// Runs is the rung's budget: the most runs it makes, over every
	// workload it covers. Explore treats less than 1 as 1.
	Runs int
}

// DefaultLadder is what an exploration climbs unless told otherwise:
// every single fault, then one fault and one out-of-order tie, then two
// and three faults with ties in order. Over the workloads of the first
// DefaultExploreSeeds seeds it finds every zoo bug that a 2,000-seed
// campaign of the same scenario under its own profile finds, each within
// 4 s on one core; under swarm, all but one, for which it says it is no
// all-clear (TestExploreFindsWhatCampaignsFind, testdata/explore-zoo.txt).
// A clean exploration makes at most the sum of the budgets, 60,000 runs:
// 15 s for the reference on lock-swarm, the slowest.
func DefaultLadder() []Rung {
	return []Rung{
		{Faults: 1, Ties: 0, Runs: 10_000},
		{Faults: 1, Ties: 1, Runs: 20_000},
		{Faults: 2, Ties: 0, Runs: 20_000},
		{Faults: 3, Ties: 0, Runs: 10_000},
	}
}

// DefaultExploreSeeds is how many seeds' workloads an exploration covers
// by default.
const DefaultExploreSeeds = 20

// ExploreOptions say what Explore covers.
type ExploreOptions struct {
	// Ladder is the bounds to climb, in order; DefaultLadder if empty.
	Ladder []Rung
	// Workload, if positive, enumerates every workload draw (and a swarm
	// profile's draws of its fault model) over its first Workload values,
	// as explore.Bound.Workload does. Zero draws them instead from the
	// seeds Start, Start+1, ..., as a campaign does.
	Workload int
	// Seeds is how many seeds' workloads each rung covers when Workload
	// is zero; zero means DefaultExploreSeeds.
	Seeds int
	// Start is the first of those seeds.
	Start uint64
	// OnRung, if set, is told each rung's report as the rung ends.
	OnRung func(RungReport)
	// Runner makes the runs; nil means a scenarios.Runner of its own.
	Runner Runner
}

// RungReport is what one rung covered and found.
type RungReport struct {
	Rung
	// Enumerated is ExploreOptions.Workload: positive when the workload
	// draws were enumerated rather than drawn from seeds.
	Enumerated int
	// Runs is the number of runs made (Rung.Runs is the budget).
	Runs int
	// Deepest is the most decisions one run made.
	Deepest int
	// Seeds are the seeds whose workloads the rung covered, in order; one
	// (Start) when the workload is enumerated or Fixed.
	Seeds []uint64
	// Cut is how many of those workloads' trees the budget cut short.
	Cut int
	// Fixed reports that no run drew a workload value (nor a fault model):
	// the scenario and profile draw none, so every seed has the same tree
	// and one covered them all.
	Fixed bool
	// Narrowed counts the workload draws (in the runs that drew the most)
	// that had more values than Enumerated tries: the enumerated workload
	// is narrower than the scenario's.
	Narrowed int
	// Clients and Ops are the fewest and most clients and operations of
	// the workloads covered (in their simplest schedule).
	Clients, Ops [2]int
	// Points is, per decision (sim.Decision), the most draws of it one run
	// made: the ties and the places where a fault could fire.
	Points map[sim.Decision]int
	// Failure is the first failing run, nil if none; Seed is its seed.
	Failure *explore.Failure
	Seed    uint64
	// Err reports a run that is not deterministic; the rung stopped there.
	Err error
}

// Exhausted reports that the rung made every run within its bound, for
// every workload it covered.
func (r RungReport) Exhausted() bool { return r.Cut == 0 && r.Failure == nil && r.Err == nil }

// Complete reports that the workloads the rung covered are all the
// scenario has: it draws none, or every draw was enumerated in full.
func (r RungReport) Complete() bool {
	return r.Fixed || r.Enumerated > 0 && r.Narrowed == 0
}

// Exploration is what Explore found.
type Exploration struct {
	// Rungs are the rungs climbed, in order; the last one failed if any
	// did.
	Rungs []RungReport
	// Failure is the failing run replayed from its choices, traced, with a
	// Spec whose strategy ("replay:CHOICES") reruns it; zero if none.
	Failure scenarios.Result
}

// Runs is the number of runs made over every rung.
func (x Exploration) Runs() int {
	n := 0
	for _, r := range x.Rungs {
		n += r.Runs
	}
	return n
}

// Failed reports whether a run failed.
func (x Exploration) Failed() bool { return len(x.Rungs) > 0 && x.Rungs[len(x.Rungs)-1].Failure != nil }

// Err is the error a rung stopped at, if any.
func (x Exploration) Err() error {
	if len(x.Rungs) == 0 {
		return nil
	}
	return x.Rungs[len(x.Rungs)-1].Err
}

// AllClear reports that no run failed and every rung covered all of its
// bound: every schedule within it, of every workload the scenario has.
// Only then is "no bug within these bounds" true of the scenario rather
// than of a sample of its workloads.
func (x Exploration) AllClear() bool {
	for _, r := range x.Rungs {
		if !r.Exhausted() || !r.Complete() {
			return false
		}
	}
	return len(x.Rungs) > 0
}

// Explore enumerates runs of cfg's scenario, profile and implementation as
// a stateless model checker does, climbing each rung of the ladder in turn
// and stopping at the first failure, which it replays.
//
// Within a rung, every choice of the schedule and of the faults is
// enumerated (explore.Exhaustive): each tie between events due at the same
// instant (message jitter is 0, so messages sent together tie), each
// message dropped or not, each targeted fault fired or not, within the
// rung's bound. The workload, and a swarm profile's fault model, are not
// choices of that kind: they are drawn from the seeds opts.Start, ...,
// exactly as a campaign draws them, and each seed's tree is explored in
// turn, with an equal share of what is left of the rung's budget. (With
// opts.Workload, they are instead enumerated over their first values: a
// tree that is exhausted only for tiny workloads.) A scenario and profile
// that draw nothing have one tree, which the whole budget goes to.
func Explore(cfg scenarios.Config, opts ExploreOptions) Exploration {
	ladder := opts.Ladder
	if len(ladder) == 0 {
		ladder = DefaultLadder()
	}
	if opts.Seeds <= 0 {
		opts.Seeds = DefaultExploreSeeds
	}
	runner := runnerOr(opts.Runner)
	var x Exploration
	for _, rung := range ladder {
		r, drawn := exploreRung(cfg, opts, rung, runner)
		x.Rungs = append(x.Rungs, r)
		if opts.OnRung != nil {
			opts.OnRung(r)
		}
		if r.Failure != nil {
			c := cfg
			c.Seed, c.Entropy, c.Trace = r.Seed, nil, true
			c.Strategy = explore.ReplayStrategy(drawn)
			x.Failure = runner.Try(c)
		}
		if r.Failure != nil || r.Err != nil {
			break
		}
	}
	return x
}

// exploreRung explores one rung; on a failure it also returns every value
// the failing run drew, in order, for its replay.
func exploreRung(cfg scenarios.Config, opts ExploreOptions, rung Rung, runner Runner) (RungReport, []uint64) {
	r := RungReport{Rung: rung, Enumerated: opts.Workload, Points: map[sim.Decision]int{}, Fixed: true}
	r.Clients, r.Ops = [2]int{-1, 0}, [2]int{-1, 0}
	var (
		last     *exploreEntropy // the last run's, which is the failing one
		workload []uint64        // the workload values of the last run described
		seed     uint64
	)
	bound := func(runs int) explore.Bound {
		return explore.Bound{Faults: rung.Faults, Ties: rung.Ties, Workload: opts.Workload, Runs: max(runs, 1)}
	}
	run := func(ent sim.Entropy) (bool, string) {
		e := &exploreEntropy{dfs: ent.(sim.Chooser), enumerate: opts.Workload}
		if opts.Workload <= 0 {
			e.pcg = sim.NewPCG(seed)
		}
		c := cfg
		c.Seed, c.Entropy = seed, e
		res := runner.Try(c)
		last = e
		if len(e.workload) > 0 {
			r.Fixed = false
		}
		r.Narrowed = max(r.Narrowed, e.narrowed)
		for d, n := range e.points {
			if n > 0 {
				r.Points[sim.Decision(d)] = max(r.Points[sim.Decision(d)], n)
			}
		}
		if workload == nil || !slices.Equal(e.workload, workload) {
			// The first run of a workload is its simplest schedule: say how
			// big the workload is, from a traced replay (only traced runs
			// name their clients).
			workload = append([]uint64{}, e.workload...)
			c.Entropy, c.Trace = explore.Replay(e.drawn), true
			desc := runner.Try(c)
			r.Clients = widen(r.Clients, len(desc.Clients))
			r.Ops = widen(r.Ops, desc.Ops)
		}
		return res.Failed(), res.TraceHash + " " + res.Summary()
	}
	seeds := opts.Seeds
	if opts.Workload > 0 {
		seeds = 1
	}
	left := max(rung.Runs, 1)
	for k := range seeds {
		if left <= 0 {
			break
		}
		seed = opts.Start + uint64(k)
		share := left / (seeds - k)
		if k == 0 && opts.Workload <= 0 {
			// One run tells whether the workload is drawn at all; if not,
			// every seed has this tree, and it gets the whole budget.
			explore.Exhaustive(run, bound(1))
			if r.Fixed {
				share = left
			}
		}
		rep := explore.Exhaustive(run, bound(share))
		left -= rep.Runs
		r.Runs += rep.Runs
		r.Deepest = max(r.Deepest, rep.Deepest)
		r.Seeds = append(r.Seeds, seed)
		switch {
		case rep.Err != nil:
			r.Err = rep.Err
			return r, nil
		case rep.Failure != nil:
			r.Failure, r.Seed = rep.Failure, seed
			return r, last.drawn
		case !rep.Exhausted:
			r.Cut++
		}
		if r.Fixed {
			break // the other seeds' trees are this one
		}
	}
	return r, nil
}

// widen stretches the range [lo, hi] (lo < 0: empty) to hold v.
func widen(r [2]int, v int) [2]int {
	if r[0] < 0 || v < r[0] {
		r[0] = v
	}
	r[1] = max(r[1], v)
	return r
}

// exploreEntropy is the entropy of one explored run: the exhaustive
// search's for the world's own decisions (ties, faults), and for the
// workload either the seed's PCG, as a campaign draws it, or the search's
// too when the workload is enumerated. It records every value drawn, in
// order, so that explore.Replay reruns the run, and counts the decisions.
type exploreEntropy struct {
	dfs       sim.Chooser
	pcg       sim.Entropy // nil: the workload is enumerated
	enumerate int
	drawn     []uint64 // every value, in order
	workload  []uint64 // the workload's values, in order
	narrowed  int      // workload draws with more values than enumerated
	points    [32]int
}

func (e *exploreEntropy) Uint64N(n uint64) uint64 {
	var v uint64
	if e.pcg != nil {
		v = e.pcg.Uint64N(n)
	} else {
		if n > uint64(max(e.enumerate, 1)) {
			e.narrowed++
		}
		v = e.dfs.Uint64N(n)
	}
	e.drawn = append(e.drawn, v)
	e.workload = append(e.workload, v)
	return v
}

func (e *exploreEntropy) Choose(d *sim.Draw) uint64 {
	if d.Decision == sim.Workload {
		return e.workloadDraw(d)
	}
	if int(d.Decision) < len(e.points) {
		e.points[d.Decision]++
	}
	v := e.dfs.Choose(d)
	e.drawn = append(e.drawn, v)
	return v
}

// workloadDraw draws a value of the workload or fault model on the stream
// d names: the seed's stream of that name, as a campaign draws it, or the
// search's when the workload is enumerated.
func (e *exploreEntropy) workloadDraw(d *sim.Draw) uint64 {
	var v uint64
	switch {
	case e.pcg != nil && d.Stream == "":
		v = e.pcg.Uint64N(d.N)
	case e.pcg != nil:
		v = sim.Stream(e.pcg, d.Stream).Uint64N(d.N)
	default:
		if d.N > uint64(max(e.enumerate, 1)) {
			e.narrowed++
		}
		v = e.dfs.Choose(d)
	}
	e.drawn = append(e.drawn, v)
	e.workload = append(e.workload, v)
	return v
}
