package check

import (
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
)

// TestBusyRetry: an operation that sent many RPCs fast is warned of, one
// that sent as many slowly, or few fast, is not; never a failure.
func TestBusyRetry(t *testing.T) {
	for _, c := range []struct {
		name  string
		rpcs  int
		took  time.Duration
		warns bool
	}{
		{"no wait", 120, 300 * time.Millisecond, true},
		{"a pause between rounds", 120, time.Second, false},
		{"few resends, fast", BusyRetryMin - 1, 10 * time.Millisecond, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &Recording{Clients: []string{"c0"}}
			r.KV = []models.KVOp{{Input: models.KVInput{Op: models.OpGet, Key: "k"}, Output: models.KVOutput{Err: rpc.ErrNoKey}, Call: 0, Return: int64(c.took)}}
			for range c.rpcs {
				r.attempts = append(r.attempts, models.Attempt{Replied: true, Err: rpc.ErrWrongLeader})
			}
			r.Ops = []OpInfo{{from: 0, to: int32(c.rpcs)}}
			o := run(r, BusyRetry{})
			if len(o.Findings) != 0 {
				t.Fatalf("findings %+v: a busy retry is a warning only", o.Findings)
			}
			if got := len(o.Warnings) == 1 && o.Warnings[0].Name == WarnBusyRetry && strings.Contains(o.Warnings[0].Text, `c0: Get("k") sent`); got != c.warns {
				t.Errorf("warnings %+v, want a %s warning: %v", o.Warnings, WarnBusyRetry, c.warns)
			}
		})
	}
}
