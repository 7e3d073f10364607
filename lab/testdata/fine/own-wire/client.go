package kvsrv

import (
	"math/rand"
	"time"

	"6.5840/kvsrv1/rpc"
	kvtest "6.5840/kvtest1"
	tester "6.5840/tester1"
)

type Clerk struct {
	clnt   *tester.Clnt
	server string
	id     int64
	seq    int64
}

func MakeClerk(clnt *tester.Clnt, server string) kvtest.IKVClerk {
	return &Clerk{clnt: clnt, server: server, id: rand.Int63()}
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

// Put keeps trying until the server answers, every copy with the same
// sequence number. The server answers a resent copy as it did the first,
// so an ErrVersion means the Put was not applied; the clerk still says
// ErrMaybe after a resend, as the lab asks.
func (ck *Clerk) Put(key, value string, version rpc.Tversion) rpc.Err {
	ck.seq++
	args := rpc.PutArgs{Key: key, Value: value, Version: version, ClientId: ck.id, Seq: ck.seq}
	for resent := false; ; resent = true {
		reply := rpc.PutReply{}
		if ck.clnt.Call(ck.server, "KVServer.Put", &args, &reply) {
			if reply.Err == rpc.ErrVersion && resent {
				return rpc.ErrMaybe
			}
			return reply.Err
		}
		time.Sleep(100 * time.Millisecond)
	}
}
