package models

import (
	"slices"
	"strings"
	"testing"

	"github.com/kvsim/kvsim/kv/rpc"
)

func TestExplain(t *testing.T) {
	tests := []struct {
		name, history string
		core          []int
		reason        string
	}{
		{
			name: "stale read",
			history: `
				c0 [10,20] put(k, "a", v0) -> OK
				c1 [30,40] put(k, "b", v1) -> OK
				c2 [52,60] get(k) -> "a"@v1`,
			core:   []int{1, 2},
			reason: `key k is not linearizable: put(k, "b", v1) -> OK returned at t=40 before get(k) -> "a"@v1 was called at t=52: the get saw a state already overwritten`,
		},
		{
			name: "read from the future",
			history: `
				c0 [1,2] get(k) -> "a"@v1
				c1 [5,6] put(k, "a", v0) -> OK`,
			core:   []int{0, 1},
			reason: `key k is not linearizable: get(k) -> "a"@v1 returned at t=2 before put(k, "a", v0) -> OK was called at t=5: the get saw a version not yet written`,
		},
		{
			name: "ErrVersion while the version matched",
			history: `
				c0 [1,2] put(k, "a", v0) -> OK
				c1 [3,4] put(k, "b", v1) -> ErrVersion
				c0 [5,6] put(k, "c", v1) -> OK`,
			core:   []int{1, 2},
			reason: `key k is not linearizable: put(k, "b", v1) -> ErrVersion returned at t=4 before put(k, "c", v1) -> OK was called at t=5: until then the key was absent or at version 1, and the put cannot have failed with ErrVersion`,
		},
		{
			name: "ErrNoKey after creation",
			history: `
				c0 [1,2] put(k, "a", v0) -> OK
				c1 [3,4] get(k) -> ErrNoKey`,
			core:   []int{0, 1},
			reason: `key k is not linearizable: put(k, "a", v0) -> OK returned at t=2 before get(k) -> ErrNoKey was called at t=3: the key already existed`,
		},
		{
			name: "a read goes back in time",
			history: `
				c0 [1,2] put(k, "a", v0) -> OK
				c0 [3,4] put(k, "b", v1) -> OK
				c1 [5,6] get(k) -> "b"@v2
				c2 [7,8] get(k) -> "a"@v1`,
			core:   []int{1, 3},
			reason: `key k is not linearizable: put(k, "b", v1) -> OK returned at t=4 before get(k) -> "a"@v1 was called at t=7: the get saw a state already overwritten`,
		},
		{
			name: "ErrVersion while the version matched, and nothing came after",
			history: `
				c0 [1,2] put(k, "a", v0) -> OK
				c1 [3,4] put(k, "b", v1) -> ErrVersion`,
			core:   []int{1},
			reason: `key k is not linearizable: put(k, "b", v1) -> ErrVersion [3,4] was called after the key reached version 1, and no put at v1 took effect: it should have succeeded`,
		},
		{
			name: "reads out of order, with no write between them",
			history: `
				c1 [5,6] get(k) -> "b"@v2
				c2 [7,8] get(k) -> "a"@v1`,
			core:   []int{0, 1},
			reason: `key k is not linearizable: get(k) -> "b"@v2 returned at t=6 before get(k) -> "a"@v1 was called at t=7: the later read saw an older version`,
		},
		{
			name: "ErrNoKey after ErrVersion",
			history: `
				c1 [3,4] put(k, "b", v3) -> ErrVersion
				c2 [5,6] put(k, "c", v2) -> ErrNoKey`,
			core:   []int{0, 1},
			reason: `key k is not linearizable: put(k, "b", v3) -> ErrVersion returned at t=4 before put(k, "c", v2) -> ErrNoKey was called at t=5: ErrVersion means the key existed, and nothing removes a key`,
		},
		{
			name: "an ErrMaybe put that must have taken effect",
			history: `
				c0 [1,5] put(k, "x1", v0) -> ErrMaybe
				c1 [8,10] get(k) -> ErrNoKey
				c1 [11,12] get(k) -> "x1"@v1`,
			core:   []int{0, 1, 2},
			reason: `key k is not linearizable: put(k, "x1", v0) -> ErrMaybe returned at t=5 before get(k) -> ErrNoKey was called at t=8: the key already existed (put(k, "x1", v0) -> ErrMaybe took effect: get(k) -> "x1"@v1 needs version 1, and no other put at v0 can have made it)`,
		},
		{
			name: "every possible writer came too late",
			history: `
				c2 [2,5] get(k) -> "x1"@v1
				c1 [23,23] put(k, "x1", v0) -> ErrMaybe
				c0 [23,27] put(k, "x1", v0) -> ErrMaybe`,
			core:   []int{0, 1, 2},
			reason: `key k is not linearizable: get(k) -> "x1"@v1 returned at t=5, before any of the 2 puts that can have written "x1" at v0 was called (the first at t=23): the get saw a version not yet written`,
		},
		{
			name: "lost update",
			history: `
				c0 [1,2] put(k, "a", v0) -> OK
				c1 [3,6] put(k, "b", v1) -> OK
				c2 [4,7] put(k, "c", v1) -> OK`,
			core:   []int{1, 2},
			reason: `key k is not linearizable: put(k, "b", v1) -> OK [3,6] and put(k, "c", v1) -> OK [4,7] both succeeded, but only one put can move the key from version 1`,
		},
		{
			name:    "a version nobody wrote",
			history: `c0 [1,2] get(k) -> "a"@v7`,
			core:    []int{0},
			reason:  `key k is not linearizable: get(k) -> "a"@v7 [1,2] needs a put at v0, and there is none in the history`,
		},
		{
			name: "the only possible writer wrote another value",
			history: `
				c0 [1,2] put(k, "a", v0) -> ErrMaybe
				c1 [3,4] get(k) -> "b"@v1`,
			core:   []int{0, 1},
			reason: `key k is not linearizable: get(k) -> "b"@v1 [3,4] read "b" at version 1, but the only put that may have made that version is put(k, "a", v0) -> ErrMaybe [1,2]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops, err := ParseKV(tt.history)
			if err != nil {
				t.Fatal(err)
			}
			r := CheckKV(ops, 0)
			if r.Verdict != Violation || r.Reason != tt.reason || !slices.Equal(r.Core, tt.core) {
				t.Errorf("got %v, core %v: %s\nwant Violation, core %v: %s", r.Verdict, r.Core, r.Reason, tt.core, tt.reason)
			}
		})
	}
}

// TestShrinkLongHistory breaks one read in a long concurrent history: the
// core must be a few operations, the same on every run.
func TestShrinkLongHistory(t *testing.T) {
	for seed := range uint64(20) {
		ops := genKV(seed, 20, 2000, 2)
		// Make a late Get read the first value ever written to its key.
		g := -1
		for i := len(ops) - 1; i >= 0 && g < 0; i-- {
			if ops[i].Input.Op == OpGet && ops[i].Output.Err == rpc.OK && ops[i].Output.Version > 3 {
				g = i
			}
		}
		ops[g].Output.Version = 1
		r := CheckKV(ops, 0)
		if r.Verdict != Violation || len(r.Core) == 0 || len(r.Core) > 4 {
			t.Fatalf("seed %d: %v, core %v: %s", seed, r.Verdict, r.Core, r.Reason)
		}
		core := make([]KVOp, len(r.Core))
		for i, id := range r.Core {
			core[i] = ops[id]
		}
		if p := CheckKVPorcupine(core, 0); p.Verdict != Violation {
			t.Fatalf("seed %d: core is linearizable:\n%s", seed, FormatKV(core))
		}
		if again := CheckKV(ops, 0); !slices.Equal(again.Core, r.Core) || again.Reason != r.Reason {
			t.Fatalf("seed %d: second run differs: %v %s", seed, again.Core, again.Reason)
		}
	}
}

// TestExplainPorcupine: when porcupine decided, Explain reads the reason
// off its longest partial linearization: the last operation it ordered,
// the Put that set the state it ended in, and the operations that could
// come next, each named by the caller's label, with the state in words.
// A fast result explains itself; a pass explains nothing.
func TestExplainPorcupine(t *testing.T) {
	ops, err := ParseKV(`
c0 [0,10] put(a, "x", v0) -> OK
c1 [20,30] put(a, "y", v0) -> OK
c2 [40,50] get(a) -> "y"@v2
c3 [0,5] get(b) -> ErrNoKey
`)
	if err != nil {
		t.Fatal(err)
	}
	label := func(i int) string { return "op" + string(rune('0'+i)) }
	core, why := CheckKVPorcupine(ops, 0).Explain(ops, label)
	if !slices.Equal(core, []int{0, 1}) {
		t.Errorf("core = %v, want [0 1] (the put that created a, and the put that could not follow it)", core)
	}
	for _, want := range []string{"Key a: the checker could order only 1 of its 3 operations", "After the last of them, op0,", `"x"@v1`, "could come next (op1)"} {
		if !strings.Contains(why, want) {
			t.Errorf("reason %q lacks %q", why, want)
		}
	}
	first, err := ParseKV(`c0 [0,10] get(a) -> "x"@v1`)
	if err != nil {
		t.Fatal(err)
	}
	core, why = CheckKVPorcupine(first, 0).Explain(first, label)
	if !slices.Equal(core, []int{0}) || !strings.Contains(why, "Key a: no operation on it can come first") {
		t.Errorf("a first read of nothing: core %v, %q", core, why)
	}
	fast := CheckKV(ops, 0)
	if core, why := fast.Explain(ops, label); !slices.Equal(core, fast.Core) || why != fast.Reason {
		t.Errorf("a fast result explains itself as %v %q, want %v %q", core, why, fast.Core, fast.Reason)
	}
	if core, why := CheckKV(ops[3:], 0).Explain(ops[3:], label); core != nil || why != "" {
		t.Errorf("a linearizable history explained: %v %q", core, why)
	}
}
