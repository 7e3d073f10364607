package campaign

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/models"
	"github.com/kvsim/kvsim/zoo"
)

// TestCoreInJSON: a linearizability violation's JSON line carries the
// checker's core as history text, which reads back as a history that is
// itself not linearizable; a passing run carries none.
func TestCoreInJSON(t *testing.T) {
	for _, spec := range []kvsim.Spec{
		{Scenario: "kv-random", Seed: 0, Faults: swarm, Impl: zoo.Prefix + "server-bumps-on-failure"},
		{Scenario: "kv-random", Seed: 0, Faults: swarm},
	} {
		cfg, err := Default().Resolve(spec)
		if err != nil {
			t.Fatal(err)
		}
		r, err := RunGuarded(context.Background(), nil, cfg, 0)
		if err != nil {
			t.Fatal(err)
		}
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var got struct{ Core []string }
		if err := json.Unmarshal(line, &got); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(r.Reason, "linearizability: ") {
			if got.Core != nil {
				t.Errorf("%s: %s, yet a core in its JSON: %q", spec, r.Verdict, got.Core)
			}
			continue
		}
		if len(got.Core) == 0 {
			t.Fatalf("%s: %s, but no core in its JSON: %s", spec, r.Reason, line)
		}
		ops, err := models.ParseKV(strings.Join(got.Core, "\n"))
		if err != nil {
			t.Fatalf("%s: the core does not read back: %v\n%s", spec, err, strings.Join(got.Core, "\n"))
		}
		if v := models.CheckKV(ops, 0); v.Verdict != models.Violation {
			t.Errorf("%s: the core alone checks %v, want a violation:\n%s", spec, v.Verdict, strings.Join(got.Core, "\n"))
		}
	}
}
