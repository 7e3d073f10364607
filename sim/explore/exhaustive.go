package explore

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kvsim/kvsim/sim"
)

// Bound limits the decision tree that Exhaustive enumerates. The zero value
// explores the simplest workload, with no faults and every tie in
// scheduling order: exactly one run.
type Bound struct {
	// Faults is the most per-message faults (a dropped request or reply,
	// a duplicate, a long-tail delay, a targeted fault drawn as
	// sim.DecideNemesis: any decision of sim.ClassFault) one run may
	// have. Each such decision of the fault model becomes binary: fault
	// or not.
	Faults int
	// Ties is the most ties one run may resolve other than in scheduling
	// order (a preemption bound: most ordering bugs need few); negative
	// means no limit.
	Ties int
	// Workload is how many values each workload draw tries, from 0 up;
	// zero means one: only the simplest workload.
	Workload int
	// Runs caps the number of runs; zero means DefaultRuns.
	Runs int
}

// DefaultRuns caps an exploration whose Bound sets no cap.
const DefaultRuns = 100_000

// How the decisions that are not faults, ties or workload are made in
// exhaustive mode, to keep the tree finite and small:
//   - message jitter is 0: messages sent together arrive together, and
//     their order is explored as a tie;
//   - a long-tail delay, once chosen as a fault, is the longest the fault
//     model allows (past a call's timeout in the standard profiles), as are
//     the gaps between partitions or pauses and their lengths: every
//     decision of sim.ClassAmount is its largest value;
//   - which endpoint a partition cuts off, or which server pauses, is
//     explored over every choice (sim.ClassTarget);
//   - a decision this package does not know is always 0, the simplest.

// Failure is the first failing run an exploration found.
type Failure struct {
	// Run is the failing run's number, from 1.
	Run int
	// Choices are the values drawn in the failing run, in order:
	// Replay(Choices) reruns it.
	Choices []uint64
	// Desc is what the run function said about the failure.
	Desc string
}

// Report is the outcome of an exploration.
type Report struct {
	// Runs is the number of runs made; each made a different sequence of
	// choices.
	Runs int
	// Exhausted reports that every run within the bound was made.
	Exhausted bool
	// Deepest is the most decisions one run made.
	Deepest int
	// Failure is the first failing run, nil if none.
	Failure *Failure
	// Err reports a run function that is not deterministic: the same
	// choices led to different decisions. The exploration stops there.
	Err error
}

func (r Report) String() string {
	switch {
	case r.Err != nil:
		return fmt.Sprintf("exploration stopped after %d runs: %v", r.Runs, r.Err)
	case r.Failure != nil:
		return fmt.Sprintf("failure at run %d: %s (replay: %s)", r.Failure.Run, r.Failure.Desc, FormatChoices(r.Failure.Choices))
	case r.Exhausted:
		return fmt.Sprintf("no bug within this bound: %d runs, every run within the bound covered", r.Runs)
	}
	return fmt.Sprintf("no bug in %d runs, but the bound was not exhausted (raise Runs or tighten the bound)", r.Runs)
}

// Exhaustive enumerates every run within b, depth first, as a stateless
// model checker does: each run replays a prefix of choices and extends it
// with the first alternative of every new decision; then the search
// backtracks to the deepest decision with an alternative left. run makes
// one run with the given entropy and says whether it failed and why; it
// must be deterministic in the entropy it is given. The exploration stops
// at the first failure.
func Exhaustive(run func(sim.Entropy) (failed bool, desc string), b Bound) Report {
	limit := b.Runs
	if limit <= 0 {
		limit = DefaultRuns
	}
	var rep Report
	var path []node
	for rep.Runs < limit {
		c := &dfs{bound: b, faults: b.Faults, ties: b.Ties, path: path}
		failed, desc := run(c)
		rep.Runs++
		path = c.path
		rep.Deepest = max(rep.Deepest, len(path))
		if c.err == nil && c.pos < len(path) {
			c.err = fmt.Errorf("the run is not deterministic: it made %d decisions, %d the last time", c.pos, len(path))
		}
		if c.err != nil {
			rep.Err = c.err
			return rep
		}
		if failed {
			choices := make([]uint64, len(path))
			for i, n := range path {
				choices[i] = n.value
			}
			rep.Failure = &Failure{Run: rep.Runs, Choices: choices, Desc: desc}
			return rep
		}
		for len(path) > 0 && path[len(path)-1].alt+1 >= path[len(path)-1].alts {
			path = path[:len(path)-1]
		}
		if len(path) == 0 {
			rep.Exhausted = true
			return rep
		}
		path[len(path)-1].alt++
	}
	return rep
}

// Ladder is a default sequence of bounds for Deepen, each a little wider
// than the last: the simplest workload with at most one fault and one
// out-of-order tie; two faults; two faults and two values per workload
// draw. On the built-in scenarios the first two rungs take at most a few
// thousand runs where they can be exhausted at all, the third tens of
// thousands (BENCHMARKS.md).
func Ladder() []Bound {
	return []Bound{
		{Faults: 1, Ties: 1, Runs: 3000},
		{Faults: 2, Runs: 3000},
		{Faults: 2, Workload: 2, Runs: 50000},
	}
}

// Deepen explores within each bound of ladder in turn (iterative
// deepening) and stops at a failure, at a run that is not deterministic,
// or at a bound it cannot exhaust (the wider ones would not be either). It
// returns the last bound's report, with Runs counting the runs of every
// bound tried, and the index of that bound.
func Deepen(run func(sim.Entropy) (failed bool, desc string), ladder []Bound) (Report, int) {
	var rep Report
	runs := 0
	for i, b := range ladder {
		rep = Exhaustive(run, b)
		runs += rep.Runs
		rep.Runs = runs
		if rep.Failure != nil || rep.Err != nil || !rep.Exhausted || i == len(ladder)-1 {
			return rep, i
		}
	}
	return rep, -1
}

// node is one decision on the current path of the search.
type node struct {
	decision sim.Decision
	alts     int    // alternatives at this decision, within the bound
	alt      int    // the one taken
	value    uint64 // the value it drew
}

// dfs is the entropy of one run of the search: it replays the path's
// prefix, then takes alternative 0 at every new decision.
type dfs struct {
	bound  Bound
	faults int // faults left
	ties   int // out-of-order tie choices left; negative: no limit
	path   []node
	pos    int
	err    error
}

func (c *dfs) Uint64N(n uint64) uint64 {
	return c.Choose(&sim.Draw{Decision: sim.Workload, N: n, Endpoint: -1})
}

func (c *dfs) Choose(d *sim.Draw) uint64 {
	alts := c.alternatives(d)
	if c.pos == len(c.path) {
		c.path = append(c.path, node{decision: d.Decision, alts: alts})
	}
	n := &c.path[c.pos]
	c.pos++
	if c.err == nil && (n.decision != d.Decision || n.alts != alts) {
		c.err = fmt.Errorf("the run is not deterministic: decision %d was %v with %d alternatives, and is now %v with %d",
			c.pos, n.decision, n.alts, d.Decision, alts)
	}
	alt := min(n.alt, alts-1)
	n.value = c.value(d, alt)
	return n.value
}

// alternatives counts the choices at d within what is left of the bound.
func (c *dfs) alternatives(d *sim.Draw) int {
	switch d.Decision.Class() {
	case sim.ClassWorkload:
		return int(min(d.N, uint64(max(c.bound.Workload, 1))))
	case sim.ClassTie:
		if c.ties == 0 {
			return 1
		}
		return int(d.N)
	case sim.ClassFault:
		if c.faults == 0 {
			return 1
		}
		return 2
	case sim.ClassTarget:
		return int(d.N)
	}
	return 1
}

// value is the value of alternative alt at d, and spends the budget it uses.
func (c *dfs) value(d *sim.Draw, alt int) uint64 {
	switch d.Decision.Class() {
	case sim.ClassTie:
		if alt > 0 {
			c.ties--
		}
	case sim.ClassFault:
		if alt == 0 {
			return 0
		}
		c.faults--
		return d.N - 1
	case sim.ClassAmount:
		return d.N - 1
	}
	return uint64(alt)
}

// Replay returns entropy that draws choices in order (as recorded in a
// Failure), then zeros: it reruns the run that drew them.
func Replay(choices []uint64) sim.Entropy {
	return &replay{choices: choices}
}

type replay struct{ choices []uint64 }

func (r *replay) Uint64N(n uint64) uint64 {
	if len(r.choices) == 0 {
		return 0
	}
	v := r.choices[0]
	r.choices = r.choices[1:]
	return min(v, n-1)
}

// FormatChoices writes choices as one word, for a command line: values
// separated by dots, a run of k zeros written "0*k".
func FormatChoices(choices []uint64) string {
	var b strings.Builder
	for i := 0; i < len(choices); {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		j := i
		for j < len(choices) && choices[j] == 0 {
			j++
		}
		if j-i > 1 {
			fmt.Fprintf(&b, "0*%d", j-i)
			i = j
			continue
		}
		b.WriteString(strconv.FormatUint(choices[i], 10))
		i++
	}
	return b.String()
}

// ParseChoices reads what FormatChoices wrote.
func ParseChoices(s string) ([]uint64, error) {
	var out []uint64
	if s == "" {
		return out, nil
	}
	for _, word := range strings.Split(s, ".") {
		if zeros, ok := strings.CutPrefix(word, "0*"); ok {
			k, err := strconv.Atoi(zeros)
			if err != nil || k < 0 {
				return nil, fmt.Errorf("choices: bad run of zeros %q", word)
			}
			out = append(out, make([]uint64, k)...)
			continue
		}
		v, err := strconv.ParseUint(word, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("choices: bad value %q", word)
		}
		out = append(out, v)
	}
	return out, nil
}
