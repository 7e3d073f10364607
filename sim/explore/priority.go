package explore

import (
	"math/rand/v2"
	"slices"

	"github.com/kvsim/kvsim/sim"
)

// PriorityOptions configure Priority. The zero value aims at bugs of depth
// 2 in runs of up to 100 ordering steps.
type PriorityOptions struct {
	// Depth is the bug depth aimed at (PCT's d): the number of ordering
	// constraints between events that a bug needs. A run changes
	// priorities at Depth-1 points. Zero means 2.
	Depth int
	// Steps is the number of ordering steps (ties, and message delays
	// that have a jitter to choose) a run is expected to have (PCT's k).
	// Change points are drawn uniformly from [1, Steps]. Zero means 100.
	Steps int
}

// Priority is a PCT-style strategy. Every endpoint, and every goroutine of
// a machine's (sim.Due.Goroutine), gets a random priority when it first
// takes part in a decision; at each of Depth-1 change points, drawn up
// front, the one about to be favoured drops below every initial priority.
// Then:
//   - a tie runs the event of the highest-priority process (the earliest
//     scheduled among that process's events);
//   - a message's jitter grows as its sender's priority falls (the top
//     priority sends with none, the bottom with the most), so messages of
//     favoured processes overtake the others';
//   - faults, long tails, partitions, pauses and the workload are drawn
//     from the seed's streams (sim.NewPCG(seed), each draw from the stream
//     it names) with the fault model's probabilities, as uniform random
//     draws them: a swarm fault model, a scenario's workload and each
//     fault's decisions are random's for the same seed, stream by stream,
//     so the two strategies differ in the schedule only.
//
// Guarantee. Take a run whose workload and faults are fixed (conditioned
// on the PRNG's draws) and whose ordering freedom is in ties (a fault model
// without jitter: messages sent together arrive together). If a bug shows
// whenever d given pairs of events run in a given order, n processes take
// part in ties and the run has at most Steps ties, a run with Depth >= d
// hits the bug with probability at least 1/(n * Steps^(d-1)): the tie rule
// is PCT's scheduler, which runs the highest-priority enabled thread, and
// PCT's proof applies to the sequence of ties. With Depth = d = 1 that is
// 1/n, against about 2^-m for uniform random when the bug needs one process
// to win m ties in a row. Jitter decisions are steered by the same
// priorities but come with no such bound.
//
// A Priority serves one run; make a new one per run.
type Priority struct {
	draws   sim.Entropy        // faults and workload
	rng     *rand.Rand         // priorities and change points
	prio    map[thread]float64 // priority; initial ones in [1, 2)
	changes []int              // change points, as step numbers, ascending
	step    int
	demoted int
}

// NewPriority returns the Priority strategy for one run, seeded with seed:
// the same seed and options give the same run.
func NewPriority(seed uint64, o PriorityOptions) *Priority {
	depth := o.Depth
	if depth <= 0 {
		depth = 2
	}
	steps := o.Steps
	if steps <= 0 {
		steps = 100
	}
	s := &Priority{
		draws: sim.NewPCG(seed),
		rng:   rand.New(rand.NewPCG(seed, seed^0x5bd1e995)),
		prio:  make(map[thread]float64),
	}
	for range depth - 1 {
		s.changes = append(s.changes, 1+s.rng.IntN(steps))
	}
	slices.Sort(s.changes)
	return s
}

// Uint64N serves Workload draws (and any draw not made by the world).
func (s *Priority) Uint64N(n uint64) uint64 { return s.draws.Uint64N(n) }

// Choose implements sim.Chooser.
func (s *Priority) Choose(d *sim.Draw) uint64 {
	switch d.Decision.Class() {
	case sim.ClassTie:
		best := s.highest(d.Due)
		if s.changePoint() {
			s.demote(threadOf(d.Due[best]))
			best = s.highest(d.Due)
		}
		return uint64(best)
	case sim.ClassOrder:
		if s.changePoint() {
			s.demote(thread{ep: d.Endpoint})
		}
		// Initial priorities lie in [1, 2), demoted ones in (0, 1): map
		// them onto [0, N) from the top priority down.
		frac := 1 - s.priority(thread{ep: d.Endpoint})/2
		return min(uint64(frac*float64(d.N)), d.N-1)
	}
	if d.Stream == "" {
		return s.draws.Uint64N(d.N)
	}
	return sim.Stream(s.draws, d.Stream).Uint64N(d.N)
}

// changePoint counts an ordering step and reports whether it is one of the
// change points.
func (s *Priority) changePoint() bool {
	s.step++
	hit := false
	for len(s.changes) > 0 && s.changes[0] == s.step {
		s.changes = s.changes[1:]
		hit = true
	}
	return hit
}

// demote drops ep below every initial priority and every earlier demotion
// (as PCT gives the i-th change point priority d-i): 1/2, 1/3, ...
func (s *Priority) demote(t thread) {
	s.demoted++
	s.prio[t] = 1 / float64(1+s.demoted)
}

// priority returns ep's priority, drawing it the first time ep is seen.
func (s *Priority) priority(t thread) float64 {
	p, ok := s.prio[t]
	if !ok {
		p = 1 + s.rng.Float64()
		s.prio[t] = p
	}
	return p
}

// thread is what gets a priority: an endpoint, or one of the goroutines
// that share a machine's endpoint (g from 1; a message's sender is its
// endpoint's).
type thread struct{ ep, g int }

func threadOf(d sim.Due) thread { return thread{d.Endpoint, d.Goroutine} }

// highest returns the index of the due event of the highest-priority
// endpoint or goroutine; among one's events, the earliest scheduled. (A
// select's cases are due events of the goroutines on their other side.)
func (s *Priority) highest(due []sim.Due) int {
	best := 0
	for i := 1; i < len(due); i++ {
		if s.priority(threadOf(due[i])) > s.priority(threadOf(due[best])) {
			best = i
		}
	}
	return best
}
