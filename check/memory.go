package check

import (
	"fmt"
	"reflect"

	"github.com/kvsim/kvsim"
)

// Memory: the server's memory stays proportional to its data (its keys
// and their values, read after the run), not to the traffic: a server that keeps per-client or per-request state grows with
// the requests instead. Its size is Footprint's estimate, which is
// deterministic where a heap reading is not; the limit allows a generous
// constant per key and twice the data.
type Memory struct {
	// Label starts the reason (the scenario's name, say).
	Label string
	// Keys are the keys the server holds; nil means every key the history
	// touched.
	Keys []string
	keys []string // scratch
}

func (*Memory) Name() string      { return "memory" }
func (*Memory) readsServer() bool { return true }

func (c *Memory) Check(r *Recording, o *Outcome) {
	if r.Read == nil || r.Server == nil {
		return
	}
	keys := c.Keys
	if keys == nil {
		// The keys the history touched, in the order it first did.
		c.keys = c.keys[:0]
		seen := make(map[string]bool)
		for i := range r.KV {
			if key := r.KV[i].Input.Key; !seen[key] {
				seen[key] = true
				c.keys = append(c.keys, key)
			}
		}
		keys = c.keys
	}
	reason := safely("the memory check", func() string {
		data := 0
		for _, key := range keys {
			v, _, _ := r.Read(key)
			data += len(key) + len(v)
		}
		limit := memoryLimit(len(keys), data)
		if size := Footprint(r.Server); size > limit {
			return fmt.Sprintf("%s: server holds %d bytes for %d keys and %d bytes of data (limit %d): its memory grows with the traffic, not the data", c.Label, size, len(keys), data, limit)
		}
		return ""
	})
	if reason != "" {
		o.Add(Finding{Check: c.Name(), Verdict: kvsim.Violation, Reason: reason})
	}
}

// memoryLimit is the most memory a server may hold for keys keys and
// dataBytes of keys and values: a generous constant per key and twice the
// data.
func memoryLimit(keys, dataBytes int) int {
	return 1024 + 128*keys + 2*dataBytes
}

// Footprint estimates the bytes reachable from v by walking it with
// reflection: struct and array sizes, string and slice contents, map
// entries, and pointees (each counted once). It is an estimate, not the
// allocator's number, but it is deterministic, which a heap reading inside a
// campaign is not, and it grows with whatever the value keeps.
//
// A pointer to a value that is the run's, not the server's (sharedByRun:
// the simulator's world and goroutines, which the server's locks and
// channels point at) is not followed.
func Footprint(v any) int {
	seen := map[uintptr]bool{}
	var walk func(reflect.Value) int
	walk = func(v reflect.Value) int {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() || seen[v.Pointer()] || v.Type().Implements(runShared) {
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

// sharedByRun is implemented by what every part of a run shares, which no
// server's memory includes (see Footprint).
type sharedByRun interface{ RunShared() }

var runShared = reflect.TypeFor[sharedByRun]()
