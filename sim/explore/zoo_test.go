package explore_test

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/sim"
	"github.com/kvsim/kvsim/sim/explore"
	"github.com/kvsim/kvsim/zoo"
)

var measure = flag.Bool("measure", false, "measure every strategy against the bug zoo (slow; see BENCHMARKS.md)")

// zooLadder is the exhaustive column's bounds, tried in order (iterative
// deepening, as Deepen climbs them). Each rung covers the configurations
// whose tree the reference exhausts within the rung's run cap.
var zooLadder = explore.Ladder()

const (
	zooStarts   = 11   // starting seeds 0, 100000, ...: medians over these
	zooMaxSeeds = 2000 // a start gives up after this many seeds
)

// strategyEntropy gives a run's entropy for a seed; nil means the
// default PRNG (uniform random).
type zooStrategy struct {
	name    string
	entropy func(seed uint64) sim.Entropy
}

var zooStrategies = []zooStrategy{
	{"random", func(uint64) sim.Entropy { return nil }},
	{"priority d=1", func(s uint64) sim.Entropy { return explore.NewPriority(s, explore.PriorityOptions{Depth: 1}) }},
	{"priority d=2", func(s uint64) sim.Entropy { return explore.NewPriority(s, explore.PriorityOptions{Depth: 2}) }},
}

// TestZooStrategies measures, for every zoo bug, the seeds and wall time
// (one core, one run at a time) until the first failure of a campaign of
// every scenario under swarm, per strategy; and the runs the exhaustive
// explorer needs within zooBound. It prints a Markdown table.
func TestZooStrategies(t *testing.T) {
	if !*measure {
		t.Skip("a measurement: go test ./sim/explore -run TestZooStrategies -measure -v -timeout 1h")
	}
	rungs := exhaustibleConfigs(t)
	var b strings.Builder
	fmt.Fprintf(&b, "| bug |")
	for _, s := range zooStrategies {
		fmt.Fprintf(&b, " %s: seeds | wall |", s.name)
	}
	fmt.Fprintf(&b, " exhaustive: runs | wall | found at |\n|---|")
	for range zooStrategies {
		fmt.Fprintf(&b, "---|---|")
	}
	fmt.Fprintf(&b, "---|---|---|\n")
	for _, im := range zoo.All() {
		fmt.Fprintf(&b, "| %s |", im.Name)
		for _, s := range zooStrategies {
			var seeds []float64
			var walls []time.Duration
			var missWall time.Duration
			misses := 0
			for i := range zooStarts {
				n, wall := seedsToDetect(t, im.Name, s, uint64(i)*100_000)
				if n >= inf {
					misses++
					missWall = wall
					if misses > zooStarts/2 {
						break // the median is a miss whatever the other starts do
					}
					continue
				}
				seeds, walls = append(seeds, n), append(walls, wall)
			}
			if misses > zooStarts/2 {
				fmt.Fprintf(&b, " >%d | >%s |", zooMaxSeeds, ms(missWall))
				continue
			}
			// Misses count as slower than any detection.
			for range misses {
				seeds, walls = append(seeds, inf), append(walls, time.Duration(inf))
			}
			fmt.Fprintf(&b, " %s | %s |", seedCell(median(seeds)), ms(median(walls)))
		}
		runs, wall, by := exhaustiveDetect(t, im.Name, rungs)
		if by == "" {
			by = "not within the ladder"
		}
		fmt.Fprintf(&b, " %d | %s | %s |\n", runs, ms(wall), by)
		t.Logf("measured %s", im.Name)
	}
	fmt.Println(b.String())
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/1e6) }

// seedsToDetect runs every scenario at seeds start, start+1, ... and
// returns how many seeds it took to the first failure (+Inf if none in
// zooMaxSeeds) and the wall time.
func seedsToDetect(t *testing.T, impl string, s zooStrategy, start uint64) (float64, time.Duration) {
	t0 := time.Now()
	for seed := start; seed < start+zooMaxSeeds; seed++ {
		for _, sc := range scenarios.All() {
			r := run(t, kvsim.Spec{Scenario: sc.Name, Faults: scenarios.SwarmName, Impl: impl, Seed: seed}, s.entropy(seed))
			if r.Failed() {
				return float64(seed - start + 1), time.Since(t0)
			}
		}
	}
	return inf, time.Since(t0)
}

const inf = 1e18

func seedCell(n float64) string {
	if n >= inf {
		return fmt.Sprintf(">%d", zooMaxSeeds)
	}
	return fmt.Sprint(n)
}

// exhaustiveConfig is one scenario under one fixed profile.
type exhaustiveConfig struct{ scenario, faults string }

func exploreConfig(t *testing.T, impl string, c exhaustiveConfig, b explore.Bound) explore.Report {
	return explore.Exhaustive(func(ent sim.Entropy) (bool, string) {
		r := run(t, kvsim.Spec{Scenario: c.scenario, Faults: c.faults, Impl: impl}, ent)
		return r.Failed(), string(r.Verdict)
	}, b)
}

// catalogue resolves the measurement's specs; it is only read.
var catalogue = campaign.Default()

// run makes the run s names with the given entropy (nil: the seed's PRNG).
func run(t *testing.T, s kvsim.Spec, ent sim.Entropy) scenarios.Result {
	cfg, err := catalogue.Resolve(s)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Entropy = ent
	return scenarios.Run(cfg)
}

// exhaustibleConfigs explores the reference in every scenario under every
// fixed per-message profile, for each rung of zooLadder, and keeps the
// configurations whose tree the rung exhausts (a rung only tries those the
// rung before it exhausted). It prints their coverage.
func exhaustibleConfigs(t *testing.T) [][]exhaustiveConfig {
	var all []exhaustiveConfig
	for _, prof := range []string{"reliable", "lossy", "duplicate", "reorder"} {
		for _, sc := range scenarios.All() {
			all = append(all, exhaustiveConfig{sc.Name, prof})
		}
	}
	var rungs [][]exhaustiveConfig
	var b strings.Builder
	fmt.Fprintf(&b, "| bound | scenario | profile | runs | result | wall |\n|---|---|---|---|---|---|\n")
	for _, bound := range zooLadder {
		var keep []exhaustiveConfig
		total := 0
		for _, c := range all {
			t0 := time.Now()
			rep := exploreConfig(t, kvsim.ReferenceName, c, bound)
			result := "no bug within this bound"
			switch {
			case rep.Failure != nil:
				t.Errorf("false alarm: the reference fails %v within %+v: %v", c, bound, rep)
				result = "FAILED"
			case !rep.Exhausted:
				result = "too big for the bound"
			default:
				keep = append(keep, c)
				total += rep.Runs
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %d | %s | %s |\n", boundString(bound), c.scenario, c.faults, rep.Runs, result, ms(time.Since(t0)))
		}
		fmt.Fprintf(&b, "| %s | %d configurations exhausted | | %d | | |\n", boundString(bound), len(keep), total)
		rungs = append(rungs, keep)
		all = keep
	}
	fmt.Println(b.String())
	return rungs
}

func boundString(b explore.Bound) string {
	return fmt.Sprintf("faults<=%d ties<=%d workload=%d", b.Faults, b.Ties, max(b.Workload, 1))
}

// exhaustiveDetect climbs the ladder, exploring each rung's configurations
// in order, and returns the runs made up to and including the first
// failure, the wall time and where it was found ("" if nowhere).
func exhaustiveDetect(t *testing.T, impl string, rungs [][]exhaustiveConfig) (int, time.Duration, string) {
	t0 := time.Now()
	runs := 0
	for i, configs := range rungs {
		for _, c := range configs {
			rep := exploreConfig(t, impl, c, zooLadder[i])
			runs += rep.Runs
			if rep.Failure != nil {
				return runs, time.Since(t0), fmt.Sprintf("%s, %s/%s %s", boundString(zooLadder[i]), c.scenario, c.faults, rep.Failure.Desc)
			}
		}
	}
	return runs, time.Since(t0), ""
}

// median is the lower median.
func median[T float64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// TestExhaustiveReplaysZooFailure: a failure the explorer finds in a real
// scenario replays from its choices to the same run.
func TestExhaustiveReplaysZooFailure(t *testing.T) {
	spec := kvsim.Spec{Scenario: "reliable-put", Faults: "lossy", Impl: "zoo/clerk-errversion-after-retry"}
	rep := explore.Exhaustive(func(ent sim.Entropy) (bool, string) {
		r := run(t, spec, ent)
		return r.Failed(), r.TraceHash + " " + r.Reason
	}, explore.Bound{Faults: 1})
	if rep.Failure == nil {
		t.Fatalf("not found: %v", rep)
	}
	r := run(t, spec, explore.Replay(rep.Failure.Choices))
	if got := r.TraceHash + " " + r.Reason; !r.Failed() || got != rep.Failure.Desc {
		t.Errorf("replay: %s: %s, want %s", r.Verdict, got, rep.Failure.Desc)
	}
}
