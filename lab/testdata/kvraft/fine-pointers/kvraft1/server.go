package kvraft

// The versioned key/value service as a state machine of the rsm: Get and
// Put go through the log, and DoOp applies them in log order.

import (
	"bytes"
	"sync"
	"sync/atomic"

	"6.5840/kvraft1/rsm"
	"6.5840/kvsrv1/rpc"
	"6.5840/labgob"
	"6.5840/labrpc"
	tester "6.5840/tester1"
)

type entry struct {
	Value   string
	Version rpc.Tversion
}

type KVServer struct {
	me   int
	dead int32 // set by Kill()
	rsm  *rsm.RSM

	mu   sync.Mutex
	data map[string]entry
}

func (kv *KVServer) DoOp(req any) any {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	// Registered as pointers, the requests come out of the log as
	// pointers on every server but the one that submitted them.
	switch args := req.(type) {
	case *rpc.GetArgs:
		req = *args
	case *rpc.PutArgs:
		req = *args
	}
	switch args := req.(type) {
	case rpc.GetArgs:
		e, ok := kv.data[args.Key]
		if !ok {
			return rpc.GetReply{Err: rpc.ErrNoKey}
		}
		return rpc.GetReply{Value: e.Value, Version: e.Version, Err: rpc.OK}
	case rpc.PutArgs:
		e, ok := kv.data[args.Key]
		switch {
		case !ok && args.Version != 0:
			return rpc.PutReply{Err: rpc.ErrNoKey}
		case ok && e.Version != args.Version:
			return rpc.PutReply{Err: rpc.ErrVersion}
		}
		kv.data[args.Key] = entry{args.Value, args.Version + 1}
		return rpc.PutReply{Err: rpc.OK}
	}
	return nil
}

func (kv *KVServer) Snapshot() []byte {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	w := new(bytes.Buffer)
	labgob.NewEncoder(w).Encode(kv.data)
	return w.Bytes()
}

func (kv *KVServer) Restore(data []byte) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	m := map[string]entry{}
	if err := labgob.NewDecoder(bytes.NewBuffer(data)).Decode(&m); err == nil {
		kv.data = m
	}
}

func (kv *KVServer) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	err, rep := kv.rsm.Submit(*args)
	if err != rpc.OK {
		reply.Err = err
		return
	}
	*reply = rep.(rpc.GetReply)
}

func (kv *KVServer) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	err, rep := kv.rsm.Submit(*args)
	if err != rpc.OK {
		reply.Err = err
		return
	}
	*reply = rep.(rpc.PutReply)
}

func (kv *KVServer) Kill() {
	atomic.StoreInt32(&kv.dead, 1)
}

func StartKVServer(servers []*labrpc.ClientEnd, gid tester.Tgid, me int, persister *tester.Persister, maxraftstate int) []tester.IService {
	// Registered as pointers, as some folders do: gob takes *T for T
	// under another name, so kvsim must register neither itself.
	labgob.Register(rsm.Op{})
	labgob.Register(&rpc.PutArgs{})
	labgob.Register(&rpc.GetArgs{})
	labgob.Register(&rpc.PutReply{})
	labgob.Register(&rpc.GetReply{})

	kv := &KVServer{me: me, data: map[string]entry{}}
	kv.rsm = rsm.MakeRSM(servers, me, persister, maxraftstate, kv)
	return []tester.IService{kv, kv.rsm.Raft()}
}
