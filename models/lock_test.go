package models

import (
	"strings"
	"testing"
)

func TestCheckLock(t *testing.T) {
	acq := func(client int, owner string, call, ret int64) LockOpRecord {
		return LockOpRecord{Client: client, Input: LockInput{Op: LockAcquire, Owner: owner}, Call: call, Return: ret}
	}
	rel := func(client int, owner string, call, ret int64) LockOpRecord {
		return LockOpRecord{Client: client, Input: LockInput{Op: LockRelease, Owner: owner}, Call: call, Return: ret}
	}
	unknown := func(op LockOpRecord) LockOpRecord {
		op.Unknown, op.Return = true, 0
		return op
	}
	tests := []struct {
		name string
		ops  []LockOpRecord
		want CheckVerdict
	}{
		{"empty", nil, Ok},
		{"handoff", []LockOpRecord{
			acq(0, "a", 1, 2), rel(0, "a", 3, 5), acq(1, "b", 2, 6), rel(1, "b", 7, 8), acq(0, "a", 7, 9),
		}, Ok},
		{"two owners overlap", []LockOpRecord{
			acq(0, "a", 1, 2), acq(1, "b", 3, 4), rel(0, "a", 5, 6),
		}, Violation},
		{"release by non-owner", []LockOpRecord{
			acq(0, "a", 1, 2), rel(1, "b", 3, 4),
		}, Violation},
		{"not reentrant", []LockOpRecord{
			acq(0, "a", 1, 2), acq(0, "a", 3, 4),
		}, Violation},
		{"release of a free lock", []LockOpRecord{
			rel(0, "a", 1, 2),
		}, Violation},
		{"unknown acquire took effect", []LockOpRecord{
			unknown(acq(0, "a", 1, 0)), rel(1, "a", 3, 4),
		}, Ok},
		{"unknown acquire did not take effect", []LockOpRecord{
			unknown(acq(0, "a", 1, 0)), acq(1, "b", 2, 3),
		}, Ok},
		{"unknown release took effect", []LockOpRecord{
			acq(0, "a", 1, 2), unknown(rel(0, "a", 3, 0)), acq(1, "b", 4, 5),
		}, Ok},
		{"unknown release did not take effect", []LockOpRecord{
			acq(0, "a", 1, 2), unknown(rel(0, "a", 3, 0)), rel(1, "a", 5, 6),
		}, Ok},
		{"unknown acquire cannot break mutual exclusion", []LockOpRecord{
			unknown(acq(0, "a", 1, 0)), acq(1, "b", 2, 3), acq(2, "c", 4, 5),
		}, Violation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := CheckLock(tt.ops, 0); r.Verdict != tt.want {
				t.Errorf("verdict %v, want %v; reason: %s", r.Verdict, tt.want, r.Reason)
			}
		})
	}
}

func TestLockReason(t *testing.T) {
	ops := []LockOpRecord{
		{Client: 0, Input: LockInput{Op: LockAcquire, Owner: "a"}, Call: 1, Return: 2},
		{Client: 1, Input: LockInput{Op: LockAcquire, Owner: "b"}, Call: 3, Unknown: true},
		{Client: 1, Input: LockInput{Op: LockAcquire, Owner: "b"}, Call: 3, Return: 4},
	}
	r := CheckLock(ops, 0)
	want := `the lock history is not linearizable: only 2 of 3 ops linearize, ending acquire(a); acquire(b) -> ? in state held by a`
	if r.Verdict != Violation || r.Reason != want {
		t.Errorf("got %v: %s\nwant Violation: %s", r.Verdict, r.Reason, want)
	}
}

// TestLocksAtKeysAreIndependent: one owner holding two locks at different
// keys is no violation, and a violation names the lock whose history it is.
func TestLocksAtKeysAreIndependent(t *testing.T) {
	ops := []LockOpRecord{
		{Client: 0, Input: LockInput{Op: LockAcquire, Owner: "a", Key: "la"}, Call: 1, Return: 2},
		{Client: 0, Input: LockInput{Op: LockAcquire, Owner: "a", Key: "lb"}, Call: 3, Return: 4},
		{Client: 0, Input: LockInput{Op: LockRelease, Owner: "a", Key: "lb"}, Call: 5, Return: 6},
		{Client: 0, Input: LockInput{Op: LockRelease, Owner: "a", Key: "la"}, Call: 7, Return: 8},
	}
	if r := CheckLock(ops, 0); r.Verdict != Ok {
		t.Fatalf("nested locks at two keys: %v: %s", r.Verdict, r.Reason)
	}
	ops = append(ops, LockOpRecord{Client: 1, Input: LockInput{Op: LockAcquire, Owner: "b", Key: "lb"}, Call: 1, Return: 4})
	r := CheckLock(ops, 0)
	if r.Verdict != Violation || !strings.Contains(r.Reason, `the lock at "lb"`) {
		t.Fatalf("two holders of lb: %v: %s", r.Verdict, r.Reason)
	}
}
