package models

import (
	"testing"

	"github.com/anishathalye/porcupine"
)

func benchModelHard(b *testing.B, model porcupine.Model) {
	ops := genKV(3, 30, 400, 1)
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

func BenchmarkYPowerSetHash(b *testing.B) { benchModelHard(b, KVModel()) }
func BenchmarkYPowerSetNoHash(b *testing.B) {
	m := KVModel()
	m.Hash = nil
	benchModelHard(b, m)
}
func BenchmarkYNondetHash(b *testing.B)   { benchModelHard(b, nondetKV(true)) }
func BenchmarkYNondetNoHash(b *testing.B) { benchModelHard(b, nondetKV(false)) }
