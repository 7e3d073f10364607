package campaign

import (
	"flag"
	"fmt"
	"strings"
	"testing"

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
	flagImpl     = flag.String("impl", scenarios.ReferenceName, "TestReplay/TestShrink: implementation")
)

// flagSpec is the run named on the command line, resolved; unknown names
// fail the test.
func flagSpec(t *testing.T) scenarios.Config {
	t.Helper()
	cfg, err := Default().Resolve(scenarios.Spec{Scenario: *flagScenario, Seed: *flagSeed, Faults: *flagFaults, Impl: *flagImpl})
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
	swarmProfile, err := Default().Profile(swarm)
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
}{
	{"zoo/server-ignores-version", "kv-random"},
	{"zoo/server-bumps-on-failure", "kv-random"},
	{"zoo/server-creates-any-version", "reliable-put"},
	{"zoo/server-zero-overwrites", "kv-random"},
	{"zoo/server-per-client-cache", "many-clients"},
	{"zoo/clerk-errversion-after-retry", "kv-random"},
	{"zoo/clerk-ok-on-lost-reply", "kv-random"},
	{"zoo/clerk-gives-up-get", "kv-random"},
	{"zoo/clerk-maybe-on-first", "kv-random"},
	{"zoo/lock-ignores-maybe", "lock-counter"},
	{"zoo/lock-forgets-own-id", "lock-counter"},
	{"zoo/lock-no-reread", "lock-counter"},
	{"zoo/lock-release-no-owner-check", "lock-counter"},
	{"zoo/server-same-value-noop", "kv-swarm"},
	{"zoo/clerk-reuses-reply", "kv-swarm"},
	{"zoo/server-empty-value-deletes", "lock-counter"},
	{"zoo/server-create-idempotent", "kv-swarm"},
	{"zoo/clerk-stale-get-on-timeout", "concurrent-put"},
	{"zoo/clerk-verifies-by-value", "kv-random"},
	{"zoo/lock-steals-from-slow-holder", "lock-swarm"},
	{"zoo/lock-stale-held-flag", "lock-counter"},
}

// TestShrink shows rapid finding each zoo bug and shrinking the failing run
// to a minimal workload and fault schedule. With -args -scenario=S
// -impl=I [-faults=F] it shrinks that combination instead and logs the
// minimal run's history and trace.
func TestShrink(t *testing.T) {
	cases := shrinkCases
	if *flagScenario != "" {
		cases = cases[:0:0]
		cases = append(cases, struct{ impl, scenario string }{*flagImpl, *flagScenario})
	} else if len(cases) < len(zoo.All()) {
		t.Errorf("shrinkCases covers %d of %d zoo bugs", len(cases), len(zoo.All()))
	}
	faults := *flagFaults
	if faults == "" {
		faults = swarm
	}
	for _, tc := range cases {
		t.Run(strings.TrimPrefix(tc.impl, zoo.Prefix), func(t *testing.T) {
			cfg, err := Default().Resolve(scenarios.Spec{Scenario: tc.scenario, Faults: faults, Impl: tc.impl})
			if err != nil {
				t.Fatal(err)
			}
			minimal, found := Shrink(t, cfg, ShrinkOptions{})
			if !found {
				t.Fatalf("rapid did not find %s in %s", tc.impl, tc.scenario)
			}
			t.Logf("shrunk to %d ops, %d RPCs, faults %s: %s\n%s", minimal.Ops, minimal.RPCs, minimal.FaultModel, minimal.Reason, models.FormatKV(minimal.KVHistory))
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
