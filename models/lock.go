package models

import (
	"slices"
	"strings"

	"github.com/anishathalye/porcupine"
)

// lockStates is the lock model's state: every holder the lock may have, ""
// meaning free.
type lockStates = stateSet[string]

// lockModel returns the porcupine model of a non-reentrant lock. Inputs are
// LockInput. An output is a bool, true when the operation never completed:
// it may or may not have taken effect, and its Return must come after every
// other timestamp (CheckLock arranges this). Acquire linearizes only when the
// lock is free and makes the owner its holder; Release only when the owner
// holds it, and frees it.
func lockModel() porcupine.Model {
	return porcupine.Model{
		Partition: partitionLock,
		Init:      func() any { return lockStates{""} },
		Step:      stepLock,
		Equal:     func(a, b any) bool { return slices.Equal(a.(lockStates), b.(lockStates)) },
		DescribeOperation: func(input, output any) string {
			return describeLock(input.(LockInput), output.(bool))
		},
		DescribeState: func(state any) string { return describeSet(state.(lockStates), describeHolder) },
	}
}

func stepLock(state, input, output any) (bool, any) {
	holders, in, unknown := state.(lockStates), input.(LockInput), output.(bool)
	// Each operation moves the lock from one holder to another.
	var from, to string
	switch in.Op {
	case LockAcquire:
		from, to = "", in.Owner
	case LockRelease:
		from, to = in.Owner, ""
	default:
		return false, nil
	}
	var next lockStates
	switch {
	case !slices.Contains(holders, from):
		if unknown { // it did not take effect
			next = holders
		}
	case unknown:
		next = holders.with(to, strings.Compare)
	default:
		next = lockStates{to}
	}
	return holders.result(state, next)
}

// partitionLock splits a history by lock key, in key order.
func partitionLock(history []porcupine.Operation) [][]porcupine.Operation {
	return partitionBy(history, func(input any) string { return input.(LockInput).Key })
}

func describeLock(in LockInput, unknown bool) string {
	s := in.Op.String() + "(" + bare(in.Owner) + ")"
	if in.Key != "" {
		s = in.Op.String() + "(" + bare(in.Owner) + ", " + bare(in.Key) + ")"
	}
	if unknown {
		s += " -> ?"
	}
	return s
}

func describeHolder(holder string) string {
	if holder == "" {
		return "free"
	}
	return "held by " + bare(holder)
}
