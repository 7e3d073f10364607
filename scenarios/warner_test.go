package scenarios

import (
	"testing"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/kvraft"
)

// warning is a server of a cluster that warns once per start.
type warning struct{ rpc.Server }

func (warning) Warnings() []Warning {
	return []Warning{{Name: "test-warning", Text: "once per start", Count: 1}}
}

// TestServerWarningsOutliveCrashes: a cluster's servers' warnings reach
// the run's result, one per name with the counts added up, including
// those of servers that crashed and were started again.
func TestServerWarningsOutliveCrashes(t *testing.T) {
	for seed := range uint64(3) {
		starts := 0
		cfg := config(t, "crash-restart", "reliable", seed)
		cfg.Impl = kvraft.Impl(3)
		newReplica := cfg.Impl.NewReplica
		cfg.Impl.NewReplica = func(node any) rpc.Server {
			starts++
			return warning{newReplica(node)}
		}
		r := Run(cfg)
		if r.Failed() {
			t.Fatalf("%s", r.Summary())
		}
		if starts <= 3 || len(r.Warnings) != 1 || r.Warnings[0].Name != "test-warning" || r.Warnings[0].Count != starts {
			t.Fatalf("seed %d: %d starts, warnings %+v; want one test-warning counted %d times", seed, starts, r.Warnings, starts)
		}
	}
}
