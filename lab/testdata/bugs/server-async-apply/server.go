package kvsrv

import (
	"sync"

	"6.5840/kvsrv1/rpc"
	"6.5840/labrpc"
	tester "6.5840/tester1"
)

// The bug: Put checks the version and answers OK at once, and leaves the
// write to a background goroutine. A Get that comes in before that
// goroutine runs misses a Put that was already acknowledged.

type record struct {
	value   string
	version rpc.Tversion
}

type KVServer struct {
	mu      sync.Mutex
	data    map[string]record
	pending map[string]rpc.Tversion // versions promised, not yet written
	writes  chan *rpc.PutArgs
}

func MakeKVServer() *KVServer {
	kv := &KVServer{data: make(map[string]record), pending: make(map[string]rpc.Tversion), writes: make(chan *rpc.PutArgs, 64)}
	go kv.writer()
	return kv
}

func (kv *KVServer) writer() {
	for args := range kv.writes {
		kv.mu.Lock()
		r := kv.data[args.Key]
		kv.data[args.Key] = record{args.Value, r.version + 1}
		kv.mu.Unlock()
	}
}

func (kv *KVServer) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	r, ok := kv.data[args.Key]
	if !ok {
		reply.Err = rpc.ErrNoKey
		return
	}
	reply.Value, reply.Version, reply.Err = r.value, r.version, rpc.OK
}

func (kv *KVServer) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	kv.mu.Lock()
	promised, ok := kv.pending[args.Key]
	if !ok && args.Version != 0 {
		kv.mu.Unlock()
		reply.Err = rpc.ErrNoKey
		return
	}
	if promised != args.Version {
		kv.mu.Unlock()
		reply.Err = rpc.ErrVersion
		return
	}
	kv.pending[args.Key] = promised + 1
	kv.mu.Unlock()
	kv.writes <- args
	reply.Err = rpc.OK
}

func (kv *KVServer) Kill() {}

func StartKVServer(ends []*labrpc.ClientEnd, gid tester.Tgid, srv int, persister *tester.Persister) []tester.IService {
	kv := MakeKVServer()
	return []tester.IService{kv}
}
