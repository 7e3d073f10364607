package kvsrv

import (
	"sync"

	"6.5840/kvsrv1/rpc"
	"6.5840/labrpc"
	tester "6.5840/tester1"
)

// A course-style kvsrv1 server that answers a resent Put with the reply it
// gave the first copy, recognised by the clerk's id and sequence number.

type record struct {
	value   string
	version rpc.Tversion
}

type last struct {
	seq int64
	err rpc.Err
}

type KVServer struct {
	mu   sync.Mutex
	data map[string]record
	seen map[int64]last
}

func MakeKVServer() *KVServer {
	return &KVServer{data: make(map[string]record), seen: make(map[int64]last)}
}

// Get returns the value and version of args.Key, or ErrNoKey.
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

// Put installs args.Value if args.Version is the key's version (0 creates
// the key), and bumps the version; a resent Put gets the first answer.
func (kv *KVServer) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if l, ok := kv.seen[args.ClientId]; ok && l.seq == args.Seq {
		reply.Err = l.err
		return
	}
	r, ok := kv.data[args.Key]
	switch {
	case !ok && args.Version != 0:
		reply.Err = rpc.ErrNoKey
	case r.version != args.Version:
		reply.Err = rpc.ErrVersion
	default:
		kv.data[args.Key] = record{value: args.Value, version: r.version + 1}
		reply.Err = rpc.OK
	}
	kv.seen[args.ClientId] = last{args.Seq, reply.Err}
}

func (kv *KVServer) Kill() {}

func StartKVServer(ends []*labrpc.ClientEnd, gid tester.Tgid, srv int, persister *tester.Persister) []tester.IService {
	kv := MakeKVServer()
	return []tester.IService{kv}
}
