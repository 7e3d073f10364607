package models

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// validWitness checks a key's order in linear time: the model accepts the
// operations in that order, and no operation comes after one that was
// called after it returned.
func validWitness(ops []KVOp, keyOps, order []int) error {
	var states any = kvStates{{}}
	maxCall := int64(negInf)
	for k, pos := range order {
		op := ops[keyOps[pos]]
		ret := op.Return
		if op.Output.Unknown {
			ret = posInf
		}
		if maxCall > ret {
			return fmt.Errorf("position %d: %s returns at %d, before an earlier op was called at %d", k, describeKV(op.Input, op.Output), ret, maxCall)
		}
		maxCall = max(maxCall, op.Call)
		var ok bool
		if ok, states = stepKV(states, op.Input, op.Output); !ok {
			return fmt.Errorf("position %d: the model refuses %s", k, describeKV(op.Input, op.Output))
		}
	}
	return nil
}

// witnesses checks the witness of every key of a linearizable history.
func witnesses(t interface{ Fatalf(string, ...any) }, ops []KVOp) {
	byKey := map[string][]int{}
	for i := range ops {
		byKey[ops[i].Input.Key] = append(byKey[ops[i].Input.Key], i)
	}
	for key, keyOps := range byKey {
		var recs []kvRec
		for _, i := range keyOps {
			if rec, keep, _ := classify(&ops[i], i); keep {
				recs = append(recs, rec)
			}
		}
		sortRecs(recs, nil)
		order, ok := witnessOrder(ops, keyOps, recs)
		if !ok {
			t.Fatalf("key %s: no witness for\n%s", key, FormatKV(ops))
		}
		if err := validWitness(ops, keyOps, order); err != nil {
			t.Fatalf("key %s: %v in\n%s", key, err, FormatKV(ops))
		}
	}
}

func TestWitness(t *testing.T) {
	found := 0
	for seed := uint64(0); found < 20_000; seed++ {
		rng := rand.New(rand.NewPCG(seed, 13))
		ops := genHistory(rng.IntN, 6, 20)
		if CheckKV(ops, 0).Verdict != Ok {
			continue
		}
		found++
		witnesses(t, ops)
	}
	for seed := range uint64(5) {
		witnesses(t, genKV(seed, 30, 2000, 3))
		ops, _ := genHot(seed, 200, 20_000)
		witnesses(t, ops)
	}
}

// TestWitnessInfo: porcupine confirms the fast path's linearization of a
// 30-client history by replaying it, and Longest gives it back complete.
func TestWitnessInfo(t *testing.T) {
	ops := genKV(3, 30, 450, 3)
	r := CheckKV(ops, 0)
	if r.Verdict != Ok {
		t.Fatalf("%v: %s", r.Verdict, r.Reason)
	}
	if _, _, ok := witnessInfo(ops, 0); !ok {
		t.Fatal("porcupine did not confirm the witness")
	}
	total := 0
	for _, l := range r.Longest() {
		total += len(l)
	}
	if total != len(ops) {
		t.Errorf("Longest covers %d of %d ops", total, len(ops))
	}
}
