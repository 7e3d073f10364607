package kvsrv

import (
	"sync"

	"6.5840/kvsrv1/rpc"
	"6.5840/labrpc"
	tester "6.5840/tester1"
)

// A course-style server with a classic mistake: it takes the empty value
// to mean "no such key". The lock stores "" when it is free, so after the
// first Release the key looks absent, and a Put at version 0 recreates it.

type KVServer struct {
	mu       sync.Mutex
	values   map[string]string
	versions map[string]rpc.Tversion
}

func MakeKVServer() *KVServer {
	return &KVServer{values: make(map[string]string), versions: make(map[string]rpc.Tversion)}
}

func (kv *KVServer) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	value := kv.values[args.Key]
	if value == "" {
		reply.Err = rpc.ErrNoKey
		return
	}
	reply.Value, reply.Version, reply.Err = value, kv.versions[args.Key], rpc.OK
}

func (kv *KVServer) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if kv.values[args.Key] == "" {
		if args.Version != 0 {
			reply.Err = rpc.ErrNoKey
			return
		}
		kv.values[args.Key], kv.versions[args.Key] = args.Value, 1
		reply.Err = rpc.OK
		return
	}
	if kv.versions[args.Key] != args.Version {
		reply.Err = rpc.ErrVersion
		return
	}
	kv.values[args.Key] = args.Value
	kv.versions[args.Key]++
	reply.Err = rpc.OK
}

func (kv *KVServer) Kill() {}

func StartKVServer(ends []*labrpc.ClientEnd, gid tester.Tgid, srv int, persister *tester.Persister) []tester.IService {
	return []tester.IService{MakeKVServer()}
}
