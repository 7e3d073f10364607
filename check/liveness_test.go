package check

import (
	"testing"
	"time"

	"github.com/kvsim/kvsim"
)

func TestLiveness(t *testing.T) {
	none(t, run(&Recording{}, Liveness{}))
	stuck := Stall{Stuck: true, Since: 2 * time.Second, Window: 10 * time.Second, At: 12 * time.Second, Where: "c1 waits in Call"}
	only(t, run(&Recording{Stall: stuck}, Liveness{}), kvsim.Stuck, "liveness: faults stopped at 2s but the run had not finished 10s later: c1 waits in Call")
	stopped := Stall{Stuck: true, Since: 2 * time.Second, Window: 10 * time.Second, Progress: 5 * time.Second, Deadline: 15 * time.Second, At: 15 * time.Second, Where: "c1 waits in Call"}
	only(t, run(&Recording{Stall: stopped}, Liveness{}), kvsim.Stuck, "liveness: faults stopped at 2s; no operation completed in the 10s after 5s: c1 waits in Call")
	capped := Stall{Stuck: true, Since: 2 * time.Second, Window: 10 * time.Second, Progress: 61*time.Second + 1234567, Deadline: 62 * time.Second, At: 61*time.Second + 1234567*time.Second, Where: "c1 waits in Call"}
	only(t, run(&Recording{Stall: capped}, Liveness{}), kvsim.Stuck, "liveness: faults stopped at 2s and operations still completed (the last at 1m1.001s), but the run had not finished by 1m2s: c1 waits in Call")
	budget := Stall{Stuck: true, Since: 2 * time.Second, Window: 10 * time.Second, At: time.Second, Where: "step budget exhausted at 1s"}
	if f := only(t, run(&Recording{Stall: budget}, Liveness{}), kvsim.Stuck, ""); f.Reason != budget.Where {
		t.Errorf("a run stopped by its budget before the deadline: %q, want the harness's words alone", f.Reason)
	}
	waiting := Stall{Stuck: true, Window: 5 * time.Second, Waiting: []Waiting{{"c0", "acquire"}, {"c3", "Get(k1)"}}}
	if f := only(t, run(&Recording{Stall: waiting}, Liveness{}), kvsim.Stuck, "liveness: c0 was still in acquire 5s after the deadline"); f.Count != 2 {
		t.Errorf("count %d, want both clients", f.Count)
	}
}
