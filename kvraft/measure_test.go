package kvraft_test

import (
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim/kvraft"
	"github.com/kvsim/kvsim/scenarios"
)

var (
	flagMeasure        = flag.String("kvraft.measure", "", "TestMeasureFlaws: the zoo entries to measure, comma-separated names (all: every one)")
	flagMeasureProfile = flag.String("kvraft.measure-profile", scenarios.SwarmName, "TestMeasureFlaws: the profile of every scenario's runs (default: each scenario's own, as a campaign without --faults)")
)

// TestMeasureFlaws measures, for each zoo entry on 3 and 5 servers, the
// seeds to its first failure when every seed runs every scenario of
// scenarios.All() under swarm (or -kvraft.measure-profile), in order
// (as a campaign over all scenarios does), up to -kvraft.seeds (2000).
// Off unless -kvraft.measure names entries.
func TestMeasureFlaws(t *testing.T) {
	if *flagMeasure == "" {
		t.Skip("-kvraft.measure names the entries to measure")
	}
	limit := uint64(2000)
	if *flagSeeds > 0 {
		limit = uint64(*flagSeeds)
	}
	for _, e := range zoo {
		if *flagMeasure != "all" && !strings.Contains(","+*flagMeasure+",", ","+e.name+",") {
			continue
		}
		for _, n := range []int{3, 5} {
			impl := kvraft.Flawed(fmt.Sprintf("flawed/%s-%d", e.name, n), n, e.flaws)
			var r scenarios.Runner
			start := time.Now()
			runs := 0
			found := false
		seeds:
			for seed := range limit {
				for _, sc := range scenarios.All() {
					runs++
					p := *flagMeasureProfile
					if p == "default" {
						p = sc.DefaultFaults
					}
					res := r.Try(scenarios.Config{Scenario: sc, Profile: profile(t, p), Impl: impl, Seed: *flagStart + seed})
					if res.Failed() {
						t.Logf("MEASURE %s %s %d: seed %d (%d seeds) %s, run %d, %.1fs: %s", *flagMeasureProfile, e.name, n, *flagStart+seed, seed+1, sc.Name, runs, time.Since(start).Seconds(), res.Summary())
						found = true
						break seeds
					}
				}
			}
			if !found {
				t.Logf("MEASURE %s %s %d: not found in %d seeds (%d runs), %.1fs", *flagMeasureProfile, e.name, n, limit, runs, time.Since(start).Seconds())
			}
		}
	}
}
