package check

import (
	"testing"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
)

func TestLinearizability(t *testing.T) {
	ok := history(t, `
c0 [10,20] put(k, "a", v0) -> OK
c1 [30,40] get(k) -> "a"@v1`)
	none(t, run(ok, &Linearizability{}))

	stale := history(t, `
c0 [10,20] put(k, "a", v0) -> OK
c1 [30,40] put(k, "b", v1) -> OK
c2 [52,60] get(k) -> "a"@v1`)
	o := run(stale, &Linearizability{})
	only(t, o, kvsim.Violation, "linearizability: key k is not linearizable")
	if !o.KVChecked || o.KV.Verdict != models.Violation || len(o.KV.Core) == 0 {
		t.Errorf("Outcome.KV = %v (checked %v, core %v), want the violation with its core", o.KV.Verdict, o.KVChecked, o.KV.Core)
	}
}

// TestUnknownIsNoPass: a checker that gives up fails the run as Unknown.
func TestUnknownIsNoPass(t *testing.T) {
	r := history(t, `c0 [10,20] put(k, "a", v0) -> OK`)
	c := &Linearizability{Timeout: time.Second, decide: func([]models.KVOp, time.Duration) models.CheckResult {
		return models.CheckResult{Verdict: models.Unknown, Reason: "gave up"}
	}}
	o := run(r, c)
	only(t, o, kvsim.Unknown, "linearizability check timed out after 1s")
	if f, failed := o.First(); !failed || f.Verdict != kvsim.Unknown || !f.Verdict.Failed() {
		t.Errorf("First = %+v, %v: want an Unknown failure", f, failed)
	}
}

// TestAtLeastOnceView: under at-least-once delivery an ErrVersion Put may
// have been applied (Recording.PutMeans), so a history that reads its
// value is linearizable; the recorded history keeps the ErrVersion.
func TestAtLeastOnceView(t *testing.T) {
	text := `
c0 [0,10] put(k, "a", v0) -> ErrVersion
c1 [20,30] get(k) -> "a"@v1`
	only(t, run(history(t, text), &Linearizability{}), kvsim.Violation, "linearizability")
	r := history(t, text)
	r.PutMeans = func(err rpc.Err) rpc.Err {
		if err == rpc.ErrVersion {
			return rpc.ErrMaybe
		}
		return err
	}
	none(t, run(r, &Linearizability{}))
	if r.KV[0].Output.Err != rpc.ErrVersion {
		t.Errorf("the recorded history became %s, want the Clerk's ErrVersion", r.KV[0].Output.Err)
	}
}

func TestLockModel(t *testing.T) {
	acq := func(c int, owner string, call, ret int64) models.LockOpRecord {
		return models.LockOpRecord{Client: c, Input: models.LockInput{Op: models.LockAcquire, Owner: owner}, Call: call, Return: ret}
	}
	r := &Recording{}
	o := run(r, LockModel{})
	none(t, o)
	if o.Lock != nil {
		t.Error("the lock model ran on a run without a lock")
	}
	r.Locks = []models.LockOpRecord{acq(0, "c0", 1, 2)}
	if o := run(r, LockModel{}); len(o.Findings) > 0 || o.Lock == nil || o.Lock.Verdict != models.Ok {
		t.Errorf("one acquire: %+v", o.Findings)
	}
	r.Locks = append(r.Locks, acq(1, "c1", 3, 4))
	o = run(r, LockModel{})
	only(t, o, kvsim.Violation, "lock linearizability: the lock history is not linearizable")
	if o.Lock == nil || o.Lock.Verdict != models.Violation {
		t.Errorf("Outcome.Lock = %v, want the violation", o.Lock)
	}
}
