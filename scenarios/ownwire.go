package scenarios

import (
	"reflect"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/sim"
)

// A server with OwnHandlers exchanges wire types of its own, which keep
// the course's fields (Key, Value, Version, Err) and add others. The
// checks and the nemesis read those fields by name; for kvsim's own types
// no reflection runs.

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

// courseReply is reply as one of kvsim's reply types: itself, or the
// course's fields of a server's own reply type.
func courseReply(reply any) any {
	switch reply.(type) {
	case *rpc.GetReply, *rpc.PutReply:
		return reply
	}
	v := reflect.ValueOf(reply)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return reply
	}
	v = v.Elem()
	field := func(name string) reflect.Value { return v.FieldByName(name) }
	errOf := func() rpc.Err {
		if f := field("Err"); f.IsValid() && f.Kind() == reflect.String {
			return rpc.Err(f.String())
		}
		return ""
	}
	value, version := field("Value"), field("Version")
	if !value.IsValid() || !version.IsValid() || value.Kind() != reflect.String || !version.CanUint() {
		return &rpc.PutReply{Err: errOf()}
	}
	return &rpc.GetReply{Value: value.String(), Version: rpc.Tversion(version.Uint()), Err: errOf()}
}
