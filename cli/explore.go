package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/search"
	"github.com/kvsim/kvsim/sim"
	"github.com/spf13/cobra"
)

type exploreFlags struct {
	faults, ties, runs, workload, seeds int
	start                               uint64
	ladder                              bool
	artifacts                           string
}

func newExploreCmd(e edge) *cobra.Command {
	cat := e.cat
	var (
		spec kvsim.Spec
		fl   exploreFlags
	)
	cmd := &cobra.Command{
		Use:   "explore --scenario S [--faults P] [--impl I] [--ladder | --max-faults N --max-ties N] [--runs N] [--seeds N [--start S] | --workload N]",
		Short: "Enumerate every run of a configuration within a bound (stateless model checking)",
		Long: fmt.Sprintf(`Enumerate the runs of one scenario, profile and implementation within a
bound, depth first over the decision tree, as a stateless model checker
does: every tie between events due at the same instant, at most
--max-ties of them taken out of scheduling order, and every fault the
profile may fire (a request or reply dropped, a long delay, a targeted
fault), at most --max-faults of them in a run. Message jitter is 0, so
messages sent together tie, and long delays are at their longest.

The workload (and a swarm profile's fault model) is not enumerated: it is
drawn from the seeds --start, --start+1, ... exactly as a campaign draws
it, and the tree of each of --seeds seeds is explored in turn, with an
equal share of what is left of the budget (--runs). A scenario that draws
nothing under a profile that draws nothing has one tree, which gets the
whole budget. --workload N enumerates every workload draw over its first N
values instead: exhaustive only for tiny workloads.

Without --max-faults and --max-ties, explore climbs a ladder of bounds
(--ladder), each with its own budget:
%s
Each bound is printed with what it covered: the workloads (clients,
operations), the ties and the places a fault could fire in a run, the
distinct runs made, and whether every tree was exhausted or the budget cut
it. On the bug zoo, the ladder finds every bug that a 2,000-seed campaign
of the scenario under its own fault profile finds.

"no bug within this bound" is printed only when every tree was exhausted
and the workloads covered are all the scenario has (it draws none, or
--workload enumerated every draw in full). Otherwise a clean exploration
says what it did not cover: it is not an all-clear. A failure prints its
repro line, which replays the run from its recorded choices (--strategy
replay:...), and with --artifacts its trace, history and report.html. Exit
0 when no run failed, 1 when one did, 2 on bad usage or an --artifacts
that cannot be written.`, describeLadder(search.DefaultLadder())),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			changed := cmd.Flags().Changed
			bound := changed("max-faults") || changed("max-ties")
			switch {
			case spec.Scenario == "":
				return usagef("explore needs --scenario")
			case fl.ladder && bound:
				return usagef("--ladder climbs its own bounds: it does not go with --max-faults or --max-ties")
			case fl.faults < 0 || fl.workload < 0:
				return usagef("--max-faults and --workload must be 0 or more")
			case changed("runs") && fl.runs < 1:
				return usagef("--runs must be at least 1: it is the budget that keeps an exploration finite (most trees are far too large to finish), so there is no unlimited setting; give a large number to let a small tree finish")
			case fl.seeds < 1:
				return usagef("--seeds must be at least 1")
			case fl.workload > 0 && (changed("seeds") || changed("start")):
				return usagef("--workload enumerates the workload instead of drawing it from seeds: it does not go with --seeds or --start")
			}
			cfg, err := cat.Resolve(spec)
			if err != nil {
				return usageError{err}
			}
			if err := checkOutputs(output{"--artifacts", fl.artifacts, true}); err != nil {
				return err
			}
			ladder := search.DefaultLadder()
			if bound {
				ladder = []search.Rung{{Faults: fl.faults, Ties: fl.ties, Runs: exploreRuns}}
			}
			if changed("runs") {
				for i := range ladder {
					ladder[i].Runs = fl.runs
				}
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "explore %s faults=%s impl=%s\n", cfg.Scenario.Name, cfg.Profile.Name, cfg.Spec().Impl)
			i := 0
			opts := search.ExploreOptions{Ladder: ladder, Workload: fl.workload, Seeds: fl.seeds, Start: fl.start,
				OnRung: func(r search.RungReport) {
					i++
					printRung(out, cfg, i, len(ladder), r)
				}}
			restoreGC := manyRunsGC()
			x := search.Explore(cfg, opts)
			restoreGC()
			switch {
			case x.Err() != nil:
				return fmt.Errorf("explore: %v", x.Err())
			case x.Failed():
				fmt.Fprint(out, "FAIL ")
				e.reporter(fl.artifacts).Report(cmd.Context(), out, x.Failure)
				return errFailureFound
			}
			printVerdict(out, cfg, x)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&spec.Scenario, "scenario", "", "scenario to explore (see 'kvsim scenarios')")
	f.StringVar(&spec.Faults, "faults", "", "fault profile whose faults may fire (default: the scenario's own)")
	f.StringVar(&spec.Impl, "impl", kvsim.ReferenceName, "implementation: reference or zoo/NAME")
	f.BoolVar(&fl.ladder, "ladder", false, "climb the default bounds, printing each (what explore does unless --max-faults or --max-ties is given)")
	f.IntVar(&fl.faults, "max-faults", 1, "one bound instead of the ladder: most faults in one run")
	f.IntVar(&fl.ties, "max-ties", 1, "one bound instead of the ladder: most ties taken out of scheduling order in one run; -1 for no limit")
	f.IntVar(&fl.runs, "runs", 0, fmt.Sprintf("most runs in each bound, over all its workloads; at least 1, since most trees never finish, so there is no unlimited setting (default %d for one bound, the ladder's own otherwise)", exploreRuns))
	f.IntVar(&fl.seeds, "seeds", search.DefaultExploreSeeds, "how many seeds' workloads each bound covers, from --start")
	f.Uint64Var(&fl.start, "start", 0, "first seed whose workload is explored")
	f.IntVar(&fl.workload, "workload", 0, "enumerate each workload draw over its first N values instead of drawing the workload from seeds")
	f.StringVar(&fl.artifacts, "artifacts", "", "on failure, write trace, history, visualization and report.html under `DIR`")
	return cmd
}

// exploreRuns is the budget of a bound given by --max-faults and
// --max-ties.
const exploreRuns = 20_000

// describeLadder says what the rungs are, one a line, for the help.
func describeLadder(ladder []search.Rung) string {
	var b strings.Builder
	for i, r := range ladder {
		fmt.Fprintf(&b, "  %d. %s (%d runs)\n", i+1, describeBound(r), r.Runs)
	}
	return b.String()
}

// describeBound is a rung's bound in words.
func describeBound(r search.Rung) string {
	ties := "every tie in scheduling order"
	switch {
	case r.Ties < 0:
		ties = "any ties out of scheduling order"
	case r.Ties > 0:
		ties = fmt.Sprintf("at most %s out of scheduling order", plural(r.Ties, "tie"))
	}
	faults := "no fault"
	if r.Faults > 0 {
		faults = fmt.Sprintf("at most %s", plural(r.Faults, "fault"))
	}
	return faults + " and " + ties + " in a run"
}

// faultPoints are the decisions where a fault may fire, in the words the
// output uses.
var faultPoints = []faultPoint{
	{sim.DecideDropRequest, "request drops"},
	{sim.DecideDropReply, "reply drops"},
	{sim.DecideDuplicate, "duplicates"},
	{sim.DecideTail, "long delays"},
	{sim.DecideNemesis, "targeted faults"},
}

type faultPoint struct {
	d    sim.Decision
	word string
}

// printRung says what one rung covered and found.
func printRung(w io.Writer, cfg scenarios.Config, i, n int, r search.RungReport) {
	fmt.Fprintf(w, "bound %d of %d: %s, %d runs at most\n", i, n, describeBound(r.Rung), r.Rung.Runs)
	size := fmt.Sprintf("%s, %s", span(r.Clients, "client"), span(r.Ops, "operation"))
	drawn := "drawn as a campaign draws it"
	if swarmProfile(cfg.Profile) {
		drawn += ", with the fault model swarm draws"
	}
	switch {
	case r.Enumerated > 0 && r.Narrowed > 0:
		fmt.Fprintf(w, "  workload  every draw over its first %s only (up to %d draws in a run had more): %s\n", plural(r.Enumerated, "value"), r.Narrowed, size)
	case r.Enumerated > 0:
		fmt.Fprintf(w, "  workload  every draw over all its values (--workload %d): %s\n", r.Enumerated, size)
	case r.Fixed:
		fmt.Fprintf(w, "  workload  the scenario's only one (it draws none, nor does the profile): %s\n", size)
	case len(r.Seeds) == 1:
		fmt.Fprintf(w, "  workload  of seed %d, %s: %s\n", r.Seeds[0], drawn, size)
	default:
		fmt.Fprintf(w, "  workloads of seeds %d-%d, each %s: %s\n", r.Seeds[0], r.Seeds[len(r.Seeds)-1], drawn, size)
	}
	ties := "no ties"
	if t := r.Points[sim.DecideTie]; t > 0 {
		ties = fmt.Sprintf("up to %s in a run", plural(t, "tie"))
	}
	fmt.Fprintf(w, "  schedule  %s (message jitter is 0, so messages sent together tie)\n", ties)
	var where []string
	for _, p := range faultPoints {
		if k := r.Points[p.d]; k > 0 {
			where = append(where, fmt.Sprintf("%d %s", k, p.word))
		}
	}
	// The fault kinds registered beside the built-in ones, by the names of
	// their decisions.
	for _, d := range sim.Decisions() {
		known := slices.ContainsFunc(faultPoints, func(p faultPoint) bool { return p.d == d })
		if k := r.Points[d]; k > 0 && d.Class() == sim.ClassFault && !known {
			where = append(where, fmt.Sprintf("%d %s faults", k, d))
		}
	}
	switch {
	case len(where) == 0:
		fmt.Fprintf(w, "  faults    none can fire: the fault model in force enables none\n")
	case r.Faults == 0:
		fmt.Fprintf(w, "  faults    none fire, as the bound says, of up to %s in a run that could\n", strings.Join(where, ", "))
	default:
		longest := ""
		if r.Points[sim.DecideTail] > 0 {
			longest = " (a long delay at its longest)"
		}
		fmt.Fprintf(w, "  faults    may fire at up to %s in a run, each on or off%s\n", strings.Join(where, ", "), longest)
	}
	var cuts []string
	if k := r.Points[sim.DecidePartition]; k > 0 {
		cuts = append(cuts, plural(k, "partition"))
	}
	if k := r.Points[sim.DecidePause]; k > 0 {
		cuts = append(cuts, plural(k, "pause"))
	}
	if len(cuts) > 0 {
		fmt.Fprintf(w, "            and up to %s in a run, at their longest intervals, every endpoint tried\n", strings.Join(cuts, " and "))
	}
	trees := plural(len(r.Seeds), "tree")
	var result string
	switch {
	case r.Err != nil:
		result = fmt.Sprintf("stopped: %v", r.Err)
	case r.Failure != nil:
		result = fmt.Sprintf("FAIL at run %d of seed %d's tree", r.Failure.Run, r.Seed)
	case r.Cut == 0 && len(r.Seeds) == 1:
		result = "the tree exhausted, no failure"
	case r.Cut == 0:
		result = fmt.Sprintf("all %s exhausted, no failure", trees)
	case len(r.Seeds) == 1:
		result = "no failure, but the budget cut the tree short"
	default:
		result = fmt.Sprintf("no failure, but the budget cut %d of the %s short", r.Cut, trees)
	}
	fmt.Fprintf(w, "  result    %s; %s, %d decisions at most in one\n", result, plural(r.Runs, "distinct run"), r.Deepest)
}

// span is a range of counts of things: "4 clients", "1-8 clients".
func span(r [2]int, word string) string {
	if r[0] == r[1] {
		return plural(r[1], word)
	}
	return fmt.Sprintf("%d-%d %ss", r[0], r[1], word)
}

func swarmProfile(p scenarios.Profile) bool {
	return p.Name == scenarios.SwarmName || p.Name == scenarios.SwarmDupName
}

// printVerdict closes an exploration without a failure: an all-clear only
// when it covered the whole of its bounds.
func printVerdict(w io.Writer, cfg scenarios.Config, x search.Exploration) {
	if x.AllClear() {
		if len(x.Rungs) == 1 {
			fmt.Fprintln(w, "no bug within this bound: every run within it passed, and it covers every workload the scenario has")
		} else {
			fmt.Fprintln(w, "no bug within these bounds: every run within them passed, and they cover every workload the scenario has")
		}
		return
	}
	fmt.Fprintf(w, "no failure in %s, but this is not an all-clear:\n", plural(x.Runs(), "run"))
	var sampled, narrowed bool
	var seeds []uint64
	cut := 0
	for _, r := range x.Rungs {
		sampled = sampled || !r.Fixed && r.Enumerated == 0
		narrowed = narrowed || r.Enumerated > 0 && r.Narrowed > 0
		cut += r.Cut
		if len(r.Seeds) > len(seeds) {
			seeds = r.Seeds
		}
	}
	name := cfg.Scenario.Name
	if sampled {
		what := name + " draws its workload"
		if swarmProfile(cfg.Profile) {
			what += " and " + cfg.Profile.Name + " its fault model"
		}
		fmt.Fprintf(w, "  - %s per seed, and explore covered the draws of %s only, not every one: a campaign samples many more (kvsim campaign --scenario %s --faults %s --impl %s --seeds 2000), --seeds explores more\n",
			what, seedRange(seeds), name, cfg.Profile.Name, cfg.Spec().Impl)
	}
	if narrowed {
		fmt.Fprintf(w, "  - --workload %d tried only the first values of workload draws that have more: the workload is narrower than the scenario's\n", x.Rungs[0].Enumerated)
	}
	if cut > 0 {
		fmt.Fprintf(w, "  - the budget cut %s short before every run within the bound was made (--runs raises it)\n", plural(cut, "tree"))
	}
}

func seedRange(seeds []uint64) string {
	if len(seeds) == 1 {
		return fmt.Sprintf("seed %d", seeds[0])
	}
	return fmt.Sprintf("seeds %d-%d", seeds[0], seeds[len(seeds)-1])
}
