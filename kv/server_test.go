package kv_test

import (
	"fmt"
	"testing"

	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/rpc"
)

// step is one call on the server and the reply it must get. A step with put
// set is a Put; otherwise it is a Get of key.
type step struct {
	put     bool
	key     string
	value   string
	version rpc.Tversion

	wantErr     rpc.Err
	wantValue   string // Get only
	wantVersion rpc.Tversion
}

func get(key, wantValue string, wantVersion rpc.Tversion, wantErr rpc.Err) step {
	return step{key: key, wantValue: wantValue, wantVersion: wantVersion, wantErr: wantErr}
}

func put(key, value string, version rpc.Tversion, wantErr rpc.Err) step {
	return step{put: true, key: key, value: value, version: version, wantErr: wantErr}
}

func TestServerRules(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"get absent key", []step{
			get("k", "", 0, rpc.ErrNoKey),
		}},
		{"put absent key at version 0 creates it at version 1", []step{
			put("k", "a", 0, rpc.OK),
			get("k", "a", 1, rpc.OK),
		}},
		{"put absent key at nonzero version is ErrNoKey and creates nothing", []step{
			put("k", "a", 1, rpc.ErrNoKey),
			put("k", "a", 7, rpc.ErrNoKey),
			get("k", "", 0, rpc.ErrNoKey),
		}},
		{"put at current version stores and increments", []step{
			put("k", "a", 0, rpc.OK),
			put("k", "b", 1, rpc.OK),
			put("k", "c", 2, rpc.OK),
			get("k", "c", 3, rpc.OK),
		}},
		{"put at stale version is ErrVersion and changes nothing", []step{
			put("k", "a", 0, rpc.OK),
			put("k", "b", 1, rpc.OK),
			put("k", "x", 1, rpc.ErrVersion),
			get("k", "b", 2, rpc.OK),
		}},
		{"put at future version is ErrVersion", []step{
			put("k", "a", 0, rpc.OK),
			put("k", "x", 5, rpc.ErrVersion),
			get("k", "a", 1, rpc.OK),
		}},
		{"version 0 on an existing key is ErrVersion", []step{
			put("k", "a", 0, rpc.OK),
			put("k", "x", 0, rpc.ErrVersion),
			get("k", "a", 1, rpc.OK),
		}},
		{"empty value is a value, not a deletion", []step{
			put("k", "", 0, rpc.OK),
			get("k", "", 1, rpc.OK),
			put("k", "a", 1, rpc.OK),
			get("k", "a", 2, rpc.OK),
		}},
		{"keys are independent", []step{
			put("a", "1", 0, rpc.OK),
			put("a", "2", 1, rpc.OK),
			put("b", "1", 0, rpc.OK),
			put("b", "x", 2, rpc.ErrVersion),
			get("a", "2", 2, rpc.OK),
			get("b", "1", 1, rpc.OK),
			get("c", "", 0, rpc.ErrNoKey),
		}},
		{"a duplicated put applies once", []step{
			put("k", "a", 0, rpc.OK),
			put("k", "a", 0, rpc.ErrVersion),
			get("k", "a", 1, rpc.OK),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := kv.NewServer()
			for i, st := range tt.steps {
				if st.put {
					var r rpc.PutReply
					s.Put(&rpc.PutArgs{Key: st.key, Value: st.value, Version: st.version}, &r)
					if r.Err != st.wantErr {
						t.Fatalf("step %d: Put(%q, %q, %d) = %s, want %s", i, st.key, st.value, st.version, r.Err, st.wantErr)
					}
					continue
				}
				var r rpc.GetReply
				s.Get(&rpc.GetArgs{Key: st.key}, &r)
				want := rpc.GetReply{Value: st.wantValue, Version: st.wantVersion, Err: st.wantErr}
				if r != want {
					t.Fatalf("step %d: Get(%q) = %+v, want %+v", i, st.key, r, want)
				}
			}
		})
	}
}

// TestServerOverwritesReply checks that a reply struct carrying stale fields
// comes back holding only this call's result.
func TestServerOverwritesReply(t *testing.T) {
	s := kv.NewServer()
	r := rpc.GetReply{Value: "stale", Version: 9, Err: rpc.OK}
	s.Get(&rpc.GetArgs{Key: "k"}, &r)
	if want := (rpc.GetReply{Err: rpc.ErrNoKey}); r != want {
		t.Fatalf("Get = %+v, want %+v", r, want)
	}
}

func Example() {
	s := kv.NewServer()
	var pr rpc.PutReply
	s.Put(&rpc.PutArgs{Key: "x", Value: "hello", Version: 0}, &pr)
	fmt.Println("create:", pr.Err)

	s.Put(&rpc.PutArgs{Key: "x", Value: "again", Version: 0}, &pr)
	fmt.Println("stale version:", pr.Err)

	var gr rpc.GetReply
	s.Get(&rpc.GetArgs{Key: "x"}, &gr)
	fmt.Println("get:", gr.Value, gr.Version, gr.Err)
	// Output:
	// create: OK
	// stale version: ErrVersion
	// get: hello 1 OK
}
