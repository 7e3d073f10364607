package kvsrv

import (
	"context"
	"time"

	"6.5840/kvsrv1/rpc"
	kvtest "6.5840/kvtest1"
	tester "6.5840/tester1"
)

// A clerk that makes each call in a goroutine and waits for it, or for
// its context's timeout, in a select; it retries after the timeout.

type Clerk struct {
	clnt   *tester.Clnt
	server string
}

func MakeClerk(clnt *tester.Clnt, server string) kvtest.IKVClerk {
	return &Clerk{clnt: clnt, server: server}
}

// call makes one RPC in a goroutine; ok is false if no reply came
// within the timeout (the goroutine's late answer is dropped).
func (ck *Clerk) call(method string, args, reply any) bool {
	done := make(chan bool, 1)
	go func() {
		done <- ck.clnt.Call(ck.server, method, args, reply)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	select {
	case ok := <-done:
		return ok
	case <-ctx.Done():
		return false
	}
}

func (ck *Clerk) Get(key string) (string, rpc.Tversion, rpc.Err) {
	for {
		reply := rpc.GetReply{}
		if ck.call("KVServer.Get", &rpc.GetArgs{Key: key}, &reply) {
			return reply.Value, reply.Version, reply.Err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (ck *Clerk) Put(key, value string, version rpc.Tversion) rpc.Err {
	args := rpc.PutArgs{Key: key, Value: value, Version: version}
	for resent := false; ; resent = true {
		reply := rpc.PutReply{}
		if ck.call("KVServer.Put", &args, &reply) {
			if reply.Err == rpc.ErrVersion && resent {
				return rpc.ErrMaybe
			}
			return reply.Err
		}
		<-time.After(100 * time.Millisecond)
	}
}
