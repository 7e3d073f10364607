package scenarios

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/kvsim/kvsim/models"
	"github.com/kvsim/kvsim/sim/simrapid"
	"pgregory.net/rapid"
)

// runRapid is one run whose every random choice (fault model, workload,
// delays, drops, tie-breaks) is drawn from rapid, so rapid can shrink it.
func runRapid(rt *rapid.T, scenario, faults, impl string, trace bool) Result {
	r, err := Run(Config{Scenario: scenario, Faults: faults, Impl: impl, Entropy: simrapid.Entropy(rt), Trace: trace})
	if err != nil {
		rt.Fatal(err)
	}
	return r
}

// TestPropertyReference lets rapid explore schedules, faults and workloads
// against the reference; any failure is shrunk to a minimal run.
func TestPropertyReference(t *testing.T) {
	for _, sc := range Scenarios() {
		t.Run(sc.Name, rapid.MakeCheck(func(rt *rapid.T) {
			if r := runRapid(rt, sc.Name, SwarmName, ReferenceName, false); r.Failed() {
				rt.Fatal(r.Summary())
			}
		}))
	}
}

// shrinkCase says where rapid should look for a zoo bug: the scenario whose
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
}

// TestShrink shows rapid finding each zoo bug and shrinking the failing run
// to a minimal workload and fault schedule. With -args -scenario=S
// -impl=I [-faults=F] it shrinks that combination instead and logs the
// minimal run's history and trace.
func TestShrink(t *testing.T) {
	cases := shrinkCases
	if *replayScenario != "" {
		cases = cases[:0:0]
		cases = append(cases, struct{ impl, scenario string }{*replayImpl, *replayScenario})
	}
	if len(cases) < len(Zoo()) && *replayScenario == "" {
		t.Errorf("shrinkCases covers %d of %d zoo bugs", len(cases), len(Zoo()))
	}
	faults := *replayFaults
	if faults == "" {
		faults = SwarmName
	}
	// A fixed seed keeps the search, and so this test, deterministic; rapid
	// writes no fail files for failures this test expects.
	setFlag(t, "rapid.seed", "20261125")
	setFlag(t, "rapid.nofailfile", "true")
	setFlag(t, "rapid.checks", "300")
	// Shrinking is bounded in wall time; the test asserts only that the
	// minimal run still fails, so a slow machine gets a larger one.
	shrinkTime := "5s"
	if testing.Short() {
		shrinkTime = "1s"
	}
	setFlag(t, "rapid.shrinktime", shrinkTime)
	for _, tc := range cases {
		t.Run(strings.TrimPrefix(tc.impl, ZooPrefix), func(t *testing.T) {
			var minimal Result
			found := &failureRecorder{TB: t}
			rapid.Check(found, func(rt *rapid.T) {
				r := runRapid(rt, tc.scenario, faults, tc.impl, true)
				if r.Failed() {
					minimal = r
					rt.Fatal(r.Summary())
				}
			})
			if !found.failed || !minimal.Failed() {
				t.Fatalf("rapid did not find %s in %s", tc.impl, tc.scenario)
			}
			t.Logf("shrunk to %d ops, %d RPCs, faults %s: %s\n%s", minimal.Ops, minimal.RPCs, minimal.FaultModel, minimal.Reason, models.FormatKV(minimal.KVHistory))
			if *replayScenario != "" {
				var trace strings.Builder
				for _, rec := range minimal.Trace {
					fmt.Fprintln(&trace, rec)
				}
				t.Logf("trace of the minimal run:\n%s", trace.String())
			}
		})
	}
}

// failureRecorder is a rapid.TB that records rapid's failure report
// instead of failing the test, for tests that expect rapid to find one.
type failureRecorder struct {
	testing.TB
	failed bool
	report []string
}

func (f *failureRecorder) Errorf(format string, args ...any) {
	f.failed = true
	f.report = append(f.report, fmt.Sprintf(format, args...))
}
func (f *failureRecorder) Error(args ...any) { f.Errorf("%s", fmt.Sprint(args...)) }
func (f *failureRecorder) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
}
func (f *failureRecorder) Fatal(args ...any) { f.Error(args...) }
func (f *failureRecorder) Fail()             { f.failed = true }
func (f *failureRecorder) FailNow()          { f.failed = true }
func (f *failureRecorder) Failed() bool      { return f.failed }
func (f *failureRecorder) Log(args ...any)   {}
func (f *failureRecorder) Logf(string, ...any) {
}

func setFlag(t *testing.T, name, value string) {
	t.Helper()
	old := flag.Lookup(name).Value.String()
	if err := flag.Set(name, value); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { flag.Set(name, old) })
}
