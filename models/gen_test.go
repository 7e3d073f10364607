package models

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kvsim/kvsim/kv/rpc"
)

// genKV returns a linearizable history. Each client runs one operation at a
// time; the next operation is issued by the client that became free first,
// so intervals overlap heavily. A sequential server applies every operation
// at a random point inside its interval, in the order of those points. Some
// Puts report ErrMaybe, and each client's last operation may be Unknown.
func genKV(seed uint64, clients, n, keys int) []KVOp {
	rng := rand.New(rand.NewPCG(seed, 0))
	ops := make([]KVOp, n)
	at := make([]int64, n) // linearization points
	free := make([]int64, clients)
	last := make([]int, clients)
	for i := range ops {
		c := 0
		for j := range free {
			if free[j] < free[c] {
				c = j
			}
		}
		call := free[c] + 1 + rng.Int64N(5)
		at[i] = call + rng.Int64N(20)
		ret := at[i] + rng.Int64N(20)
		free[c], last[c] = ret, i
		ops[i] = KVOp{Client: c, Call: call, Return: ret}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(at[a], at[b]) })

	server := make(map[string]kvState)
	for _, i := range order {
		key := fmt.Sprintf("k%d", rng.IntN(keys))
		cur := server[key]
		if rng.IntN(2) == 0 {
			ops[i].Input = KVInput{Op: OpGet, Key: key}
			ops[i].Output = KVOutput{Value: cur.Value, Version: cur.Version, Err: rpc.OK}
			if cur.Version == 0 {
				ops[i].Output = KVOutput{Err: rpc.ErrNoKey}
			}
			continue
		}
		in := KVInput{Op: OpPut, Key: key, Value: fmt.Sprintf("x%d", i), Version: cur.Version}
		if rng.IntN(5) == 0 {
			in.Version += rpc.Tversion(1 + rng.IntN(2))
		}
		ops[i].Input = in
		switch {
		case in.Version == cur.Version:
			server[key] = kvState{in.Value, in.Version + 1}
			ops[i].Output.Err = rpc.OK
		case cur.Version == 0:
			ops[i].Output.Err = rpc.ErrNoKey
		default:
			ops[i].Output.Err = rpc.ErrVersion
		}
		if ops[i].Output.Err != rpc.ErrNoKey && rng.IntN(10) == 0 {
			ops[i].Output.Err = rpc.ErrMaybe
		}
	}
	for _, i := range last {
		if rng.IntN(2) == 0 {
			ops[i].Output, ops[i].Return = KVOutput{Unknown: true}, 0
		}
	}
	return ops
}

func TestGeneratedHistories(t *testing.T) {
	for seed := range uint64(50) {
		keys := 5
		if seed%2 == 1 {
			keys = 4 * manyKeys // past the key index's list
		}
		ops := genKV(seed, 5, 200, keys)
		if r := CheckKV(ops, 0); r.Verdict != Ok {
			t.Fatalf("seed %d: generated history: %v: %s", seed, r.Verdict, r.Reason)
		}
		// No state ever has version 1000, so a Get claiming it is a violation.
		i := slices.IndexFunc(ops, func(op KVOp) bool { return op.Input.Op == OpGet && op.Output.Err == rpc.OK })
		ops[i].Output.Version = 1000
		if r := CheckKV(ops, 0); r.Verdict != Violation {
			t.Fatalf("seed %d: corrupted history: %v: %s", seed, r.Verdict, r.Reason)
		}
	}
}

func BenchmarkCheckKV(b *testing.B) {
	ops := genKV(1, 5, 200, 5)
	for b.Loop() {
		if r := CheckKV(ops, 0); r.Verdict != Ok {
			b.Fatalf("%v: %s", r.Verdict, r.Reason)
		}
	}
}
