package models

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/kvsim/kvsim/kv/rpc"
)

// hardHistory cannot be decided in any reasonable time: n Puts whose replies
// never came, each of which may or may not have taken effect, come before a
// Get that no state explains. Porcupine must try every subset and order of
// the Puts before it can call the history a violation.
func hardHistory(n int) []KVOp {
	ops := make([]KVOp, 0, n+1)
	for i := range n {
		ops = append(ops, KVOp{
			Client: i,
			Input:  KVInput{Op: OpPut, Key: "k", Value: fmt.Sprint(i), Version: rpc.Tversion(i)},
			Output: KVOutput{Unknown: true},
		})
	}
	return append(ops, KVOp{
		Client: n,
		Input:  KVInput{Op: OpGet, Key: "k"},
		Output: KVOutput{Value: "never", Version: 1000, Err: rpc.OK},
		Call:   1, Return: 2,
	})
}

// TestTimeoutIsUnknown relies on porcupine's timer, so it is deterministic
// only because the history could never be decided before the timer fires.
func TestTimeoutIsUnknown(t *testing.T) {
	r := CheckKVPorcupine(hardHistory(64), time.Nanosecond)
	if r.Verdict != Unknown {
		t.Fatalf("verdict %v, want Unknown; reason: %s", r.Verdict, r.Reason)
	}
	if !strings.Contains(r.Reason, "timed out") {
		t.Errorf("reason %q does not mention the timeout", r.Reason)
	}
	if err := r.Visualize(&bytes.Buffer{}, nil); err != nil {
		t.Errorf("Visualize after a timeout: %v", err)
	}
}

func TestZeroVerdictIsNotAPass(t *testing.T) {
	var r CheckResult
	if r.Verdict != Unknown {
		t.Errorf("zero Verdict is %v, want Unknown", r.Verdict)
	}
	if err := r.Visualize(&bytes.Buffer{}, nil); err == nil {
		t.Error("Visualize of a zero Result succeeded")
	}
}

func TestVisualize(t *testing.T) {
	ops, err := ParseKV(`
		c0 [1,2] put(k1, "a", v0) -> OK
		c1 [3,?] put(k1, "b", v1) -> ?
		c0 [3,4] get(k1) -> "b"@v2`)
	if err != nil {
		t.Fatal(err)
	}
	r := CheckKV(ops, 0)
	if r.Verdict != Ok {
		t.Fatalf("verdict %v: %s", r.Verdict, r.Reason)
	}
	annotations := []porcupine.Annotation{{Tag: "network", Start: 2, End: 3, Description: "partition k1-server"}}
	for range 2 { // annotations from one call must not leak into the next
		var b bytes.Buffer
		if err := r.Visualize(&b, annotations); err != nil {
			t.Fatal(err)
		}
		html := b.String()
		for _, want := range []string{`put(k1, \"b\", v1) -\u003e ?`, `\"b\"@v2`, "partition k1-server"} {
			if !strings.Contains(html, want) {
				t.Errorf("visualization lacks %s", want)
			}
		}
		if n := strings.Count(html, "partition k1-server"); n != 1 {
			t.Errorf("annotation appears %d times, want 1", n)
		}
	}
	for _, r := range []CheckResult{CheckKV(nil, 0), CheckLock(nil, 0)} {
		if r.Verdict != Ok {
			t.Errorf("empty history: %v: %s", r.Verdict, r.Reason)
		}
		if err := r.Visualize(&bytes.Buffer{}, nil); err != nil {
			t.Errorf("Visualize of an empty history: %v", err)
		}
	}
}

func TestMalformedHistoriesPanic(t *testing.T) {
	tests := []struct {
		name  string
		check func()
	}{
		{"kv op without a kind", func() { CheckKV([]KVOp{{Call: 1, Return: 2}}, 0) }},
		{"kv return before call", func() {
			CheckKV([]KVOp{{Input: KVInput{Op: OpGet}, Output: KVOutput{Err: rpc.ErrNoKey}, Call: 2, Return: 1}}, 0)
		}},
		{"lock op without an owner", func() { CheckLock([]LockOpRecord{{Input: LockInput{Op: LockAcquire}}}, 0) }},
		{"no room for infinity", func() {
			CheckLock([]LockOpRecord{{Input: LockInput{Op: LockAcquire, Owner: "a"}, Call: 1, Return: 1<<63 - 1}}, 0)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tt.check()
		})
	}
}

func TestUnknownReturnsComeLast(t *testing.T) {
	history := []porcupine.Operation{{Call: 5, Return: 9}, {Call: 12, Return: 3}, {Call: 7, Return: 8}}
	returnUnknownLast("test", history, []bool{false, true, false})
	if got := history[1].Return; got != 13 {
		t.Errorf("unknown return %d, want 13 (after the last call, 12)", got)
	}
}

// TestVisualizeFastViolation draws a violation the fast path decided:
// porcupine's data for the picture is computed only then.
func TestVisualizeFastViolation(t *testing.T) {
	ops, err := ParseKV(`
		c0 [10,20] put(k, "a", v0) -> OK
		c1 [30,40] put(k, "b", v1) -> OK
		c2 [52,60] get(k) -> "a"@v1`)
	if err != nil {
		t.Fatal(err)
	}
	r := CheckKV(ops, 0)
	if r.Verdict != Violation || r.Checker != CheckerFast {
		t.Fatalf("%v by %s: %s", r.Verdict, r.Checker, r.Reason)
	}
	var b bytes.Buffer
	if err := r.Visualize(&b, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`get(k) -\u003e \"a\"@v1`, "violation core", `c1: put(k, \"b\", v1) -\u003e OK`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("visualization lacks %s", want)
		}
	}
}
