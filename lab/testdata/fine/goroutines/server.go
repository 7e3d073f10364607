package kvsrv

import (
	"log"
	"sync"
	"time"

	"6.5840/kvsrv1/rpc"
	"6.5840/labrpc"
	tester "6.5840/tester1"
)

// A server written with goroutines: handlers hand their operations to an
// applier goroutine over a channel and wait for its answer; a janitor
// goroutine wakes on a ticker and counts the keys under a condition
// variable; a Debug switch logs through log.

var Debug = false

func DPrintf(format string, a ...any) {
	if Debug {
		log.Printf(format, a...)
	}
}

type record struct {
	value   string
	version rpc.Tversion
}

type op struct {
	put   *rpc.PutArgs
	get   *rpc.GetArgs
	reply chan result
}

type result struct {
	value   string
	version rpc.Tversion
	err     rpc.Err
}

type KVServer struct {
	mu      sync.Mutex
	cond    *sync.Cond
	data    map[string]record
	ops     chan op
	applied int
	wg      sync.WaitGroup
}

func MakeKVServer() *KVServer {
	kv := &KVServer{data: make(map[string]record), ops: make(chan op)}
	kv.cond = sync.NewCond(&kv.mu)
	kv.wg.Add(1)
	go kv.applier()
	go kv.janitor(50 * time.Millisecond)
	return kv
}

func (kv *KVServer) applier() {
	defer kv.wg.Done()
	for o := range kv.ops {
		kv.mu.Lock()
		var r result
		if o.get != nil {
			rec, ok := kv.data[o.get.Key]
			r = result{rec.value, rec.version, rpc.OK}
			if !ok {
				r.err = rpc.ErrNoKey
			}
		} else {
			rec, ok := kv.data[o.put.Key]
			switch {
			case !ok && o.put.Version != 0:
				r.err = rpc.ErrNoKey
			case rec.version != o.put.Version:
				r.err = rpc.ErrVersion
			default:
				kv.data[o.put.Key] = record{o.put.Value, rec.version + 1}
				r.err = rpc.OK
			}
		}
		kv.applied++
		kv.cond.Broadcast()
		kv.mu.Unlock()
		o.reply <- r
	}
}

// janitor counts the keys now and then: a range over the map, which the
// simulator orders by the seed.
func (kv *KVServer) janitor(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		kv.mu.Lock()
		n := 0
		for k := range kv.data {
			n += len(k)
		}
		DPrintf("janitor: %d bytes of keys after %d ops", n, kv.applied)
		kv.mu.Unlock()
	}
}

func (kv *KVServer) submit(o op) result {
	o.reply = make(chan result, 1)
	select {
	case kv.ops <- o:
	case <-time.After(time.Second):
		log.Fatalf("applier stuck")
	}
	return <-o.reply
}

func (kv *KVServer) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	r := kv.submit(op{get: args})
	reply.Value, reply.Version, reply.Err = r.value, r.version, r.err
}

func (kv *KVServer) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	r := kv.submit(op{put: args})
	reply.Err = r.err
}

func (kv *KVServer) Kill() {}

func StartKVServer(ends []*labrpc.ClientEnd, gid tester.Tgid, srv int, persister *tester.Persister) []tester.IService {
	kv := MakeKVServer()
	return []tester.IService{kv}
}
