package scenarios

import (
	"testing"

	"github.com/kvsim/kvsim/sim"
)

// TestPoolLentNotKept: runs that borrow a pool hash as
// runs that do not, and no Result keeps the pool, since whoever replays it
// later may do so on another goroutine.
func TestPoolLentNotKept(t *testing.T) {
	pool := &sim.Pool{}
	defer pool.Close()
	inProcess := Impl{Name: "isolated", Isolate: func(cfg Config, run func() Result) Result { return run() }}
	for _, impl := range []Impl{{}, inProcess} {
		for seed := range uint64(5) {
			cfg := config(t, "kv-random", "swarm", seed)
			cfg.Impl = impl
			want := Run(cfg)
			cfg.Pool = pool
			got := Run(cfg)
			if got.TraceHash != want.TraceHash {
				t.Errorf("%s %s: hash %s with a pool, %s without", impl.Name, got.Spec, got.TraceHash, want.TraceHash)
			}
			if got.config.Pool != nil {
				t.Errorf("%s %s: the Result keeps the pool", impl.Name, got.Spec)
			}
		}
	}
	cfg := config(t, "kv-random", "swarm", 0)
	cfg.Pool = pool
	if r := FailedRun(cfg, VerdictPanic, "boom", ""); r.config.Pool != nil {
		t.Error("FailedRun's Result keeps the pool")
	}
}
