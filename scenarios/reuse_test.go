package scenarios

import (
	"slices"
	"testing"
)

// TestRunnerLendsNotKeeps: runs made on a Runner hash as runs that are
// not, whichever scenarios came before them on it, and no untraced Result
// keeps the memory it lends (the runner's next run reuses it), while a
// traced one keeps a history the next run does not touch.
func TestRunnerLendsNotKeeps(t *testing.T) {
	var r Runner
	for range 2 {
		for _, name := range []string{"kv-random", "lock-swarm", "kv-swarm", "kv-random", "concurrent-put"} {
			for seed := range uint64(4) {
				cfg := config(t, name, "swarm", seed)
				want := Run(cfg)
				got := r.Run(cfg)
				if got.TraceHash != want.TraceHash || got.Verdict != want.Verdict {
					t.Errorf("%s: %s %s on a runner, %s %s without", got.Spec, got.Verdict, got.TraceHash, want.Verdict, want.TraceHash)
				}
				if got.KVCheck.Checker != "" || got.LockCheck != nil || got.KVHistory != nil {
					t.Errorf("%s: an untraced Result keeps the run's checks or history", got.Spec)
				}

				// A traced run keeps its history; the runner lends it to
				// no later run.
				cfg.Trace = true
				traced := r.Run(cfg)
				history := historyText(Run(cfg))
				cfg.Trace, cfg.Seed = false, seed+100
				r.Run(cfg)
				if !slices.Equal(historyText(traced), history) {
					t.Fatalf("%s: a traced Result's history changed when the runner's next run reused its memory", traced.Spec)
				}
			}
		}
	}
}

func historyText(r Result) []string {
	var out []string
	for _, op := range r.KVHistory {
		out = append(out, op.Input.Key+"="+op.Input.Value+"->"+op.Output.Value)
	}
	return out
}
