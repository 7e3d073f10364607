package ref

import (
	"fmt"
	"time"

	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/sim"
)

// Timing, in virtual time.
const (
	Heartbeat         = 100 * time.Millisecond
	ElectionTimeout   = 300 * time.Millisecond // at least
	ElectionTimeoutUp = 300 * time.Millisecond // plus up to this much, drawn
)

type role uint8

const (
	follower role = iota
	candidate
	leader
)

// Entry is one log entry.
type Entry struct {
	Term    int
	Command any
	// enc is the command's encoding in the persisted log, made the first
	// time the entry is persisted (persist): a snapshot rewrites the whole
	// log, and gob, a fresh stream per command, was half of a replicated
	// run's time. It does not travel (unexported).
	enc []byte
}

// String is the entry as a trace shows it: what travels.
func (e Entry) String() string { return fmt.Sprintf("{Term:%d Command:%+v}", e.Term, e.Command) }

// Raft is one server.
type Raft struct {
	w       *sim.World
	mu      *sim.Mutex
	peers   []*harness.End
	me      int
	ps      *harness.Persister
	applyCh *sim.Chan[harness.ApplyMsg]
	rng     sim.Entropy
	dead    bool

	// Persistent state: the term, the vote, and the log, whose first
	// entry stands for the snapshot's last (index base, its term); the
	// snapshot itself.
	term     int
	votedFor int
	base     int
	log      []Entry
	snapshot []byte

	commitIndex, lastApplied int
	role                     role
	deadline                 time.Duration // when the election timeout passes
	nextIndex, matchIndex    []int
	inflight                 []int // the leader's calls in flight, by peer
	applyCond                *sim.Cond
	snapPending              bool // the snapshot is to be sent on applyCh

	// The log's entries as persist encodes them, kept between calls:
	// encAt[k-1] is where log[k]'s encoding starts in encLog; encBuf is the
	// state persist saves, reused.
	encLog, encBuf []byte
	encAt          []int

	flaws flaw // deliberate bugs, for tests; none in a Raft Make made
}

// flaw is a deliberate bug, one bit each, that the tests of this package
// give a Raft to show that the scenarios and checks find it. Make's Raft
// has none.
type flaw uint8

const (
	// voteTwice grants a vote to a second candidate of a term it already
	// voted in (an up-to-date one).
	voteTwice flaw = 1 << iota
	// countOldTerms commits the highest entry a majority holds whatever
	// its term: the bug of the paper's Figure 8.
	countOldTerms
	// forgetVote never persists its vote: restarted, it votes again.
	forgetVote
	// applyOutOfOrder sends two committed entries in swapped order.
	applyOutOfOrder
	// startWaits is no bug: Start, having appended, waits (without the
	// lock) until its entry is applied, the server no longer leads the
	// term, or 100ms pass, as a Raft whose Start runs an AppendEntries
	// round before it returns. The checks must pass it.
	startWaits
)

// Make is harness.Make for the reference.
func Make(peers []*harness.End, me int, persister *harness.Persister, applyCh *sim.Chan[harness.ApplyMsg]) harness.Raft {
	return start(peers, me, persister, applyCh, 0)
}

// start makes a server with the given flaws.
func start(peers []*harness.End, me int, persister *harness.Persister, applyCh *sim.Chan[harness.ApplyMsg], flaws flaw) *Raft {
	w := persister.World()
	// Beneath a replicated service, the checks see what it is sent.
	harness.WatchApplies(persister, applyCh)
	rf := &Raft{
		w: w, mu: sim.NewMutex(w), peers: peers, me: me, ps: persister, applyCh: applyCh,
		rng: w.Stream(fmt.Sprintf("ref/%d", me)), votedFor: -1, log: []Entry{{}},
		nextIndex: make([]int, len(peers)), matchIndex: make([]int, len(peers)), inflight: make([]int, len(peers)), flaws: flaws,
	}
	rf.applyCond = sim.NewCond(w, rf.mu)
	rf.restore(persister.ReadRaftState())
	rf.snapshot = persister.ReadSnapshot()
	rf.commitIndex, rf.lastApplied = rf.base, rf.base
	rf.resetTimer()
	w.GoNamed("ticker", rf.ticker)
	w.GoNamed("applier", rf.applier)
	return rf
}

func (rf *Raft) lastIndex() int        { return rf.base + len(rf.log) - 1 }
func (rf *Raft) termAt(i int) int      { return rf.log[i-rf.base].Term }
func (rf *Raft) lastTerm() int         { return rf.log[len(rf.log)-1].Term }
func (rf *Raft) majority() int         { return len(rf.peers)/2 + 1 }
func (rf *Raft) now() time.Duration    { return rf.w.Now() }
func (rf *Raft) sleep(d time.Duration) { rf.w.Clock().Sleep(d) }

// resetTimer restarts the election timeout; mu is held.
func (rf *Raft) resetTimer() {
	rf.deadline = rf.now() + ElectionTimeout + time.Duration(rf.rng.Uint64N(uint64(ElectionTimeoutUp/time.Millisecond)))*time.Millisecond
}

// GetState implements harness.Raft.
func (rf *Raft) GetState() (int, bool) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	return rf.term, rf.role == leader
}

// PersistBytes implements harness.Raft.
func (rf *Raft) PersistBytes() int { return rf.ps.RaftStateSize() }

// Kill implements harness.Raft. It takes no lock: a crashed server's
// goroutines stop where they are, one of them perhaps holding it.
func (rf *Raft) Kill() { rf.dead = true }

// Start implements harness.Raft.
func (rf *Raft) Start(command any) (int, int, bool) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.role != leader || rf.dead {
		return -1, rf.term, false
	}
	rf.log = append(rf.log, Entry{Term: rf.term, Command: command})
	rf.persist()
	rf.matchIndex[rf.me] = rf.lastIndex()
	rf.advanceCommit()
	rf.broadcast(false)
	index, term := rf.lastIndex(), rf.term
	if rf.flaws&startWaits != 0 {
		rf.mu.Unlock()
		for range 100 {
			rf.sleep(time.Millisecond)
			rf.mu.Lock()
			done := rf.lastApplied >= index || rf.term != term || rf.role != leader || rf.dead
			rf.mu.Unlock()
			if done {
				break
			}
		}
		rf.mu.Lock()
	}
	return index, term, true
}

// stepDown makes the server a follower, in term if it is newer; mu is
// held.
func (rf *Raft) stepDown(term int) {
	if term > rf.term {
		rf.term, rf.votedFor = term, -1
		rf.persist()
	}
	rf.role = follower
}

// ticker starts an election whenever the election timeout passes.
func (rf *Raft) ticker() {
	for {
		rf.mu.Lock()
		if rf.dead {
			rf.mu.Unlock()
			return
		}
		if rf.role != leader && rf.now() >= rf.deadline {
			rf.startElection()
		}
		wait := rf.deadline - rf.now()
		if rf.role == leader {
			wait = ElectionTimeout
		}
		rf.mu.Unlock()
		rf.sleep(wait)
	}
}

// applier sends committed entries, and installed snapshots, on applyCh,
// in order, without the lock.
func (rf *Raft) applier() {
	rf.mu.Lock()
	for {
		for !rf.dead && !rf.snapPending && rf.lastApplied >= rf.commitIndex {
			rf.applyCond.Wait()
		}
		if rf.dead {
			rf.mu.Unlock()
			return
		}
		var msgs [2]harness.ApplyMsg
		n := 1
		if rf.snapPending || rf.lastApplied < rf.base {
			rf.snapPending = false
			msgs[0] = harness.ApplyMsg{SnapshotValid: true, Snapshot: rf.snapshot, SnapshotTerm: rf.log[0].Term, SnapshotIndex: rf.base}
		} else {
			i := rf.lastApplied + 1
			msgs[0] = harness.ApplyMsg{CommandValid: true, Command: rf.log[i-rf.base].Command, CommandIndex: i}
			if rf.flaws&applyOutOfOrder != 0 && i+1 <= rf.commitIndex {
				msgs[1], msgs[0] = msgs[0], harness.ApplyMsg{CommandValid: true, Command: rf.log[i+1-rf.base].Command, CommandIndex: i + 1}
				n = 2
			}
		}
		rf.mu.Unlock()
		for _, msg := range msgs[:n] {
			rf.applyCh.Send(msg)
		}
		rf.mu.Lock()
		for _, msg := range msgs[:n] {
			rf.lastApplied = max(rf.lastApplied, msg.CommandIndex, msg.SnapshotIndex)
		}
	}
}

// Snapshot implements harness.Raft: the service has a snapshot of
// everything up to index, so the log before it goes.
func (rf *Raft) Snapshot(index int, snapshot []byte) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if index <= rf.base || index > rf.lastIndex() {
		return
	}
	rf.trim(index, rf.termAt(index))
	rf.snapshot = snapshot
	rf.persist()
}

// trim drops the log up to index (of term), keeping what follows if the
// log holds index with that term, else all of it; mu is held.
func (rf *Raft) trim(index, term int) {
	var rest []Entry
	if index <= rf.lastIndex() && index > rf.base && rf.termAt(index) == term {
		rest = rf.log[index-rf.base+1:]
	}
	log := make([]Entry, 1, 1+len(rest))
	log[0] = Entry{Term: term}
	rf.log = append(log, rest...)
	rf.base = index
	rf.forget(0)
}
