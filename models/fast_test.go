package models

import (
	"cmp"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/kvsim/kvsim/kv/rpc"
)

// draw returns a choice in [0, n). Seeded generators, rapid and fuzzer
// bytes all drive the same history generator through it.
type draw func(n int) int

// genSmall returns a small history for differential testing: a sequential
// store applies each client's operations at a point inside their interval
// (so the history starts linearizable), values repeat, versions are fresh,
// stale or ahead, some outcomes become ErrMaybe or Unknown, and then up to
// two mutations may break it: operations reordered in time, a stale or
// invented read, a double apply, a wrong error, a lost outcome.
func genSmall(d draw) []KVOp { return genHistory(d, 4, 12) }

// genHistory is genSmall with up to the given numbers of clients and ops.
func genHistory(d draw, maxClients, maxOps int) []KVOp {
	clients, n, keys, values := 1+d(maxClients), 1+d(maxOps), 1+d(2), 1+d(3)
	// Two in three histories are heavy with ErrMaybe and Unknown Puts, which
	// give the checker choices of which Put made a version.
	lost := []int{8, 4, 2}[d(3)]
	ops := make([]KVOp, n)
	at := make([]int64, n)
	free := make([]int64, clients)
	for i := range ops {
		c := d(clients)
		call := free[c] + int64(d(3))
		at[i] = call + int64(d(4))
		ret := at[i] + int64(d(4))
		free[c] = ret + 1
		ops[i] = KVOp{Client: c, Call: call, Return: ret}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(at[a], at[b]) })
	state := make([]kvState, keys)
	for _, i := range order {
		k := d(keys)
		key, cur := fmt.Sprintf("k%d", k), state[k]
		if d(2) == 0 {
			ops[i].Input = KVInput{Op: OpGet, Key: key}
			ops[i].Output = KVOutput{Value: cur.Value, Version: cur.Version, Err: rpc.OK}
			if cur.Version == 0 {
				ops[i].Output = KVOutput{Err: rpc.ErrNoKey}
			}
			continue
		}
		v := cur.Version
		switch d(5) {
		case 0:
			v += rpc.Tversion(1 + d(2))
		case 1:
			v -= min(v, rpc.Tversion(1+d(2)))
		}
		in := KVInput{Op: OpPut, Key: key, Value: fmt.Sprintf("x%d", d(values)), Version: v}
		ops[i].Input = in
		switch {
		case v == cur.Version:
			state[k] = kvState{in.Value, v + 1}
			ops[i].Output.Err = rpc.OK
		case cur.Version == 0:
			ops[i].Output.Err = rpc.ErrNoKey
		default:
			ops[i].Output.Err = rpc.ErrVersion
		}
		switch d(lost) {
		case 0:
			if ops[i].Output.Err != rpc.ErrNoKey {
				ops[i].Output.Err = rpc.ErrMaybe
			}
		case 1:
			ops[i].Output = KVOutput{Unknown: true}
		}
	}
	for range d(3) {
		mutate(ops, d)
	}
	return ops
}

func mutate(ops []KVOp, d draw) {
	i, j := d(len(ops)), d(len(ops))
	op := &ops[i]
	switch d(7) {
	case 0: // reorder: swap two operations' intervals
		ops[i].Call, ops[j].Call = ops[j].Call, ops[i].Call
		ops[i].Return, ops[j].Return = ops[j].Return, ops[i].Return
		for _, k := range []int{i, j} {
			if ops[k].Return < ops[k].Call {
				ops[k].Return = ops[k].Call
			}
		}
	case 1: // a stale or invented read
		*op = KVOp{Client: op.Client, Call: op.Call, Return: op.Return, Input: KVInput{Op: OpGet, Key: op.Input.Key},
			Output: KVOutput{Value: fmt.Sprintf("x%d", d(3)), Version: rpc.Tversion(d(4)), Err: rpc.OK}}
	case 2: // a double apply: another OK Put at the same version
		if op.Input.Op == OpPut {
			op.Output = KVOutput{Err: rpc.OK}
		}
	case 3: // a wrong error
		op.Output.Err = []rpc.Err{rpc.OK, rpc.ErrNoKey, rpc.ErrVersion, rpc.ErrMaybe}[d(4)]
		op.Output.Unknown = false
	case 4: // a lost outcome
		op.Output = KVOutput{Unknown: true}
	case 5: // times shift
		op.Call += int64(d(5)) - 2
		op.Return = max(op.Call, op.Return+int64(d(5))-2)
	case 6: // a Put at another version
		if op.Input.Op == OpPut {
			op.Input.Version = rpc.Tversion(d(4))
		}
	}
}

// agree checks one history with both checkers; for a pass, that the fast
// path's linearization is valid; for a violation, that the core is a
// porcupine violation.
func agree(t interface{ Fatalf(string, ...any) }, ops []KVOp) {
	fast, slow := CheckKV(ops, 0), CheckKVPorcupine(ops, 0)
	if fast.Verdict != slow.Verdict || fast.Checker != CheckerFast {
		t.Fatalf("fast %v (%s), porcupine %v (%s) on\n%s", fast.Verdict, fast.Reason, slow.Verdict, slow.Reason, FormatKV(ops))
	}
	if fast.Verdict == Ok {
		witnesses(t, ops) // the fast path's own linearization holds too
	}
	if fast.Verdict != Violation {
		return
	}
	if len(fast.Core) == 0 || !slices.IsSorted(fast.Core) {
		t.Fatalf("core %v on\n%s", fast.Core, FormatKV(ops))
	}
	core := make([]KVOp, len(fast.Core))
	for i, id := range fast.Core {
		core[i] = ops[id]
	}
	if r := CheckKVPorcupine(core, 0); r.Verdict != Violation {
		t.Fatalf("core is linearizable:\n%sfrom\n%s", FormatKV(core), FormatKV(ops))
	}
}

var (
	diffN       = flag.Int("diff.n", 100_000, "TestFastAgreesWithPorcupine: number of histories (a tenth under -short)")
	diffOps     = flag.Int("diff.ops", 12, "TestFastAgreesWithPorcupine: at most this many ops per history")
	diffClients = flag.Int("diff.clients", 4, "TestFastAgreesWithPorcupine: at most this many clients per history")
	diffSeed    = flag.Uint64("diff.seed", 0, "TestFastAgreesWithPorcupine: first seed")
)

// TestFastAgreesWithPorcupine compares the checkers on -diff.n seeded
// histories. Longer runs: go test -run FastAgrees -diff.n 10000000 ./models
func TestFastAgreesWithPorcupine(t *testing.T) {
	n := *diffN
	if testing.Short() {
		n /= 10
	}
	var violations int
	for seed := *diffSeed; seed < *diffSeed+uint64(n); seed++ {
		rng := rand.New(rand.NewPCG(seed, 12))
		ops := genHistory(rng.IntN, *diffClients, *diffOps)
		agree(t, ops)
		if CheckKV(ops, 0).Verdict == Violation {
			violations++
		}
	}
	// Both kinds must be common, or the comparison proves little.
	if violations < n/10 || violations > n*9/10 {
		t.Errorf("%d of %d histories violate", violations, n)
	}
}

func TestFastAgreesWithPorcupineRapid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ops := genSmall(func(n int) int { return rapid.IntRange(0, n-1).Draw(t, "d") })
		agree(t, ops)
	})
}

func FuzzFastAgreesWithPorcupine(f *testing.F) {
	f.Add([]byte{3, 7, 1, 2, 0, 5, 9})
	f.Fuzz(func(t *testing.T, data []byte) {
		ops := genSmall(func(n int) int {
			if len(data) == 0 {
				return 0
			}
			b := data[0]
			data = data[1:]
			return int(b) % n
		})
		agree(t, ops)
	})
}

func TestFallbackToPorcupine(t *testing.T) {
	ops, err := ParseKV(`
		c0 [1,2] put(k, "a", v4611686018427387904) -> ErrVersion
		c1 [3,4] get(k) -> ErrNoKey`)
	if err != nil {
		t.Fatal(err)
	}
	r := CheckKV(ops, 0)
	if r.Verdict != Violation || r.Checker != CheckerPorcupine || !strings.Contains(r.Reason, "fast checker cannot decide (key k: version 4611686018427387904 is too large); porcupine: ") {
		t.Errorf("%v by %s: %s", r.Verdict, r.Checker, r.Reason)
	}
}

// TestFallbackOnManySpans gives one version more candidate Puts with
// disjoint intervals than the fast path tracks.
func TestFallbackOnManySpans(t *testing.T) {
	ops := []KVOp{{Client: 0, Input: KVInput{Op: OpGet, Key: "k"}, Output: KVOutput{Value: "a", Version: 1, Err: rpc.OK}, Call: 0, Return: 10 * (maxSpans + 10)}}
	for i := range maxSpans + 1 {
		ops = append(ops, KVOp{Client: 1, Input: KVInput{Op: OpPut, Key: "k", Value: "a"}, Output: KVOutput{Err: rpc.ErrMaybe},
			Call: int64(10 * i), Return: int64(10*i + 1)})
	}
	r := CheckKV(ops, 0)
	if r.Verdict != Ok || r.Checker != CheckerPorcupine || !strings.Contains(r.Reason, "disjoint intervals") {
		t.Errorf("%v by %s: %s", r.Verdict, r.Checker, r.Reason)
	}
}

// TestKVCheckerReused: one KVChecker, reused across histories of every
// size and verdict (few keys and many, violations and not), decides each
// as a fresh CheckKV does, and a verdict's core outlives the next check.
func TestKVCheckerReused(t *testing.T) {
	var c KVChecker
	var kept []CheckResult
	var want [][]int
	for seed := range uint64(2000) {
		rng := rand.New(rand.NewPCG(seed, 13))
		var ops []KVOp
		if seed%10 == 0 {
			ops = genKV(seed, 5, 200, []int{3, 4 * manyKeys}[seed%20/10])
		} else {
			ops = genHistory(rng.IntN, 4, 16)
		}
		got, fresh := c.Check(ops, 0), CheckKV(ops, 0)
		if got.Verdict != fresh.Verdict || got.Reason != fresh.Reason || !slices.Equal(got.Core, fresh.Core) {
			t.Fatalf("seed %d: reused checker %v %q %v, fresh %v %q %v", seed, got.Verdict, got.Reason, got.Core, fresh.Verdict, fresh.Reason, fresh.Core)
		}
		if got.Verdict == Violation {
			kept, want = append(kept, got), append(want, slices.Clone(got.Core))
		}
	}
	for i, r := range kept {
		if !slices.Equal(r.Core, want[i]) {
			t.Fatalf("violation %d: core %v after later checks, %v when returned", i, r.Core, want[i])
		}
	}
	if len(kept) == 0 {
		t.Fatal("no violations among the histories: the test proves little")
	}
}
