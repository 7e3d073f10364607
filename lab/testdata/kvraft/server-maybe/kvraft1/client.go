package kvraft

// The clerk tries the server it last found leading, then the others in
// turn, until one answers other than ErrWrongLeader.

import (
	"time"

	"6.5840/kvsrv1/rpc"
	kvtest "6.5840/kvtest1"
	tester "6.5840/tester1"
)

type Clerk struct {
	clnt    *tester.Clnt
	servers []string
	leader  int
}

func MakeClerk(clnt *tester.Clnt, servers []string) kvtest.IKVClerk {
	return &Clerk{clnt: clnt, servers: servers}
}

func (ck *Clerk) Get(key string) (string, rpc.Tversion, rpc.Err) {
	args := rpc.GetArgs{Key: key}
	for i := 0; ; i++ {
		reply := rpc.GetReply{}
		s := (ck.leader + i) % len(ck.servers)
		// FINE: a server's ErrMaybe (its rsm gave up) is a reason to retry.
		if ck.clnt.Call(ck.servers[s], "KVServer.Get", &args, &reply) && reply.Err != rpc.ErrWrongLeader && reply.Err != rpc.ErrMaybe {
			ck.leader = s
			return reply.Value, reply.Version, reply.Err
		}
		if i%len(ck.servers) == len(ck.servers)-1 {
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// Put: once a request may have been applied (no reply, or ErrWrongLeader
// from a server that may have started it before it lost leadership), an
// ErrVersion answer is ErrMaybe.
func (ck *Clerk) Put(key string, value string, version rpc.Tversion) rpc.Err {
	args := rpc.PutArgs{Key: key, Value: value, Version: version}
	maybe := false
	for i := 0; ; i++ {
		reply := rpc.PutReply{}
		s := (ck.leader + i) % len(ck.servers)
		ok := ck.clnt.Call(ck.servers[s], "KVServer.Put", &args, &reply)
		if ok && reply.Err != rpc.ErrWrongLeader && reply.Err != rpc.ErrMaybe {
			ck.leader = s
			if reply.Err == rpc.ErrVersion && maybe {
				return rpc.ErrMaybe
			}
			return reply.Err
		}
		maybe = true
		if i%len(ck.servers) == len(ck.servers)-1 {
			time.Sleep(50 * time.Millisecond)
		}
	}
}
