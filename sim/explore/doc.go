// Package explore holds exploration strategies for sim: ways of choosing
// a run's schedule and faults other than a uniform PRNG.
//
// A strategy is a sim.Entropy that also implements sim.Chooser, so the
// world tells it what each draw decides (a tie between due events, a
// dropped request, a message delay, a workload value) and it answers with a
// value in the same range a plain Entropy would. Pass one wherever an
// Entropy goes (sim.Options.Entropy, or a harness's Config.Entropy).
//
//   - Priority is randomized priority scheduling in the spirit of PCT
//     (Burckhardt et al., ASPLOS 2010): processes get random priorities,
//     a few priority change points are drawn up front, and every tie goes
//     to the highest-priority process. It finds ordering bugs of small depth
//     with a known lower bound on the probability per run; faults and the
//     workload come from a seeded PRNG, so one seed is one run.
//   - Exhaustive is a stateless model checker: a depth-first search over
//     the decision tree of a tiny configuration, within a Bound (how many
//     faults and out-of-order tie choices a run may have). It reports how
//     many distinct runs it covered and, when the tree is exhausted without
//     a failure, that there is no bug within the bound. A failure comes with
//     the values drawn, which Replay turns back into the same run
//     (FormatChoices writes them as one word for a command line). Deepen
//     climbs a Ladder of ever wider bounds.
//
// ParseStrategy turns a --strategy name ("random", "priority:d=3") into a
// per-seed constructor.
//
// The package is named for what it does (explore the space of runs) rather
// than for one of its strategies: it holds both the per-run strategies and
// the driver that covers a whole tree of runs. Like sim, it uses only the
// standard library; it knows nothing of what the simulated processes do.
package explore
