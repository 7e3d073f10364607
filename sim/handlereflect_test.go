package sim

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestHandleReflectIsHandle: a handler registered by reflection sees
// what a typed one sees (fresh arguments without their unexported
// fields, a zero reply), and its reply reaches the caller's struct as
// gob would leave it (stale fields kept); on a machine it runs as a
// goroutine that may block; as over labrpc, a caller's own types that
// match the handler's by field name decode into them (args) and from
// them (reply); a call whose args share no field with the handler's
// panics with both types named.
func TestHandleReflectIsHandle(t *testing.T) {
	type args struct {
		Key    string
		Xs     []int // a reference: a real gob round trip
		secret int
	}
	w := New(1, Options{})
	var seen []string
	store := map[string]string{"a": "apple"}
	m := w.NewMachine("kv", func(m *Machine) {
		mu := NewMutex(w)
		HandleReflect(m.Server(), "KV.Get", reflect.TypeFor[args](), reflect.TypeFor[getReply](), func(a, r any) {
			mu.Lock() // a machine's handler may block
			defer mu.Unlock()
			in, out := a.(*args), r.(*getReply)
			seen = append(seen, fmt.Sprintf("%+v %+v", *in, *out))
			if v, ok := store[in.Key]; ok {
				out.Value, out.Version, out.Err = v, 1, "OK"
				return
			}
			out.Err = "ErrNoKey"
		})
	})
	var got []getReply
	var misuse string
	w.Spawn("clerk", func(p *Proc) {
		var reply getReply
		for _, key := range []string{"a", "b"} {
			a := &args{Key: key, Xs: []int{1, 2}, secret: 7}
			if !p.Call(m.Name(), "KV.Get", a, &reply) {
				t.Error("call failed on a reliable network")
			}
			got = append(got, reply)
		}
		// The caller's own copies of the types: Key by name; a reply
		// without Version.
		var own struct {
			Value string
			Err   string
		}
		if !p.Call(m.Name(), "KV.Get", &getArgs{Key: "a"}, &own) {
			t.Error("call failed on a reliable network")
		}
		got = append(got, getReply{Value: own.Value, Err: own.Err})
		defer func() { misuse = fmt.Sprint(recover()) }()
		p.Call(m.Name(), "KV.Get", &struct{ Other int }{1}, &reply)
	})
	if r := w.Run(); r.Status != Done {
		t.Fatal(r.Status, r.Reason)
	}
	want := []getReply{{"apple", 1, "OK"}, {"apple", 1, "ErrNoKey"}, {"apple", 0, "OK"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("replies %+v, want %+v", got, want)
	}
	wantSeen := []string{"{Key:a Xs:[1 2] secret:0} {Value: Version:0 Err:}", "{Key:b Xs:[1 2] secret:0} {Value: Version:0 Err:}", "{Key:a Xs:[] secret:0} {Value: Version:0 Err:}"}
	if fmt.Sprint(seen) != fmt.Sprint(wantSeen) {
		t.Errorf("the handler saw %q, want %q", seen, wantSeen)
	}
	if !strings.Contains(misuse, "args is *struct { Other int }, which does not decode as *sim.args") {
		t.Errorf("a call with the wrong args: %q", misuse)
	}
}
