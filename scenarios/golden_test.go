package scenarios

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim/models"
	"github.com/kvsim/kvsim/sim"
)

// goldenTraces are the runs whose whole trace is pinned as text, a few
// short ones per scenario: a change of behaviour shows in their files as
// a diff a reviewer can read, where hashes.golden, which pins the bulk,
// only says that a hash moved.
var goldenTraces = []struct {
	scenario, faults string
	seed             uint64
}{
	{"kv-random", SwarmName, 3},
	{"kv-random", SwarmName, 5},
	{"lock-swarm", SwarmName, 4},
	{"lock-swarm", SwarmName, 6},
}

// TestGoldenTraces compares the golden runs' traces, as text, with
// testdata/traces; go test ./scenarios -run TestGoldenTraces -update
// rewrites them (review the diff: it is what the change did to the runs).
func TestGoldenTraces(t *testing.T) {
	for _, g := range goldenTraces {
		name := fmt.Sprintf("%s-%s-%d", g.scenario, g.faults, g.seed)
		t.Run(name, func(t *testing.T) {
			got := goldenTrace(t, config(t, g.scenario, g.faults, g.seed))
			path := filepath.Join("testdata", "traces", name+".txt")
			if want := golden(t, path, got, "TestGoldenTraces"); got != want {
				t.Errorf("%s: the run changed; %s\nIf the change is meant, rewrite the golden traces with go test ./scenarios -run TestGoldenTraces -update and review their diff.", path, firstDiff(got, want))
			}
		})
	}
}

// golden returns what the golden file at path holds, after writing got
// there under -update; test is the test that writes it.
func golden(t *testing.T, path, got, test string) string {
	t.Helper()
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./scenarios -run %s -update writes it)", err, test)
	}
	return string(want)
}

// goldenTrace is cfg's run as a golden file holds it: what ran and how it
// ended, its key/value history, then its trace, a record a line.
func goldenTrace(t *testing.T, cfg Config) string {
	t.Helper()
	cfg.Trace = true
	r := Run(cfg)
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n# faults: %s\n", r.Spec, r.FaultModel)
	if r.Workload != "" {
		fmt.Fprintf(&b, "# workload: %s\n", r.Workload)
	}
	fmt.Fprintf(&b, "# verdict: %s", r.Verdict)
	if r.Reason != "" {
		fmt.Fprintf(&b, ": %s", r.Reason)
	}
	fmt.Fprintf(&b, "\n# trace hash: %s; %d ops, %d RPCs, %v of virtual time\n", r.TraceHash, r.Ops, r.RPCs, time.Duration(r.SimTimeNS))
	fmt.Fprintf(&b, "\n## key/value history\n%s\n## trace\n", models.FormatKV(r.KVHistory))
	if err := sim.WriteTrace(&b, r.Trace); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// firstDiff says where got and want first differ, by line.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("first difference at line %d:\n got: %s\nwant: %s", i+1, gl, wl)
		}
	}
	return "they differ"
}
