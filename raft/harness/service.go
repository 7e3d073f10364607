package harness

import (
	"reflect"

	"github.com/kvsim/kvsim/sim"
)

// serve registers on srv the handler methods of rcvr as labrpc's
// MakeService finds them: exported methods that take two arguments, the
// second a pointer, and return nothing, each named "<type name>.<method>"
// (Raft.AppendEntries). Each handled request is reported to handled
// before the method runs, as labrpc counts it. It returns the names
// registered.
func serve(srv *sim.Server, rcvr any, handled func(method string)) []string {
	v := reflect.ValueOf(rcvr)
	t := v.Type()
	svc := reflect.Indirect(v).Type().Name()
	var names []string
	for i := range t.NumMethod() {
		m := t.Method(i)
		mt := m.Type
		if !m.IsExported() || mt.NumIn() != 3 || mt.In(2).Kind() != reflect.Pointer || mt.NumOut() != 0 {
			continue
		}
		name := svc + "." + m.Name
		fn, byValue := v.Method(i), mt.In(1).Kind() != reflect.Pointer
		argsType := mt.In(1)
		if !byValue {
			argsType = argsType.Elem()
		}
		sim.HandleReflect(srv, name, argsType, mt.In(2).Elem(), func(args, reply any) {
			handled(name)
			a := reflect.ValueOf(args)
			if byValue {
				a = a.Elem()
			}
			fn.Call([]reflect.Value{a, reflect.ValueOf(reply)})
		})
		names = append(names, name)
	}
	return names
}
