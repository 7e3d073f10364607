package search

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/sim"
	"github.com/kvsim/kvsim/sim/explore"
)

// Request says what Smallest starts from and how long it may take. It is
// plain data: a course folder's search runs in its worker process.
type Request struct {
	// Failing, if set, is a failing seed of the configuration (a
	// campaign's smallest failure) and TraceHash its run's: the first
	// candidate, replayed with its choices recorded.
	Failing   bool   `json:"failing,omitempty"`
	Seed      uint64 `json:"seed,omitempty"`
	TraceHash string `json:"trace_hash,omitempty"`
	// Budget bounds the search in wall time, from when it starts.
	Budget time.Duration `json:"budget"`
	// PerRun is what a run of the configuration takes, on average (a
	// campaign's measure); 0 means it is measured as the search goes.
	PerRun time.Duration `json:"per_run,omitempty"`
}

// Found is what Smallest found: the smallest failing run, replayable at
// Seed from its choices (explore.ReplayStrategy(Choices)).
type Found struct {
	Failed  bool     `json:"failed"`
	Seed    uint64   `json:"seed"`
	Choices []uint64 `json:"choices"`
	// Result is the run's, untraced.
	Result scenarios.Result `json:"result"`
	// By says which search found it, and whether minimizing helped.
	By string `json:"by"`
	// FirstOps are the operations of the first failing run found.
	FirstOps int `json:"first_ops"`
	// SmallRuns and ExploreRuns count the runs of the two searches that
	// draw their own choices.
	SmallRuns   int `json:"small_runs"`
	ExploreRuns int `json:"explore_runs"`
}

// Smallest looks for the smallest failing run of cfg's scenario, profile
// and implementation (cfg's Seed, Entropy and Strategy are ignored):
// fewest operations, then fewest and smallest choices. Four searches share
// the budget, each from a different side, and the smallest run wins: the
// request's failing seed, replayed with its choices recorded; runs whose
// every draw favours the simplest outcome (no fault, the shortest delay,
// the first workload value), as rapid's generation does; an exploration
// of the simplest workloads with the fewest faults (Explore), whose first
// failure is small by construction; and minimizing, which then drops and
// lowers the winner's choices for as long as that removes operations.
// runner makes every run (nil: a scenarios.Runner of its own).
func Smallest(cfg scenarios.Config, req Request, runner Runner) Found {
	s := &smallest{cfg: cfg, runner: runnerOr(runner), deadline: time.Now().Add(req.Budget), perRun: req.PerRun}
	s.cfg.Entropy, s.cfg.Strategy, s.cfg.Trace = nil, explore.Strategy{}, false
	if req.Failing {
		s.seed(req.Seed, req.TraceHash)
	}
	// A run of one operation is as small as a failing history gets.
	if !s.found() || s.best.r.Ops > 1 {
		left := time.Until(s.deadline)
		s.smallDraws(min(req.Budget/4, left/3))
		s.explore(min(req.Budget/4, time.Until(s.deadline)))
	}
	f := Found{FirstOps: s.firstOps, SmallRuns: s.smallRuns, ExploreRuns: s.exploreRuns}
	if !s.found() {
		return f
	}
	s.minimize()
	f.Failed, f.Seed, f.Choices, f.Result, f.By = true, s.best.r.Seed, s.best.choices, s.best.r, s.best.by
	return f
}

// smallest is one search's state: the smallest failing run so far.
type smallest struct {
	cfg      scenarios.Config
	runner   Runner
	deadline time.Time
	best     candidate
	firstOps int // the first failing run's ops

	smallRuns   int
	perRun      time.Duration // what a run takes, on average
	exploreRuns int
}

// found reports whether a failing run was found.
func (s *smallest) found() bool { return s.best.r.Verdict != "" }

// candidate is a failing run and the choices that replay it.
type candidate struct {
	choices []uint64
	r       scenarios.Result
	by      string
}

// offer keeps c if it is smaller than the best so far: fewer operations,
// then fewer and smaller choices.
func (s *smallest) offer(c candidate) bool {
	c.choices = trimZeros(c.choices)
	if s.firstOps == 0 {
		s.firstOps = c.r.Ops
	}
	b := s.best
	if s.found() && (c.r.Ops > b.r.Ops || c.r.Ops == b.r.Ops && !lessChoices(c.choices, b.choices)) {
		return false
	}
	s.best = c
	return true
}

// run makes cfg's run with entropy e at seed.
func (s *smallest) run(seed uint64, e sim.Entropy) scenarios.Result {
	cfg := s.cfg
	cfg.Seed, cfg.Entropy = seed, e
	return s.runner.Try(cfg)
}

// seed offers the failing run of a campaign at seed, replayed with its
// choices recorded.
func (s *smallest) seed(seed uint64, hash string) {
	rec := sim.NewRecorder(sim.NewPCG(seed)) // keyed as the campaign's entropy is
	start := time.Now()
	got := s.run(seed, rec)
	s.perRun = max(s.perRun, time.Since(start)) // this scenario's runs may be the slow ones
	if got.Failed() && got.TraceHash == hash {
		s.offer(candidate{choices: rec.Drawn, r: got, by: fmt.Sprintf("a campaign (seed %d)", seed)})
	}
}

// smallDraws makes runs whose draws favour the simplest outcome, seed
// after seed, for about the given time, recording each run's choices.
func (s *smallest) smallDraws(within time.Duration) {
	start := time.Now()
	until := start.Add(within)
	for i := uint64(0); time.Now().Before(until) && time.Now().Before(s.deadline); i++ {
		rec := sim.NewRecorder(&simpleDraws{sim.NewPCG(i)})
		s.smallRuns++
		if r := s.run(0, rec); r.Failed() {
			s.offer(candidate{choices: rec.Drawn, r: r, by: "small draws"})
		}
	}
	if s.smallRuns > 0 {
		s.perRun = time.Since(start) / time.Duration(s.smallRuns)
	}
}

// simpleDraws is entropy that favours 0, a draw's simplest outcome: half
// its draws are 0, a quarter among the first four values, the rest
// uniform. It is one stream: its runs are replayed from their choices.
type simpleDraws struct{ e sim.Entropy }

func (d *simpleDraws) Uint64N(n uint64) uint64 {
	switch k := d.e.Uint64N(4); {
	case k < 2:
		return 0
	case k == 2:
		return d.e.Uint64N(min(n, 4))
	}
	return d.e.Uint64N(n)
}

// explore climbs kvsim explore's ladder of bounds over the simplest
// workload of the scenario, then the two simplest values of each workload
// draw, for about the given time: its first failure is small by
// construction.
func (s *smallest) explore(within time.Duration) {
	budget := 3000
	if s.perRun > 0 {
		budget = int(within / s.perRun)
	}
	for _, workload := range []int{1, 2} {
		var ladder []Rung
		for _, r := range DefaultLadder() {
			r.Runs = min(r.Runs, budget/4)
			ladder = append(ladder, r)
		}
		x := Explore(s.cfg, ExploreOptions{Ladder: ladder, Workload: workload, Runner: s.runner})
		s.exploreRuns += x.Runs()
		budget -= x.Runs()
		if x.Failed() {
			choices, err := explore.ParseChoices(strings.TrimPrefix(x.Failure.Strategy, "replay:"))
			if err == nil {
				s.offer(candidate{choices: choices, r: x.Failure, by: "kvsim explore"})
			}
			return
		}
		if budget <= 0 || x.Err() != nil {
			return
		}
	}
}

// minimize makes the best run smaller until the deadline, or until no
// step helps: it drops spans of its choices (the run draws what followed
// instead) and lowers single choices (toward the simplest: no fault, no
// delay, the first workload), keeping any change that still fails the
// same check with no more operations. Rapid shrinks toward its own order
// of choices; this shrinks toward what a reader counts.
func (s *smallest) minimize() {
	class := failureClass(s.best.r)
	by := s.best.by
	improved := false
	try := func(c []uint64) bool {
		if !time.Now().Before(s.deadline) {
			return false
		}
		r := s.run(s.best.r.Seed, explore.Replay(slices.Clone(c)))
		if !r.Failed() || failureClass(r) != class || !s.offer(candidate{choices: c, r: r, by: by}) {
			return false
		}
		improved = true
		return true
	}
	for changed := true; changed && time.Now().Before(s.deadline); {
		changed = false
		for _, span := range []int{16, 4, 1} {
			for i := 0; i < len(s.best.choices); i++ {
				for try(slices.Concat(s.best.choices[:i:i], s.best.choices[min(i+span, len(s.best.choices)):])) {
					changed = true
				}
			}
		}
		for i := 0; i < len(s.best.choices); i++ {
			// The least value that still fails, by bisection: a fault's
			// draw fires above a threshold, a delay matters above some
			// length.
			for lo, hi := uint64(0), s.best.choices[i]; lo < hi && i < len(s.best.choices); {
				mid := lo + (hi-lo)/2
				if try(with(s.best.choices, i, mid)) {
					changed, hi = true, mid
				} else {
					lo = mid + 1
				}
			}
		}
	}
	if improved {
		s.best.by = by + " and minimizing"
	}
}

// with is c with c[i] = v.
func with(c []uint64, i int, v uint64) []uint64 {
	c = slices.Clone(c)
	c[i] = v
	return c
}

// failureClass is the kind of failure r is: its verdict and the check
// that failed (its reason up to the first colon).
func failureClass(r scenarios.Result) string {
	check, _, _ := strings.Cut(r.Reason, ":")
	return string(r.Verdict) + " " + check
}

// trimZeros drops trailing zeros: explore.Replay draws zeros past the end.
func trimZeros(c []uint64) []uint64 {
	for len(c) > 0 && c[len(c)-1] == 0 {
		c = c[:len(c)-1]
	}
	return c
}

// lessChoices orders choice sequences shortest first, then
// lexicographically.
func lessChoices(a, b []uint64) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return slices.Compare(a, b) < 0
}
