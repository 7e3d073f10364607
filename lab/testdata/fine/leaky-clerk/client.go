package kvsrv

import (
	"time"

	"6.5840/kvsrv1/rpc"
	kvtest "6.5840/kvtest1"
	tester "6.5840/tester1"
)

// A clerk that makes each call in a goroutine and waits for it, or for a
// timer, in a select; it retries after the timer fires.

type Clerk struct {
	clnt   *tester.Clnt
	server string
}

func MakeClerk(clnt *tester.Clnt, server string) kvtest.IKVClerk {
	return &Clerk{clnt: clnt, server: server}
}

// call makes one RPC in a goroutine; ok is false if no reply came
// within the timeout; its goroutine then never returns.
func (ck *Clerk) call(method string, args, reply any) bool {
	done := make(chan bool) // the leak: after a timeout, the sender waits forever
	go func() {
		done <- ck.clnt.Call(ck.server, method, args, reply)
	}()
	timer := time.NewTimer(50 * time.Millisecond)
	defer timer.Stop()
	select {
	case ok := <-done:
		return ok
	case <-timer.C:
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
