package check

import (
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/models"
)

// clock is a manual clock: it reads what the test set.
type clock struct{ t time.Duration }

func (c *clock) Now() time.Duration { return c.t }

// run runs checks on r and returns what they found.
func run(r *Recording, checks ...Check) *Outcome {
	var o Outcome
	Registry(checks).Run(r, &o)
	return &o
}

// history parses a text history (models.ParseKV), every op ending in the
// order it is listed unless its Return says otherwise, with one attempt
// per op that replied with what it returned.
func history(t *testing.T, text string) *Recording {
	t.Helper()
	ops, err := models.ParseKV(text)
	if err != nil {
		t.Fatal(err)
	}
	r := &Recording{KV: ops, Ops: make([]OpInfo, len(ops))}
	for i, op := range ops {
		r.Clients = grow(r.Clients, op.Client)
		if op.Output.Unknown {
			continue
		}
		from := int32(len(r.attempts))
		r.attempts = append(r.attempts, models.Attempt{Replied: true, Err: op.Output.Err, Value: op.Output.Value, Version: op.Output.Version})
		r.Ops[i] = OpInfo{from: from, to: from + 1, end: moment{at: op.Return, seq: uint64(i + 1)}}
	}
	return r
}

// grow makes names long enough to name client c, as c0, c1, ...
func grow(names []string, c int) []string {
	for len(names) <= c {
		names = append(names, "c"+string(rune('0'+len(names))))
	}
	return names
}

// only returns the one finding of o, failing unless there is exactly one
// and its reason holds want.
func only(t *testing.T, o *Outcome, verdict kvsim.Verdict, want string) Finding {
	t.Helper()
	if len(o.Findings) != 1 {
		t.Fatalf("findings %+v, want one %s with %q", o.Findings, verdict, want)
	}
	f := o.Findings[0]
	if f.Verdict != verdict || !strings.Contains(f.Reason, want) {
		t.Fatalf("finding %s %q, want %s with %q", f.Verdict, f.Reason, verdict, want)
	}
	return f
}

// none fails if o holds a finding.
func none(t *testing.T, o *Outcome) {
	t.Helper()
	if len(o.Findings) > 0 {
		t.Fatalf("findings %+v, want none", o.Findings)
	}
}
