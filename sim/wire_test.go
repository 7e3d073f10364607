package sim

import (
	"fmt"
	"testing"
)

type getArgs struct{ Key string }
type getReply struct {
	Value   string
	Version uint64
	Err     string
}

// TestReusedReplyKeepsStaleFields is the bug net/rpc shows and assignment
// hid: a clerk that reuses one reply struct. The second reply (ErrNoKey,
// empty Value, version 0) leaves the first reply's Value and Version in
// place, exactly as gob does.
func TestReusedReplyKeepsStaleFields(t *testing.T) {
	w := New(1, Options{})
	store := map[string]string{"a": "apple"}
	Handle(w.NewServer("kv"), "KV.Get", func(args *getArgs, reply *getReply) {
		if v, ok := store[args.Key]; ok {
			reply.Value, reply.Version, reply.Err = v, 1, "OK"
			return
		}
		reply.Err = "ErrNoKey"
	})
	var got []getReply
	w.Spawn("clerk", func(p *Proc) {
		var reply getReply // reused across calls: the bug
		for _, key := range []string{"a", "b"} {
			if !p.Call("kv", "KV.Get", &getArgs{Key: key}, &reply) {
				t.Error("call failed on a reliable network")
			}
			got = append(got, reply)
		}
	})
	if r := w.Run(); r.Status != Done {
		t.Fatal(r.Status, r.Reason)
	}
	want := []getReply{{"apple", 1, "OK"}, {"apple", 1, "ErrNoKey"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("replies %+v, want %+v (stale Value and Version kept, as over net/rpc)", got, want)
	}
}

// TestHandlerGetsFreshValues checks that the handler's arguments and reply
// are fresh: unexported fields do not travel, and the reply starts zero
// whatever the caller's struct holds.
func TestHandlerGetsFreshValues(t *testing.T) {
	type args struct {
		N      int
		secret int
	}
	w := New(1, Options{})
	var seen args
	var start getReply
	Handle(w.NewServer("s"), "S.M", func(a *args, r *getReply) { seen, start = *a, *r })
	w.Spawn("c", func(p *Proc) {
		reply := getReply{Value: "old", Err: "old"}
		p.Call("s", "S.M", &args{N: 1, secret: 2}, &reply)
	})
	w.Run()
	if seen != (args{N: 1}) || start != (getReply{}) {
		t.Errorf("handler saw args %+v and reply %+v, want {N:1} and a zero reply", seen, start)
	}
}
