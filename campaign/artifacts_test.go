package campaign

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/report"
	"github.com/kvsim/kvsim/scenarios"
)

// TestArtifacts replays a failure with tracing and checks every artifact:
// the result, the trace, the history and the annotated visualization.
func TestArtifacts(t *testing.T) {
	r, err := Default().Run(kvsim.Spec{Scenario: "kv-random", Seed: 0, Faults: "lossy", Impl: "zoo/clerk-ok-on-lost-reply"})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Failed() {
		t.Fatalf("want a failure: %s", r.Summary())
	}
	if r.Trace != nil {
		t.Fatal("an untraced run kept its trace")
	}
	if _, err := scenarios.WriteArtifacts(r, t.TempDir()); err == nil {
		t.Fatal("WriteArtifacts accepted a result without a trace")
	}
	traced, err := scenarios.Replay(r)
	if err != nil {
		t.Fatal(err)
	}
	if traced.TraceHash != r.TraceHash || traced.Reason != r.Reason {
		t.Fatalf("replay differs: %s %q vs %s %q", traced.TraceHash, traced.Reason, r.TraceHash, r.Reason)
	}
	traced.Repro = Default().ReproOf(traced)
	a, err := scenarios.WriteArtifacts(traced, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	read := func(path string) string {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	var js map[string]any
	if err := json.Unmarshal([]byte(read(a.Result)), &js); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"scenario", "seed", "faults", "impl", "verdict", "trace_hash", "ops", "rpcs", "sim_time_ns", "repro", "kvsim"} {
		if _, ok := js[key]; !ok {
			t.Errorf("result.json has no %q", key)
		}
	}
	trace := read(a.Trace)
	for _, want := range []string{"# " + traced.Run + "\n", "drop-request", "deliver", "timeout"} {
		if !strings.Contains(trace, want) {
			t.Errorf("trace.txt lacks %q", want)
		}
	}
	if h := read(a.History); !strings.Contains(h, "put(") {
		t.Errorf("history.txt has no put:\n%s", h)
	}
	if viz := read(a.Viz); !strings.Contains(viz, "<html") || !strings.Contains(viz, "drop-request #") {
		t.Error("history.html is not an annotated visualization")
	}
}

// TestArtifactsDrawWhatFailed: a failure of the lock keeps no picture of
// the key/value history (porcupine's, as large as the trace), in a file or
// in the report; a failure of the history keeps it.
func TestArtifactsDrawWhatFailed(t *testing.T) {
	for _, tc := range []struct {
		spec    kvsim.Spec
		history bool
	}{
		{kvsim.Spec{Scenario: "kv-random", Seed: 0, Faults: "lossy", Impl: "zoo/clerk-ok-on-lost-reply"}, true},
		{kvsim.Spec{Scenario: "lock-counter", Seed: 1, Faults: "lossy", Impl: "zoo/lock-no-reread"}, false},
	} {
		t.Run(tc.spec.Impl, func(t *testing.T) {
			r, err := Default().Run(tc.spec)
			if err != nil || !r.Failed() {
				t.Fatalf("want a failure: %s, %v", r.Summary(), err)
			}
			traced, err := scenarios.Replay(r)
			if err != nil {
				t.Fatal(err)
			}
			a, err := report.WriteArtifacts(traced, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			page, err := os.ReadFile(a.Report)
			if err != nil {
				t.Fatal(err)
			}
			hasPorcupine := strings.Contains(string(page), `"porcupineLink":"history.html"`) || strings.Contains(string(page), `"porcupine":"`)
			if (a.Viz != "") != tc.history || hasPorcupine != tc.history {
				t.Errorf("%s: history.html %q, report with porcupine %v; want both %v", r.Summary(), a.Viz, hasPorcupine, tc.history)
			}
		})
	}
}
