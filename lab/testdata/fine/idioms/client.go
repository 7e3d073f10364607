package kvsrv

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"6.5840/kvsrv1/rpc"
	"6.5840/kvsrv1/util"
	kvtest "6.5840/kvtest1"
	tester "6.5840/tester1"
)

// clerks counts the clerks made: without a fresh start in every run, the
// backoffs below would differ between a campaign and a replay.
var clerks int

type Clerk struct {
	clnt   *tester.Clnt
	server string
	id     string
	n      int
	born   time.Time
}

func MakeClerk(clnt *tester.Clnt, server string) kvtest.IKVClerk {
	clerks++
	b := make([]byte, 4)
	rand.Read(b)
	return &Clerk{clnt: clnt, server: server, id: hex.EncodeToString(b), n: clerks, born: time.Now()}
}

func (ck *Clerk) Get(key string) (string, rpc.Tversion, rpc.Err) {
	time.Sleep(time.Duration(ck.n%7) * time.Millisecond) // stagger the clerks
	args := rpc.GetArgs{Key: key}
	for {
		reply := rpc.GetReply{}
		if ck.clnt.Call(ck.server, "KVServer.Get", &args, &reply) {
			util.DPrintf("%s Get %s after %v", ck.id, key, time.Since(ck.born))
			return reply.Value, reply.Version, reply.Err
		}
		time.Sleep(util.Jitter(100*time.Millisecond) + time.Duration(ck.n%5)*time.Millisecond)
	}
}

func (ck *Clerk) Put(key, value string, version rpc.Tversion) rpc.Err {
	args := rpc.PutArgs{Key: key, Value: value, Version: version}
	for resent := false; ; resent = true {
		reply := rpc.PutReply{}
		if ck.clnt.Call(ck.server, "KVServer.Put", &args, &reply) {
			if reply.Err == rpc.ErrVersion && resent {
				return rpc.ErrMaybe
			}
			return reply.Err
		}
		time.Sleep(util.Jitter(100 * time.Millisecond))
	}
}
