package kvsrv

import (
	"sync"
	"time"

	"6.5840/kvsrv1/rpc"
	"6.5840/labrpc"
	"6.5840/raft1"
	tester "6.5840/tester1"
	"github.com/pkg/errors"
)

// Constructs kvsim lab refuses, one per line that TestCheck expects.

var calls int

type KVServer struct {
	mu   sync.Mutex
	data map[string]string
}

func MakeKVServer() *KVServer { return &KVServer{data: map[string]string{}} }

func (kv *KVServer) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	time.Sleep(time.Millisecond)
	reply.Err = rpc.ErrNoKey
}

func (kv *KVServer) Put(args *rpc.PutArgs, reply *rpc.PutReply) { reply.Err = rpc.OK }

func (kv *KVServer) Kill() {}

func StartKVServer(ends []*labrpc.ClientEnd, gid tester.Tgid, srv int, persister *tester.Persister) []tester.IService {
	return []tester.IService{MakeKVServer()}
}
