// Package kvtest is kvsim lab's stand-in for the course's 6.5840/kvtest1:
// the clerk interface a student's lock is built on, and RandValue, which
// draws from the simulated run's seed.
package kvtest

import (
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/lab/labrt"
)

// IKVClerk is the clerk's interface.
type IKVClerk interface {
	Get(key string) (string, rpc.Tversion, rpc.Err)
	Put(key, value string, version rpc.Tversion) rpc.Err
}

// RandValue returns n random letters and digits; the same run draws the
// same values.
func RandValue(n int) string { return labrt.RandValue(n) }
