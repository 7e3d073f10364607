package campaign

import (
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/models"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/sim/simrapid"
	"github.com/kvsim/kvsim/zoo"
	"pgregory.net/rapid"
)

// The flags of TestReplay and TestShrink: a failure's go test lines.
var (
	flagScenario = flag.String("scenario", "", "TestReplay/TestShrink: scenario")
	flagSeed     = flag.Uint64("seed", 0, "TestReplay: seed")
	flagFaults   = flag.String("faults", "", "TestReplay/TestShrink: fault profile")
	flagImpl     = flag.String("impl", kvsim.ReferenceName, "TestReplay/TestShrink: implementation")
	flagStrategy = flag.String("strategy", "", "TestReplay: strategy")
)

// flagSpec is the run named on the command line, resolved; unknown names
// fail the test.
func flagSpec(t *testing.T) scenarios.Config {
	t.Helper()
	cfg, err := Default().Resolve(kvsim.Spec{Scenario: *flagScenario, Seed: *flagSeed, Faults: *flagFaults, Impl: *flagImpl, Strategy: *flagStrategy})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestReplay replays one run given on the command line, as printed in a
// failure's repro line, and fails if the run does:
//
//	go test ./campaign -run TestReplay -args -scenario=kv-random -seed=7 -faults=swarm -impl=reference
func TestReplay(t *testing.T) {
	if *flagScenario == "" {
		t.Skip("give -args -scenario=S -seed=N [-faults=F] [-impl=I] to replay a run")
	}
	cfg := flagSpec(t)
	cfg.Trace = true
	r := scenarios.Run(cfg)
	if !r.Failed() {
		t.Logf("%s (trace hash %s)", r.Summary(), r.TraceHash)
		return
	}
	a, err := scenarios.WriteArtifacts(r, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Fatalf("%s (trace hash %s)\nartifacts (kept until the test exits): %s", r.Summary(), r.TraceHash, a.Dir)
}

// TestPropertyReference lets rapid explore schedules, faults and workloads
// against the reference; any failure is shrunk to a minimal run.
func TestPropertyReference(t *testing.T) {
	swarmProfile, err := Default().profile(swarm)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scenarios.All() {
		t.Run(sc.Name, rapid.MakeCheck(func(rt *rapid.T) {
			r := scenarios.Run(scenarios.Config{Scenario: sc, Profile: swarmProfile, Entropy: simrapid.Entropy(rt)})
			if r.Failed() {
				rt.Fatal(r.Summary())
			}
		}))
	}
}

// shrinkCases says where rapid should look for a zoo bug: the scenario whose
// checks catch it.
var shrinkCases = []struct {
	impl, scenario string
	checks         int // rapid's budget; 0 is Shrink's default
}{
	{impl: "zoo/server-ignores-version", scenario: "kv-random"},
	{impl: "zoo/server-bumps-on-failure", scenario: "kv-random"},
	{impl: "zoo/server-creates-any-version", scenario: "reliable-put"},
	{impl: "zoo/server-zero-overwrites", scenario: "kv-random"},
	{impl: "zoo/server-per-client-cache", scenario: "many-clients"},
	{impl: "zoo/clerk-errversion-after-retry", scenario: "kv-random"},
	{impl: "zoo/clerk-ok-on-lost-reply", scenario: "kv-random"},
	{impl: "zoo/clerk-gives-up-get", scenario: "kv-random"},
	{impl: "zoo/clerk-maybe-on-first", scenario: "kv-random"},
	{impl: "zoo/lock-ignores-maybe", scenario: "lock-counter"},
	{impl: "zoo/lock-forgets-own-id", scenario: "lock-counter"},
	{impl: "zoo/lock-no-reread", scenario: "lock-counter"},
	{impl: "zoo/lock-release-no-owner-check", scenario: "lock-counter", checks: 3000},
	{impl: "zoo/server-same-value-noop", scenario: "kv-swarm"},
	{impl: "zoo/clerk-reuses-reply", scenario: "kv-swarm"},
	{impl: "zoo/server-empty-value-deletes", scenario: "lock-counter"},
	{impl: "zoo/server-create-idempotent", scenario: "kv-swarm"},
	{impl: "zoo/clerk-stale-get-on-timeout", scenario: "concurrent-put"},
	{impl: "zoo/clerk-verifies-by-value", scenario: "kv-random"},
	{impl: "zoo/lock-steals-from-slow-holder", scenario: "lock-swarm"},
	{impl: "zoo/lock-stale-held-flag", scenario: "lock-swarm"},
}

// shortShrinkTime bounds each of TestShrink's shrinks under -short.
const shortShrinkTime = 200 * time.Millisecond

// TestShrink shows rapid finding each zoo bug and shrinking the failing run
// to a minimal workload and fault schedule. With -args -scenario=S
// -impl=I [-faults=F] it shrinks that combination instead and logs the
// minimal run's history and trace.
func TestShrink(t *testing.T) {
	cases := shrinkCases
	if *flagScenario != "" {
		cases = cases[:0:0]
		cases = append(cases, struct {
			impl, scenario string
			checks         int
		}{*flagImpl, *flagScenario, 0})
	} else if len(cases) < len(zoo.All()) {
		t.Errorf("shrinkCases covers %d of %d zoo bugs", len(cases), len(zoo.All()))
	}
	faults := *flagFaults
	if faults == "" {
		faults = swarm
	}
	for _, tc := range cases {
		t.Run(strings.TrimPrefix(tc.impl, zoo.Prefix), func(t *testing.T) {
			cfg, err := Default().Resolve(kvsim.Spec{Scenario: tc.scenario, Faults: faults, Impl: tc.impl})
			if err != nil {
				t.Fatal(err)
			}
			opts := ShrinkOptions{Checks: tc.checks}
			if testing.Short() && *flagScenario == "" {
				// Rapid still has to find every bug (the search keeps its
				// budget); it shrinks for less time, so a run may stay
				// larger. Shrinking was 40 of the 45 s of -short.
				opts.Time = shortShrinkTime
			}
			minimal, found := Shrink(t, cfg, opts)
			if !found {
				t.Fatalf("rapid did not find %s in %s", tc.impl, tc.scenario)
			}
			t.Logf("shrunk to %d ops, %d RPCs, faults %s: %s\n%s", minimal.Ops, minimal.RPCs, minimal.FaultModel, minimal.Reason, models.FormatKV(minimal.KVHistory))
			if *flagScenario == "" && minimal.Verdict == kvsim.Panic {
				// No zoo bug panics: rapid's own panic (its data ran out
				// on a draw) must not pass for the implementation's.
				t.Errorf("shrunk to a panic: %s", minimal.Reason)
			}
			if *flagScenario != "" {
				var trace strings.Builder
				for _, rec := range minimal.Trace {
					fmt.Fprintln(&trace, rec)
				}
				t.Logf("trace of the minimal run:\n%s", trace.String())
			}
		})
	}
}

// Shrink finds no failure where there is none: TestShrink's "rapid did not
// find" can fail, at any budget.
func TestShrinkFindsNothingInTheReference(t *testing.T) {
	cfg, err := Default().Resolve(kvsim.Spec{Scenario: "kv-random", Faults: swarm, Impl: kvsim.ReferenceName})
	if err != nil {
		t.Fatal(err)
	}
	if minimal, found := Shrink(t, cfg, ShrinkOptions{Checks: 30, Time: shortShrinkTime}); found {
		t.Fatalf("found a failure of the reference: %s", minimal.Summary())
	}
}
