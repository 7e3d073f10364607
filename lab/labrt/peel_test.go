package labrt

import (
	"testing"

	"github.com/kvsim/kvsim/kv/rpc"
)

// fakeCaller answers every Put with ErrVersion, as a server would, into a
// reply that must be a *rpc.PutReply.
type fakeCaller struct{}

func (fakeCaller) Call(_, _ string, args, reply any) bool {
	if _, ok := args.(*rpc.PutArgs); !ok {
		return false
	}
	reply.(*rpc.PutReply).Err = rpc.ErrVersion
	return true
}

// TestCallFollowsPointers: a clerk that passes &reply for reply :=
// new(rpc.PutReply), or &argp for argp := &args, works over labrpc
// (gob follows pointers), and so over kvsim.
func TestCallFollowsPointers(t *testing.T) {
	c := &Clnt{fakeCaller{}}
	args := rpc.PutArgs{Key: "k"}
	argp := &args

	reply := new(rpc.PutReply)
	if !c.Call("s", "KVServer.Put", &argp, &reply) || reply.Err != rpc.ErrVersion {
		t.Errorf("reply through **PutReply: %+v", reply)
	}
	var nilReply *rpc.PutReply
	if !c.Call("s", "KVServer.Put", &args, &nilReply) || nilReply == nil || nilReply.Err != rpc.ErrVersion {
		t.Errorf("reply through a pointer to a nil *PutReply: %+v", nilReply)
	}
	var plain rpc.PutReply
	if !c.Call("s", "KVServer.Put", &args, &plain) || plain.Err != rpc.ErrVersion {
		t.Errorf("reply through *PutReply: %+v", plain)
	}
}
