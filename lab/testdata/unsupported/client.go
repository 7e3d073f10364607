package kvsrv

import (
	"context"
	"os"
	"reflect"
	"runtime"
	"time"
	"unsafe"

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
	runtime.LockOSThread()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = ctx
	reflect.Select(nil)
	b, _ := os.ReadFile("/tmp/state")
	_ = unsafe.Sizeof(b)
	state, _ := os.OpenFile("/tmp/state", os.O_RDWR|os.O_CREATE, 0o644)                   // read back: refused
	debug, _ := os.OpenFile("/tmp/debug.log", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644) // a log, only written: runs
	_, _ = state, debug
	return "", 0, rpc.ErrNoKey
}

func (ck *Clerk) Put(key, value string, version rpc.Tversion) rpc.Err {
	return rpc.OK
}
