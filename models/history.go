package models

import (
	"fmt"

	"github.com/kvsim/kvsim/kv/rpc"
)

// OpKind says which key/value operation a KVInput is. The zero value is
// invalid, so a forgotten field is caught rather than read as a Get.
type OpKind uint8

const (
	OpGet OpKind = iota + 1
	OpPut
)

func (k OpKind) String() string {
	switch k {
	case OpGet:
		return "get"
	case OpPut:
		return "put"
	}
	return fmt.Sprintf("OpKind(%d)", uint8(k))
}

// KVInput is what a client asked for. Value and Version are used by Put only.
type KVInput struct {
	Op      OpKind
	Key     string
	Value   string
	Version rpc.Tversion
}

// KVOutput is what the client got back. Value and Version are used by a Get
// that returned rpc.OK only.
type KVOutput struct {
	Value   string
	Version rpc.Tversion
	Err     rpc.Err
	// Unknown means the client never saw a reply: the operation may or may
	// not have taken effect, at any time after its call. The other fields
	// are then ignored.
	Unknown bool
}

// KVOp is one key/value operation in a history. Call and Return are
// timestamps on any clock shared by all clients; intervals are closed, so
// operations that share an instant are concurrent. Return is ignored when
// Output.Unknown is set: the checker places such an operation's return after
// every other timestamp, as porcupine advises.
type KVOp struct {
	Client       int // zero-based; it names the row in the visualization
	Input        KVInput
	Output       KVOutput
	Call, Return int64
}

// LockOp says which lock operation a LockInput is. The zero value is invalid.
type LockOp uint8

const (
	LockAcquire LockOp = iota + 1
	LockRelease
)

func (o LockOp) String() string {
	switch o {
	case LockAcquire:
		return "acquire"
	case LockRelease:
		return "release"
	}
	return fmt.Sprintf("LockOp(%d)", uint8(o))
}

// LockInput is one call on the lock by the given owner.
type LockInput struct {
	Op    LockOp
	Owner string
	// Key is the lock's key; "" for a history of one lock. Locks at
	// different keys are independent: each is checked on its own.
	Key string
}

// LockOpRecord is one lock operation in a history, timed like KVOp.
type LockOpRecord struct {
	Client       int
	Input        LockInput
	Call, Return int64
	// Unknown means the operation never completed (the run ended first):
	// it may or may not have taken effect, and Return is ignored.
	Unknown bool
}
