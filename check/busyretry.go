package check

import (
	"fmt"
	"time"

	"github.com/kvsim/kvsim/models"
)

// BusyRetry: a Clerk that resends without waiting. Over a network that
// answers at once (a cluster's servers saying ErrWrongLeader while an
// election runs, a lost message failing its call at once), such a Clerk
// sends hundreds of RPCs a second for one operation and keeps every
// server busy answering them. The lab's contract allows it, and
// nothing of the history shows it, so it is a warning, never a failure:
// an operation that sent at least BusyRetryMin RPCs at more than
// BusyRetryRate a second of its duration.
type BusyRetry struct{}

const (
	// BusyRetryMin is how many RPCs an operation sends before its rate
	// is judged: a few quick resends are what a Clerk is for.
	BusyRetryMin = 50
	// BusyRetryRate is the rate past which resends are busy: a Clerk
	// that waits 50ms after a round of 7 servers sends 140 a second at
	// most, one that waits 5ms after each call 200; one that never waits
	// sends 350 while an election runs on the simulated network.
	BusyRetryRate = 250
)

// WarnBusyRetry names the warning.
const WarnBusyRetry = "clerk-busy-retry"

func (BusyRetry) Name() string { return "busy retry" }

func (BusyRetry) Check(r *Recording, o *Outcome) {
	var w *Warning
	for i := range r.KV {
		op := &r.KV[i]
		if op.Output.Unknown {
			continue
		}
		n := int(r.Ops[i].to - r.Ops[i].from)
		took := time.Duration(op.Return - op.Call)
		if n < BusyRetryMin || float64(n) <= BusyRetryRate*took.Seconds() {
			continue
		}
		if w == nil {
			o.Warnings = append(o.Warnings, Warning{Name: WarnBusyRetry,
				Text: fmt.Sprintf("%s: %s sent %d RPCs in %v, %.0f a second: the Clerk resends without waiting", r.Clients[op.Client], describe(op.Input), n, took, float64(n)/took.Seconds())})
			w = &o.Warnings[len(o.Warnings)-1]
		}
		w.Count++
	}
}

// describe names an operation as the Clerk was called.
func describe(in models.KVInput) string {
	if in.Op == models.OpGet {
		return fmt.Sprintf("Get(%q)", in.Key)
	}
	return fmt.Sprintf("Put(%q, %q, %d)", in.Key, in.Value, in.Version)
}
