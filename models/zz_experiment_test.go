package models

import (
	"testing"

	"github.com/anishathalye/porcupine"
	"github.com/kvsim/kvsim/kv/rpc"
)

func nondetKV(withHash bool) porcupine.Model {
	nm := porcupine.NondeterministicModel{
		Partition: partitionKV,
		Init:      func() []any { return []any{kvState{}} },
		Step: func(state, input, output any) []any {
			s, in, out := state.(kvState), input.(KVInput), output.(KVOutput)
			switch in.Op {
			case OpGet:
				if out.Unknown {
					return []any{s}
				}
				switch out.Err {
				case rpc.OK:
					if out.Version != 0 && s == (kvState{out.Value, out.Version}) {
						return []any{s}
					}
				case rpc.ErrNoKey:
					if s.Version == 0 {
						return []any{s}
					}
				}
				return nil
			case OpPut:
				match := s.Version == in.Version
				applied := kvState{in.Value, in.Version + 1}
				switch {
				case out.Unknown || out.Err == rpc.ErrMaybe:
					if match {
						return []any{s, applied}
					}
					return []any{s}
				case out.Err == rpc.OK:
					if match {
						return []any{applied}
					}
				case out.Err == rpc.ErrVersion:
					if s.Version != 0 && !match {
						return []any{s}
					}
				case out.Err == rpc.ErrNoKey:
					if s.Version == 0 && !match {
						return []any{s}
					}
				}
			}
			return nil
		},
	}
	if withHash {
		nm.Hash = func(s any) uint64 { return hashKV(kvStates{s.(kvState)}) }
	}
	return nm.ToModel()
}

func benchModel(b *testing.B, model porcupine.Model) {
	ops := genKV(1, 5, 200, 5)
	history := make([]porcupine.Operation, len(ops))
	unknown := make([]bool, len(ops))
	for i, op := range ops {
		history[i] = porcupine.Operation{ClientId: op.Client, Input: op.Input, Output: op.Output, Call: op.Call, Return: op.Return}
		unknown[i] = op.Output.Unknown
	}
	returnUnknownLast("x", history, unknown)
	for b.Loop() {
		if res, _ := porcupine.CheckOperationsVerbose(model, history, 0); res != porcupine.Ok {
			b.Fatal(res)
		}
	}
}

func BenchmarkXPowerSetHash(b *testing.B) { benchModel(b, KVModel()) }
func BenchmarkXPowerSetNoHash(b *testing.B) {
	m := KVModel()
	m.Hash = nil
	benchModel(b, m)
}
func BenchmarkXNondetHash(b *testing.B)   { benchModel(b, nondetKV(true)) }
func BenchmarkXNondetNoHash(b *testing.B) { benchModel(b, nondetKV(false)) }
