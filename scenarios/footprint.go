package scenarios

import "reflect"

// Footprint estimates the bytes reachable from v by walking it with
// reflection: struct and array sizes, string and slice contents, map
// entries, and pointees (each counted once). It is an estimate, not the
// allocator's number, but it is deterministic, which a heap reading inside a
// campaign is not, and it grows with whatever the value keeps.
func Footprint(v any) int {
	seen := map[uintptr]bool{}
	var walk func(reflect.Value) int
	walk = func(v reflect.Value) int {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() || seen[v.Pointer()] {
				return 0
			}
			seen[v.Pointer()] = true
			return int(v.Type().Elem().Size()) + walk(v.Elem())
		case reflect.Interface:
			if v.IsNil() {
				return 0
			}
			return walk(v.Elem())
		case reflect.String:
			return v.Len()
		case reflect.Slice:
			if v.IsNil() || seen[v.Pointer()] {
				return 0
			}
			seen[v.Pointer()] = true
			n := v.Cap() * int(v.Type().Elem().Size())
			for i := range v.Len() {
				n += walk(v.Index(i))
			}
			return n
		case reflect.Map:
			if v.IsNil() || seen[v.Pointer()] {
				return 0
			}
			seen[v.Pointer()] = true
			entry := int(v.Type().Key().Size() + v.Type().Elem().Size())
			n := 0
			for it := v.MapRange(); it.Next(); {
				n += entry + walk(it.Key()) + walk(it.Value())
			}
			return n
		case reflect.Struct:
			n := 0
			for i := range v.NumField() {
				n += walk(v.Field(i))
			}
			return n
		case reflect.Array:
			n := 0
			for i := range v.Len() {
				n += walk(v.Index(i))
			}
			return n
		}
		return 0
	}
	return walk(reflect.ValueOf(&v).Elem())
}
