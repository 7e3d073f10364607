package scenarios

import (
	"slices"
	"testing"

	"github.com/kvsim/kvsim"
)

// TestPoolLentNotKept: runs that borrow a pool hash as runs that do not,
// whichever scenarios came before them on it, and no Result keeps the pool
// or the memory it lends, since the next run reuses that memory and
// whoever replays a Result may do so on another goroutine.
func TestPoolLentNotKept(t *testing.T) {
	pool := &Pool{}
	defer pool.Close()
	inProcess := func(cfg Config, run func() Result) Result { return run() }
	for _, isolate := range []func(Config, func() Result) Result{nil, inProcess} {
		for _, name := range []string{"kv-random", "lock-swarm", "kv-swarm", "kv-random", "concurrent-put"} {
			for seed := range uint64(4) {
				cfg := config(t, name, "swarm", seed)
				cfg.Isolate = isolate
				want := Run(cfg)
				cfg.Pool = pool
				got := Run(cfg)
				if got.TraceHash != want.TraceHash || got.Verdict != want.Verdict {
					t.Errorf("isolated %t, %s: %s %s with a pool, %s %s without", isolate != nil, got.Spec, got.Verdict, got.TraceHash, want.Verdict, want.TraceHash)
				}
				if got.config.Pool != nil {
					t.Errorf("isolated %t, %s: the Result keeps the pool", isolate != nil, got.Spec)
				}
				if got.KVCheck.Checker != "" || got.LockCheck != nil || got.KVHistory != nil {
					t.Errorf("isolated %t, %s: an untraced Result keeps the run's checks or history", isolate != nil, got.Spec)
				}

				// A traced run keeps its history; the pool lends it to no later run.
				cfg.Trace = true
				traced := Run(cfg)
				cfg.Pool = nil
				history := historyText(Run(cfg))
				cfg.Trace, cfg.Seed, cfg.Pool = false, seed+100, pool
				Run(cfg)
				if !slices.Equal(historyText(traced), history) {
					t.Fatalf("isolated %t, %s: a traced Result's history changed when the next run reused the pool", isolate != nil, traced.Spec)
				}
			}
		}
	}
	cfg := config(t, "kv-random", "swarm", 0)
	cfg.Pool = pool
	if r := FailedRun(cfg, kvsim.Panic, "boom", ""); r.config.Pool != nil {
		t.Error("FailedRun's Result keeps the pool")
	}
}

func historyText(r Result) []string {
	var out []string
	for _, op := range r.KVHistory {
		out = append(out, op.Input.Key+"="+op.Input.Value+"->"+op.Output.Value)
	}
	return out
}
