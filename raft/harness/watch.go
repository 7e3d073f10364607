package harness

import (
	"reflect"

	"github.com/kvsim/kvsim/raft/raftcheck"
	"github.com/kvsim/kvsim/sim"
)

// Watch checks the Raft beneath a replicated service: each server of a
// cluster that its host starts with a Watch's Node, whose service makes
// its Raft with that Node's Persister. It sees what the Raft shows
// without the service's help and without standing between the two: the
// commands and snapshots the Raft sends on its applyCh (WatchApplies, as
// the sends complete); through the Node's ends, the terms in which it
// sends AppendEntries (as only a term's leader does) and the votes its
// candidates receive; and the server's restarts. It adds no goroutine
// and takes no lock of the Raft's, so a run's schedule is the same
// watched or not (a GetState poller, contending for the Raft's lock every
// 50 ms, tipped a 5-server reference under 30 clients and the preempt
// fault into a lock convoy it never left, in 2 of 2,000 seeds). Its
// checks are the ones that need nothing of the Raft tester's own
// commands: election safety, one vote per term, and state machine
// safety, where a service's snapshot is opaque (its index is read, not
// its state).
type Watch struct {
	w        *sim.World
	checks   *raftcheck.Set
	machines []*sim.Machine
	ev       raftcheck.Event
	fail     func(server int, v error)
	failed   bool
}

// NewWatch is a Watch of a cluster of n servers of w; fail is told of the
// first violation (a *raftcheck.Violation) and the index of the server it
// is about (-1 for none), once, in the goroutine that observed it.
func NewWatch(w *sim.World, n int, fail func(server int, v error)) *Watch {
	sm := raftcheck.NewStateMachine(n)
	sm.Equal = raftcheck.SameValue // commands that went through gob
	return &Watch{
		w:        w,
		checks:   raftcheck.NewSet(raftcheck.NewElectionSafety(), raftcheck.NewVoteOnce(), sm),
		machines: make([]*sim.Machine, n),
		fail:     fail,
	}
}

// Node is NewNode for a watched server: its Persister and its ends feed
// the Watch, and the server's start is a restart to the checks (from a
// snapshot whose index they cannot read, if its machine holds one).
func (wa *Watch) Node(m *sim.Machine, names []string, me int) *Node {
	n := NewNode(wa.w, m, names, me)
	n.Persister.watch, n.Persister.me = wa, me
	wa.machines[me] = m
	wa.observe(raftcheck.Event{Kind: raftcheck.Restart, Server: me, Opaque: len(m.Persister().ReadSnapshot()) > 0})
	for j, end := range n.Ends {
		end.replied = func(method string, args, reply any) {
			switch method {
			case "Raft.RequestVote":
				if term, granted, ok := voteOf(args, reply); ok && granted {
					wa.observe(raftcheck.Event{Kind: raftcheck.Vote, Server: j, Term: term, Peer: me})
				}
			case "Raft.AppendEntries":
				if term, ok := termOf(args); ok {
					wa.observe(raftcheck.Event{Kind: raftcheck.Append, Server: me, Term: term})
				}
			}
		}
	}
	return n
}

// observe feeds e to the checks, stamped with the time and the server's
// incarnation, and reports the first violation.
func (wa *Watch) observe(ev raftcheck.Event) {
	if wa.failed {
		return
	}
	if ev.Server < 0 || ev.Server >= len(wa.machines) || wa.machines[ev.Server] == nil {
		return
	}
	wa.ev = ev
	e := &wa.ev
	e.At, e.Incarnation = wa.w.Now(), wa.machines[ev.Server].Incarnation()
	if v := wa.checks.Observe(e); v != nil {
		wa.failed = true
		wa.fail(v.Server, v)
	}
}

// WatchApplies has the Watch of the server whose Persister is p, if it is
// watched, see what its Raft sends on applyCh: a Raft's Make calls it
// with the arguments it was given. M is the course's ApplyMsg, or a
// tree's own with the same field names.
func WatchApplies[M any](p *Persister, applyCh *sim.Chan[M]) {
	if p == nil || p.watch == nil || applyCh == nil {
		return
	}
	wa, me := p.watch, p.me
	applyCh.OnSend(func(m M) {
		msg, ok := any(m).(ApplyMsg)
		if !ok {
			msg = applyMsgOf(reflect.ValueOf(m))
		}
		switch {
		case msg.CommandValid:
			wa.observe(raftcheck.Event{Kind: raftcheck.Apply, Server: me, Index: msg.CommandIndex, Command: msg.Command})
		case msg.SnapshotValid:
			wa.observe(raftcheck.Event{Kind: raftcheck.Snapshot, Server: me, Index: msg.SnapshotIndex, Term: msg.SnapshotTerm, Opaque: true})
		}
	})
}

// applyMsgOf reads a tree's own ApplyMsg by the course's field names.
func applyMsgOf(v reflect.Value) ApplyMsg {
	var m ApplyMsg
	if v.Kind() != reflect.Struct {
		return m
	}
	get := func(name string) reflect.Value { return v.FieldByName(name) }
	if f := get("CommandValid"); f.Kind() == reflect.Bool {
		m.CommandValid = f.Bool()
	}
	if f := get("Command"); f.IsValid() && f.CanInterface() {
		m.Command = f.Interface()
	}
	if f := get("CommandIndex"); f.CanInt() {
		m.CommandIndex = int(f.Int())
	}
	if f := get("SnapshotValid"); f.Kind() == reflect.Bool {
		m.SnapshotValid = f.Bool()
	}
	if f := get("SnapshotIndex"); f.CanInt() {
		m.SnapshotIndex = int(f.Int())
	}
	if f := get("SnapshotTerm"); f.CanInt() {
		m.SnapshotTerm = int(f.Int())
	}
	return m
}
