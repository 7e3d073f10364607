package kv

import (
	"testing"

	"github.com/kvsim/kvsim/kv/rpc"
)

// TestStateRoundTrip: SetState restores exactly what State encoded, the
// same data encodes to the same bytes whatever the order it was written
// in, and bytes State did not write change nothing.
func TestStateRoundTrip(t *testing.T) {
	a, b := NewServer(), NewServer()
	for _, p := range []rpc.PutArgs{{Key: "x", Value: "1"}, {Key: "", Value: ""}, {Key: "y", Value: "é"}, {Key: "x", Value: "2", Version: 1}} {
		a.Put(&p, &rpc.PutReply{})
	}
	for _, p := range []rpc.PutArgs{{Key: "y", Value: "é"}, {Key: "x", Value: "1"}, {Key: "x", Value: "2", Version: 1}, {Key: "", Value: ""}} {
		b.Put(&p, &rpc.PutReply{})
	}
	if string(a.State()) != string(b.State()) {
		t.Fatalf("the same data encodes differently: %q vs %q", a.State(), b.State())
	}
	c := NewServer()
	if err := c.SetState(a.State()); err != nil {
		t.Fatal(err)
	}
	var r rpc.GetReply
	c.Get(&rpc.GetArgs{Key: "x"}, &r)
	if r != (rpc.GetReply{Value: "2", Version: 2, Err: rpc.OK}) {
		t.Fatalf("x restored as %+v", r)
	}
	for _, bad := range [][]byte{{5}, append(a.State(), 0), a.State()[:len(a.State())-1]} {
		if err := c.SetState(bad); err == nil {
			t.Errorf("SetState(%q) took bytes State did not write", bad)
		}
	}
	if string(c.State()) != string(a.State()) {
		t.Fatalf("a refused state changed the data")
	}
}
