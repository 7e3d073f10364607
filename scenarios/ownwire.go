package scenarios

import (
	"reflect"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/sim"
)

// A server with OwnHandlers exchanges wire types of its own, which keep
// the course's fields (Key, Value, Version, Err) and add others. The
// nemesis reads those fields by name, as the recorder does (package check);
// for kvsim's own types no reflection runs.

// putVersion is the version a Put request asks for, whichever wire types
// carry it.
func putVersion(m *sim.Message) (rpc.Tversion, bool) {
	if put, ok := m.Args.(*rpc.PutArgs); ok {
		return put.Version, true
	}
	if m.Method != rpc.MethodPut {
		return 0, false
	}
	v := reflect.ValueOf(m.Args).Elem().FieldByName("Version")
	if !v.IsValid() || !v.CanUint() {
		return 0, false
	}
	return rpc.Tversion(v.Uint()), true
}
