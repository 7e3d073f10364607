package rsm

import (
	"encoding/binary"
	"encoding/gob"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/raft/ref"
	"github.com/kvsim/kvsim/sim"
)

// StateMachine is the service an RSM replicates (the course's): DoOp
// applies one request and returns its result; Snapshot and Restore save
// and load the whole state.
type StateMachine interface {
	DoOp(req any) any
	Snapshot() []byte
	Restore(snapshot []byte)
}

// Coalescer is a StateMachine that can answer a request arriving while
// an equal one (==) waits for its entry, without an entry of its own:
// Again returns the result req would have had applied right after the
// equal request, whose result was res, and whether that result holds
// however late req came (lasting). A client that resends a request its
// server is still committing then waits for the entry it already has in
// the log, and neither the log nor the queue for Raft's lock grows with
// resends. The answer is linearizable only if the entry is committed
// after the request arrived, or the result lasts (see coalesce); a
// request that finds an equal one whose entry was applied already (its
// submission had not yet taken its place after Start; the scenarios
// found a stale read so) is answered ErrWrongLeader instead.
type Coalescer interface {
	Again(req, res any) (result any, lasting bool)
}

// Op is a log entry: a request and the tag that names its submission.
type Op struct {
	Me   int    // the server that submitted it
	Term int    // a term in which that server's incarnation led, by the time it submitted
	Seq  uint64 // the server's count of submissions, in this incarnation
	Req  any
}

func init() { gob.Register(Op{}) }

// WatchEvery is how often a server with requests waiting asks its Raft
// whether it still leads the term they were submitted in.
const WatchEvery = 50 * time.Millisecond

// applyBuffer is the room in the channel on which Raft sends what it
// commits: the Raft's applier hands entries on without waiting for the
// RSM's to take each one, so that a server that is slow to schedule its
// goroutines (the preempt fault) applies a backlog at once, not one
// scheduling delay per entry.
const applyBuffer = 64

// RSM is one server's replicated state machine.
type RSM struct {
	w            *sim.World
	mu           *sim.Mutex
	me           int
	rf           harness.Raft
	applyCh      *sim.Chan[harness.ApplyMsg]
	maxraftstate int
	sm           StateMachine
	ps           *harness.Persister

	seq         uint64
	ledTerm     int // the latest term this incarnation knows it led (Start said so)
	lastApplied int
	recent      [recentResults]applied // the last results, by index modulo recentResults
	starting    []*waiter              // submissions not yet Started
	waiting     []*waiter              // submissions Started, not yet answered, in submission order
	watching    bool                   // the watcher goroutine runs

	flaws Flaw
}

// recentResults is how many of the last applied entries' results an RSM
// keeps, for submissions whose entry was applied before they began to
// wait for it.
const recentResults = 64

// applied is an applied entry's tag and result.
type applied struct {
	index int
	op    Op
	res   any
}

// recentResult is the result of op applied at index, OK, if it was and is
// still kept; else ErrWrongLeader; mu is held.
func (r *RSM) recentResult(index int, op Op) (rpc.Err, any) {
	a := &r.recent[index%recentResults]
	if a.index == index && (r.flaws&AnyOpAtIndex != 0 || sameTag(a.op, op)) {
		return rpc.OK, a.res
	}
	return rpc.ErrWrongLeader, nil
}

// waiter is one submission waiting for its index to be applied.
type waiter struct {
	index int
	term  int // the term Start said it led
	op    Op
	err   rpc.Err
	res   any
	ch    *sim.Chan[struct{}] // one send, once answered: each waiter woken alone

	followers []*waiter                      // equal requests answered with this one (coalesce)
	since     int                            // a follower's: what was applied as it came
	again     func(req, res any) (any, bool) // a follower's: its result from the one it follows
	mustLast  bool                           // a follower's: the one it follows was in the log already (coalesce)
}

// settle answers wt, and the requests that wait with it, and adds them
// to woken, to be woken once mu is let go (wake); mu is held.
//
// Nothing in a section under mu is a scheduling point (a channel send,
// a go statement, a call that waits): another goroutine could run while
// it is held, wait for it, and then hold it through its own scheduling
// delay, with every submission of a busy server queued behind (a
// convoy, which under the preempt fault never clears).
func (wt *waiter) settle(err rpc.Err, res any, woken []*waiter) []*waiter {
	wt.err, wt.res = err, res
	woken = append(woken, wt)
	for _, f := range wt.followers {
		switch {
		case err == rpc.OK && wt.index > f.since:
			again, lasting := f.again(f.op.Req, res)
			if f.mustLast && !lasting {
				// The entry may have been committed before the follower
				// came, by a leader this server has not heard of
				// (coalesce): only a result that holds however late it
				// came will do.
				woken = f.settle(rpc.ErrWrongLeader, nil, woken)
				break
			}
			woken = f.settle(err, again, woken)
		case err == rpc.OK:
			// The entry was applied before the follower came (its waiter
			// had not yet taken its place after Start): its result is of
			// a state the follower may not see.
			woken = f.settle(rpc.ErrWrongLeader, nil, woken)
		default:
			woken = f.settle(err, nil, woken)
		}
	}
	return woken
}

// wake wakes the waiters settle answered; mu is not held.
func wake(woken []*waiter) {
	for _, wt := range woken {
		wt.ch.Send(struct{}{})
	}
}

// coalesce is, when the state machine is a Coalescer and a request equal
// to req is starting or waiting for its entry (in the term this server
// last knew it led), a waiter for req that is answered with it; else nil.
// mu is held.
//
// An entry Started after the request arrived is committed, if ever, after
// it. One in the log already may have been committed, and later ones
// applied and answered, by a leader of a later term this server has not
// heard of, and this server, deposed and behind, would answer the request
// with a state older than what clients had seen before it arrived (a
// stale read the 5-server reference gave under many-clients and swarm,
// seed 12,048): a request that follows such an entry gets its result
// only if the Coalescer says it lasts (a Put after an equal successful
// Put: its version has moved on for good), else ErrWrongLeader, and its
// client tries again. Not following at all let resends queue for Raft's
// lock, one goroutine and one entry each, until the 3-server reference
// under many-clients stopped completing operations (seed 673).
func (r *RSM) coalesce(req any) *waiter {
	c, ok := r.sm.(Coalescer)
	if !ok || req == nil || !reflect.TypeOf(req).Comparable() {
		return nil
	}
	for _, wt := range r.starting {
		if wt.op.Req == req {
			return r.follow(wt, req, c)
		}
	}
	for _, wt := range r.waiting {
		if wt.term == r.ledTerm && wt.op.Req == req {
			f := r.follow(wt, req, c)
			f.mustLast = r.flaws&FollowLogged == 0
			return f
		}
	}
	return nil
}

// follow is a waiter for req, equal to wt's request, answered with it;
// mu is held.
func (r *RSM) follow(wt *waiter, req any, c Coalescer) *waiter {
	f := &waiter{op: Op{Req: req}, ch: sim.NewChan[struct{}](r.w, 1), again: c.Again, since: r.lastApplied}
	wt.followers = append(wt.followers, f)
	return f
}

// Flaw is a deliberate bug, for tests that show the scenarios find it;
// MakeRSM's RSM has none.
type Flaw uint8

const (
	// AnyOpAtIndex answers a submission with the result of whatever
	// entry was committed at its index, tag or no tag.
	AnyOpAtIndex Flaw = 1 << iota
	// WaitForever waits for the submission's own entry and nothing else:
	// no watcher asks whether the server still leads, and another entry
	// applied at its index (a successor's) or a snapshot installed over
	// it leaves it waiting. A server that loses its leadership with a
	// request in flight never answers it (the course's labrpc call waits
	// for the handler, so the client hangs).
	WaitForever
	// NoRestoreAtStart does not load the Persister's snapshot when the
	// server starts: a restarted server's Raft applies the entries after
	// the snapshot to an empty state machine, and its data is lost.
	NoRestoreAtStart
	// FollowLogged answers a request that follows an equal one whose
	// entry was in the log already with that entry's result, lasting or
	// not: a deposed leader, behind, answers it with a state older than
	// what clients saw before it arrived (coalesce).
	FollowLogged
	// SnapshotIsDone takes a submission whose index an installed
	// snapshot covers as done, answered OK without a result, though a
	// deposed leader's entry there may have been replaced by another.
	SnapshotIsDone
)

// MakeRSM starts server me's Raft (the reference's) and its applier.
// servers are ends to every server, servers[me] its own; maxraftstate is
// the Raft state's size past which it snapshots, -1 for never. It must
// be called on the server's machine (from its constructor), and returns
// at once.
func MakeRSM(servers []*harness.End, me int, persister *harness.Persister, maxraftstate int, sm StateMachine) *RSM {
	return Make(servers, me, persister, maxraftstate, sm, ref.Make, 0)
}

// Make is MakeRSM with the Raft mk makes, and flaws.
func Make(servers []*harness.End, me int, persister *harness.Persister, maxraftstate int, sm StateMachine, mk harness.Make, flaws Flaw) *RSM {
	w := persister.World()
	r := &RSM{w: w, mu: sim.NewMutex(w), me: me, maxraftstate: maxraftstate, sm: sm, ps: persister, flaws: flaws,
		applyCh: sim.NewChan[harness.ApplyMsg](w, applyBuffer)}
	if flaws&NoRestoreAtStart == 0 {
		r.restore(persister.ReadSnapshot())
	}
	r.rf = mk(servers, me, persister, r.applyCh)
	w.GoNamed("rsm-applier", r.applier)
	return r
}

// Raft is the Raft beneath, for the host to serve its handlers.
func (r *RSM) Raft() harness.Raft { return r.rf }

// Submit runs req through the log and returns its result once the entry
// is applied, OK; or ErrWrongLeader if this server does not lead, stops
// leading the term it submitted in, or sees another entry committed at
// the index: the client should try another server (the request may still
// be applied, by a later leader).
func (r *RSM) Submit(req any) (rpc.Err, any) {
	r.mu.Lock()
	if wt := r.coalesce(req); wt != nil {
		r.mu.Unlock()
		wt.ch.Recv()
		return wt.err, wt.res
	}
	r.seq++
	wt := &waiter{op: Op{Me: r.me, Term: r.ledTerm, Seq: r.seq, Req: req}, ch: sim.NewChan[struct{}](r.w, 1)}
	// Starting: equal requests that come while it waits for Raft's lock
	// follow it, rather than queue for the lock themselves.
	r.starting = append(r.starting, wt)
	r.mu.Unlock()
	ok := true
	if wt.op.Term == 0 {
		// No term led yet in this incarnation: ask, once.
		wt.op.Term, ok = r.rf.GetState()
	}
	// Nothing that waits runs under mu (not Start, which waits for
	// Raft's lock): a lock held across a wait is one every submission
	// and the applier queue behind, one scheduling delay each.
	var index, startTerm int
	if ok {
		index, startTerm, ok = r.rf.Start(wt.op)
	}
	var woken []*waiter
	r.mu.Lock()
	r.starting = slices.DeleteFunc(r.starting, func(s *waiter) bool { return s == wt })
	watch := false
	switch {
	case !ok:
		woken = wt.settle(rpc.ErrWrongLeader, nil, woken)
	case index <= r.lastApplied:
		// Applied before the waiter was in place: its result, if it is
		// still among the recent ones.
		r.ledTerm = max(r.ledTerm, startTerm)
		wt.index = index
		err, res := r.recentResult(index, wt.op)
		woken = wt.settle(err, res, woken)
	default:
		r.ledTerm = max(r.ledTerm, startTerm)
		wt.index, wt.term = index, startTerm
		r.waiting = append(r.waiting, wt)
		watch = !r.watching && r.flaws&WaitForever == 0
		r.watching = true
	}
	r.mu.Unlock()
	wake(woken)
	if watch {
		r.w.GoNamed("rsm-watcher", r.watch)
	}
	wt.ch.Recv()
	return wt.err, wt.res
}

// answer answers waiters: those at index with the result of op (theirs if
// the tag matches), those whose index is covered by applied (a
// snapshot's) with ErrWrongLeader, adding them to woken; mu is held.
func (r *RSM) answer(index int, op *Op, res any, woken []*waiter) []*waiter {
	kept := r.waiting[:0]
	for _, wt := range r.waiting {
		switch {
		case op != nil && wt.index == index && (r.flaws&AnyOpAtIndex != 0 || sameTag(wt.op, *op)):
			woken = wt.settle(rpc.OK, res, woken)
		case op == nil && wt.index <= index && r.flaws&SnapshotIsDone != 0:
			// Taken as done without a result (the snapshot has none), so
			// its followers have nothing to be answered with.
			for _, f := range wt.followers {
				woken = f.settle(rpc.ErrWrongLeader, nil, woken)
			}
			wt.followers = nil
			woken = wt.settle(rpc.OK, nil, woken)
		case wt.index <= index && r.flaws&WaitForever == 0:
			woken = wt.settle(rpc.ErrWrongLeader, nil, woken)
		default:
			kept = append(kept, wt)
		}
	}
	clear(r.waiting[len(kept):])
	r.waiting = kept
	return woken
}

func sameTag(a, b Op) bool { return a.Me == b.Me && a.Term == b.Term && a.Seq == b.Seq }

// applier applies what Raft commits, in order, answers the waiters, and
// snapshots when the Raft state grows past maxraftstate.
func (r *RSM) applier() {
	var woken []*waiter
	for msg := range sim.Range(r.w, r.applyCh) {
		woken = woken[:0]
		r.mu.Lock()
		switch {
		case msg.SnapshotValid:
			if msg.SnapshotIndex > r.lastApplied {
				r.restore(msg.Snapshot)
				woken = r.answer(r.lastApplied, nil, nil, woken)
			}
		case msg.CommandValid:
			if msg.CommandIndex <= r.lastApplied {
				break
			}
			r.lastApplied = msg.CommandIndex
			op, ok := msg.Command.(Op)
			var res any
			if ok {
				res = r.sm.DoOp(op.Req)
			}
			r.recent[msg.CommandIndex%recentResults] = applied{msg.CommandIndex, op, res}
			woken = r.answer(msg.CommandIndex, &op, res, woken)
		}
		index := r.lastApplied
		r.mu.Unlock()
		wake(woken)
		clear(woken)
		if msg.CommandValid && r.maxraftstate > 0 && r.rf.PersistBytes() >= r.maxraftstate {
			r.rf.Snapshot(index, append(binary.AppendUvarint(nil, uint64(index)), r.sm.Snapshot()...))
		}
	}
}

// watch answers every waiter ErrWrongLeader when the server stops leading
// the term it submitted in; it returns when nobody waits.
func (r *RSM) watch() {
	for {
		r.w.Clock().Sleep(WatchEvery)
		term, isLeader := r.rf.GetState()
		var woken []*waiter
		r.mu.Lock()
		kept := r.waiting[:0]
		for _, wt := range r.waiting {
			if isLeader && wt.term == term {
				kept = append(kept, wt)
				continue
			}
			woken = wt.settle(rpc.ErrWrongLeader, nil, woken)
		}
		clear(r.waiting[len(kept):])
		r.waiting = kept
		done := len(r.waiting) == 0
		r.watching = !done
		r.mu.Unlock()
		wake(woken)
		if done {
			return
		}
	}
}

// restore loads a snapshot: the index it was taken at, then the state
// machine's own bytes; an empty one is nothing.
func (r *RSM) restore(snap []byte) {
	if len(snap) == 0 {
		return
	}
	index, n := binary.Uvarint(snap)
	if n <= 0 {
		panic(fmt.Sprintf("rsm: server %d: a snapshot without its index", r.me))
	}
	r.sm.Restore(snap[n:])
	r.lastApplied = int(index)
}
