package scenario_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim/shardkv"
	"github.com/kvsim/kvsim/shardkv/scenario"
	"github.com/kvsim/kvsim/shardkv/shardctrler"
	"github.com/kvsim/kvsim/shardkv/shardgrp"
)

// zoo is each deliberate flaw, the scenario that finds it, and within
// how many seeds from 0 it must.
var zoo = []struct {
	name     string
	scenario string
	flaws    scenario.Flaws
	within   int
	// check, if set, is the check that must find it.
	check string
	// light: run under -short and -race too (found in a seed or two, by
	// runs that are not stuck).
	light bool
}{
	{"group serves a frozen shard", "join-leave", scenario.Flaws{Group: shardgrp.ServeFrozen}, 20, "one owner", true},
	{"install takes a stale number", "ctrler-partition", scenario.Flaws{Group: shardgrp.StaleInstall}, 100, "", false},
	{"delete drops a served shard", "ctrler-partition", scenario.Flaws{Group: shardgrp.DeleteServed}, 100, "", false},
	{"controller posts before installing", "ctrler-crash", scenario.Flaws{Controller: shardctrler.PostBeforeInstall}, 20, "", false},
	{"controllers move shards without claiming the number", "ctrler-race", scenario.Flaws{Controller: shardctrler.NoClaim}, 100, "", false},
	{"recovery finishes a next config past current+1", "ctrler-partition", scenario.Flaws{Controller: shardctrler.AnyNext}, 100, "", false},
	{"clerk never returns ErrMaybe", "join-leave-lossy", scenario.Flaws{Clerk: shardkv.NeverMaybe}, 20, "", true},
	{"clerk waits for a group that left", "join-leave", scenario.Flaws{Clerk: shardkv.NeverGiveUp}, 20, "liveness", false},
}

// TestFlawsFound: the scenarios find every flaw of the zoo within its
// seeds (each campaign stops at the first failure).
func TestFlawsFound(t *testing.T) {
	for _, z := range zoo {
		t.Run(z.name, func(t *testing.T) {
			if (testing.Short() || raceEnabled) && !z.light {
				t.Skip("too slow for -short and -race")
			}
			s, err := scenario.Named(z.scenario)
			if err != nil {
				t.Fatal(err)
			}
			ran, failed := campaign(s, scenario.Flawed(z.name, z.flaws), 0, z.within, time.Hour, true)
			if len(failed) == 0 {
				t.Fatalf("%s: not found in %d seeds", z.scenario, ran)
			}
			if z.check != "" && !strings.HasPrefix(failed[0].Failure, z.check+":") {
				t.Errorf("found first by another check than %q: %v", z.check, &failed[0])
			}
			t.Logf("found at seed %d (%d seeds ran): %v", failed[0].Seed, ran, &failed[0])
		})
	}
}
