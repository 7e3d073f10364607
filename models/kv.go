package models

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/anishathalye/porcupine"

	"github.com/kvsim/kvsim/kv/rpc"
)

// kvState is one possible state of a key. Version 0 means absent, as in rpc;
// an absent key's Value is always "".
type kvState struct {
	Value   string
	Version rpc.Tversion
}

func compareKVState(a, b kvState) int {
	return cmp.Or(cmp.Compare(a.Version, b.Version), strings.Compare(a.Value, b.Value))
}

// kvStates is the model's state for one key: every state it may be in.
type kvStates = stateSet[kvState]

// KVModel returns the porcupine model of the versioned key/value service,
// partitioned by key. Inputs are KVInput and outputs KVOutput; an operation
// whose outcome is unknown must have its Return after every other timestamp
// (CheckKV arranges this).
//
// It has no Hash: for a given set of linearized operations a key almost
// always has one possible state, so porcupine's hash of that set already
// separates its cache entries, and hashing states measured slower.
func KVModel() porcupine.Model {
	return porcupine.Model{
		Partition: partitionKV,
		Init:      func() any { return kvStates{{}} },
		Step:      stepKV,
		Equal:     func(a, b any) bool { return slices.Equal(a.(kvStates), b.(kvStates)) },
		DescribeOperation: func(input, output any) string {
			return describeKV(input.(KVInput), output.(KVOutput))
		},
		DescribeState: describeKVStates,
	}
}

// partitionKV splits a history by key, in sorted key order so that reasons
// and visualizations come out the same on every run.
func partitionKV(history []porcupine.Operation) [][]porcupine.Operation {
	return partitionBy(history, func(input any) string { return input.(KVInput).Key })
}

// partitionBy splits a history by the key of each operation's input, in
// key order, so that every run checks the parts in the same order.
func partitionBy(history []porcupine.Operation, key func(input any) string) [][]porcupine.Operation {
	byKey := make(map[string][]porcupine.Operation)
	for _, op := range history {
		k := key(op.Input)
		byKey[k] = append(byKey[k], op)
	}
	parts := make([][]porcupine.Operation, 0, len(byKey))
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		parts = append(parts, byKey[k])
	}
	return parts
}

func stepKV(state, input, output any) (bool, any) {
	states, in, out := state.(kvStates), input.(KVInput), output.(KVOutput)
	var next kvStates
	switch in.Op {
	case OpGet:
		next = stepGet(states, out)
	case OpPut:
		next = stepPut(states, in, out)
	}
	return states.result(state, next)
}

func stepGet(states kvStates, out KVOutput) kvStates {
	if out.Unknown {
		return states
	}
	var seen kvState // what the reply says the key is
	switch out.Err {
	case rpc.OK:
		if out.Version == 0 { // a present key has a version of at least 1
			return nil
		}
		seen = kvState{out.Value, out.Version}
	case rpc.ErrNoKey:
		seen = kvState{}
	default: // ErrMaybe and ErrVersion are Put outcomes only
		return nil
	}
	if !slices.Contains(states, seen) {
		return nil
	}
	if len(states) == 1 {
		return states
	}
	return kvStates{seen}
}

func stepPut(states kvStates, in KVInput, out KVOutput) kvStates {
	// Put applies exactly when versions match; a version of 0 matches an
	// absent key, which the server then creates at version 1.
	matches := func(s kvState) bool { return s.Version == in.Version }
	applied := kvState{in.Value, in.Version + 1}
	switch {
	case out.Unknown || out.Err == rpc.ErrMaybe:
		if slices.ContainsFunc(states, matches) {
			return states.with(applied, compareKVState)
		}
		return states
	case out.Err == rpc.OK:
		if slices.ContainsFunc(states, matches) {
			return kvStates{applied}
		}
		return nil
	case out.Err == rpc.ErrVersion:
		return states.filter(func(s kvState) bool { return s.Version != 0 && !matches(s) })
	case out.Err == rpc.ErrNoKey:
		return states.filter(func(s kvState) bool { return s.Version == 0 && !matches(s) })
	}
	return nil
}

// describeKV renders an operation as it appears in text histories, e.g.
// put(k1, "x", v3) -> OK or get(k1) -> "x"@v4.
func describeKV(in KVInput, out KVOutput) string {
	var b strings.Builder
	switch in.Op {
	case OpGet:
		b.WriteString("get(" + bare(in.Key) + ")")
	case OpPut:
		b.WriteString("put(" + bare(in.Key) + ", " + strconv.Quote(in.Value) + ", " + versionText(in.Version) + ")")
	default:
		b.WriteString(in.Op.String() + "(" + bare(in.Key) + ")")
	}
	b.WriteString(" -> ")
	switch {
	case out.Unknown:
		b.WriteString("?")
	case in.Op == OpGet && out.Err == rpc.OK:
		b.WriteString(valueAt(out.Value, out.Version))
	default:
		b.WriteString(bare(string(out.Err)))
	}
	return b.String()
}

func describeKVState(s kvState) string {
	if s.Version == 0 {
		return "absent"
	}
	return valueAt(s.Value, s.Version)
}

func valueAt(value string, version rpc.Tversion) string {
	return strconv.Quote(value) + "@" + versionText(version)
}

func describeKVStates(state any) string {
	return describeSet(state.(kvStates), describeKVState)
}

// describeSet writes a single state plainly and several as {a, b}.
func describeSet[S comparable](states stateSet[S], describe func(S) string) string {
	if len(states) == 1 {
		return describe(states[0])
	}
	texts := make([]string, len(states))
	for i, s := range states {
		texts[i] = describe(s)
	}
	return "{" + strings.Join(texts, ", ") + "}"
}
