package raft

// A Raft peer, following Figure 2 of the extended Raft paper, with log
// compaction by snapshots (section 7).
//
// Log indices are absolute: index 1 is the first command ever appended.
// Entries up to and including lastIncludedIndex live only in the
// snapshot; rf.log holds the entries after it, so the entry at index i is
// rf.log[i-rf.lastIncludedIndex-1]. The helpers lastLogIndex, termAt and
// entryAt hide that arithmetic.
//
// Locking: rf.mu protects every field below it in the struct. No RPC is
// sent and nothing is sent on applyCh while rf.mu is held.

import (
	"bytes"
	"sync"
	"sync/atomic"
	"time"

	"6.5840/labgob"
	"6.5840/labrpc"
	"6.5840/raftapi"
	tester "6.5840/tester1"
)

type serverState int

const (
	follower serverState = iota
	candidate
	leader
)

// LogEntry is one slot of the replicated log.
type LogEntry struct {
	Term    int
	Command interface{}
}

// A Go object implementing a single Raft peer.
type Raft struct {
	mu        sync.Mutex          // Lock to protect shared access to this peer's state
	peers     []*labrpc.ClientEnd // RPC end points of all peers
	persister *tester.Persister   // Object to hold this peer's persisted state
	me        int                 // this peer's index into peers[]
	dead      int32               // set by Kill()

	applyCh   chan raftapi.ApplyMsg
	applyCond *sync.Cond // wakes the applier; uses mu

	// Persistent state (saved by persist before it matters to anyone).
	currentTerm       int
	votedFor          int // -1 for none
	log               []LogEntry
	lastIncludedIndex int // the last index the snapshot covers
	lastIncludedTerm  int // and its term
	snapshot          []byte

	// Volatile state.
	state            serverState
	commitIndex      int
	lastApplied      int
	electionDeadline time.Time
	pendingSnapshot  bool // a snapshot from InstallSnapshot the service has not seen yet

	// Leader state, reset at each election won.
	nextIndex  []int
	matchIndex []int
}

// ---- log helpers (rf.mu held) ----

func (rf *Raft) lastLogIndex() int {
	return rf.lastIncludedIndex + len(rf.log)
}

func (rf *Raft) lastLogTerm() int {
	return rf.termAt(rf.lastLogIndex())
}

// termAt is the term of the entry at index i, for
// lastIncludedIndex <= i <= lastLogIndex().
func (rf *Raft) termAt(i int) int {
	if i == rf.lastIncludedIndex {
		return rf.lastIncludedTerm
	}
	return rf.log[i-rf.lastIncludedIndex-1].Term
}

// entryAt is the entry at index i, for lastIncludedIndex < i <= lastLogIndex().
func (rf *Raft) entryAt(i int) LogEntry {
	return rf.log[i-rf.lastIncludedIndex-1]
}

// entriesFrom is a copy of the entries from index i to the end, for
// lastIncludedIndex < i <= lastLogIndex()+1.
func (rf *Raft) entriesFrom(i int) []LogEntry {
	tail := rf.log[i-rf.lastIncludedIndex-1:]
	out := make([]LogEntry, len(tail))
	copy(out, tail)
	return out
}

// GetState is the current term and whether this peer thinks it leads it.
func (rf *Raft) GetState() (int, bool) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	return rf.currentTerm, rf.state == leader
}

// ---- persistence ----

// persist saves the state Figure 2 calls persistent, plus where the
// snapshot ends, together with the snapshot itself. Called with rf.mu
// held, after every change to that state and before replying to or
// sending anything that depends on it.
func (rf *Raft) persist() {
	w := new(bytes.Buffer)
	e := labgob.NewEncoder(w)
	e.Encode(rf.currentTerm)
	e.Encode(rf.votedFor)
	e.Encode(rf.lastIncludedIndex)
	e.Encode(rf.lastIncludedTerm)
	e.Encode(rf.log)
	rf.persister.Save(w.Bytes(), rf.snapshot)
}

// readPersist restores the state persist saved.
func (rf *Raft) readPersist(data []byte) {
	if len(data) < 1 { // bootstrap without any state
		return
	}
	d := labgob.NewDecoder(bytes.NewBuffer(data))
	var currentTerm, votedFor, lastIncludedIndex, lastIncludedTerm int
	var entries []LogEntry
	if d.Decode(&currentTerm) != nil ||
		d.Decode(&votedFor) != nil ||
		d.Decode(&lastIncludedIndex) != nil ||
		d.Decode(&lastIncludedTerm) != nil ||
		d.Decode(&entries) != nil {
		panic("raft: cannot decode persisted state")
	}
	rf.currentTerm = currentTerm
	rf.votedFor = votedFor
	rf.lastIncludedIndex = lastIncludedIndex
	rf.lastIncludedTerm = lastIncludedTerm
	rf.log = entries
}

// PersistBytes is the size of the persisted Raft state.
func (rf *Raft) PersistBytes() int {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	return rf.persister.RaftStateSize()
}

// ---- snapshots ----

// Snapshot is the service saying that snapshot covers everything through
// index, so the log up to there can go.
func (rf *Raft) Snapshot(index int, snapshot []byte) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if index <= rf.lastIncludedIndex || index > rf.commitIndex {
		return // older than what we have, or not ours to discard yet
	}
	term := rf.termAt(index)
	rf.log = rf.entriesFrom(index + 1)
	rf.lastIncludedIndex = index
	rf.lastIncludedTerm = term
	rf.snapshot = snapshot
	rf.persist()
}

type InstallSnapshotArgs struct {
	Term              int
	LeaderId          int
	LastIncludedIndex int
	LastIncludedTerm  int
	Data              []byte
}

type InstallSnapshotReply struct {
	Term int
}

func (rf *Raft) InstallSnapshot(args *InstallSnapshotArgs, reply *InstallSnapshotReply) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	reply.Term = rf.currentTerm
	if args.Term < rf.currentTerm {
		return
	}
	rf.becomeFollower(args.Term)
	reply.Term = rf.currentTerm
	rf.resetElectionTimer()

	if args.LastIncludedIndex <= rf.commitIndex {
		return // we already have everything it covers
	}
	if args.LastIncludedIndex <= rf.lastLogIndex() && rf.termAt(args.LastIncludedIndex) == args.LastIncludedTerm {
		// Our log agrees up to the snapshot: keep what follows it.
		rf.log = rf.entriesFrom(args.LastIncludedIndex + 1)
	} else {
		rf.log = nil
	}
	rf.lastIncludedIndex = args.LastIncludedIndex
	rf.lastIncludedTerm = args.LastIncludedTerm
	rf.snapshot = args.Data
	rf.commitIndex = args.LastIncludedIndex
	rf.persist()
	rf.pendingSnapshot = true
	rf.applyCond.Signal()
}

func (rf *Raft) sendSnapshot(server int, args InstallSnapshotArgs) {
	var reply InstallSnapshotReply
	if !rf.peers[server].Call("Raft.InstallSnapshot", &args, &reply) {
		return
	}
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if reply.Term > rf.currentTerm {
		rf.becomeFollower(reply.Term)
		return
	}
	if rf.state != leader || rf.currentTerm != args.Term {
		return
	}
	if args.LastIncludedIndex > rf.matchIndex[server] {
		rf.matchIndex[server] = args.LastIncludedIndex
	}
	if args.LastIncludedIndex+1 > rf.nextIndex[server] {
		rf.nextIndex[server] = args.LastIncludedIndex + 1
	}
}

// ---- state changes (rf.mu held) ----

func (rf *Raft) resetElectionTimer() {
	rf.electionDeadline = time.Now().Add(randomElectionTimeout())
}

// becomeFollower moves to term (if it is newer) and steps down.
func (rf *Raft) becomeFollower(term int) {
	if term > rf.currentTerm {
		rf.currentTerm = term
		rf.votedFor = -1
		rf.persist()
	}
	rf.state = follower
}

func (rf *Raft) becomeLeader() {
	rf.state = leader
	for i := range rf.peers {
		rf.nextIndex[i] = rf.lastLogIndex() + 1
		rf.matchIndex[i] = 0
	}
	DPrintf("%d: leader of term %d", rf.me, rf.currentTerm)
	go rf.heartbeats(rf.currentTerm)
}

// ---- elections ----

type RequestVoteArgs struct {
	Term         int
	CandidateId  int
	LastLogIndex int
	LastLogTerm  int
}

type RequestVoteReply struct {
	Term        int
	VoteGranted bool
}

func (rf *Raft) RequestVote(args *RequestVoteArgs, reply *RequestVoteReply) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if args.Term > rf.currentTerm {
		rf.becomeFollower(args.Term)
	}
	reply.Term = rf.currentTerm
	reply.VoteGranted = false
	if args.Term < rf.currentTerm {
		return
	}
	// Section 5.4.1: only vote for a candidate whose log is at least as
	// up to date as ours.
	upToDate := args.LastLogTerm > rf.lastLogTerm() ||
		(args.LastLogTerm == rf.lastLogTerm() && args.LastLogIndex >= rf.lastLogIndex())
	if (rf.votedFor == -1 || rf.votedFor == args.CandidateId) && upToDate {
		rf.votedFor = args.CandidateId
		rf.persist()
		rf.resetElectionTimer()
		reply.VoteGranted = true
	}
}

func (rf *Raft) sendRequestVote(server int, args *RequestVoteArgs, reply *RequestVoteReply) bool {
	ok := rf.peers[server].Call("Raft.RequestVote", args, reply)
	return ok
}

// startElection begins a new term as a candidate and asks every peer for
// its vote. Called with rf.mu held.
func (rf *Raft) startElection() {
	rf.state = candidate
	rf.currentTerm++
	rf.votedFor = rf.me
	rf.persist()
	rf.resetElectionTimer()
	DPrintf("%d: election for term %d", rf.me, rf.currentTerm)

	args := RequestVoteArgs{
		Term:         rf.currentTerm,
		CandidateId:  rf.me,
		LastLogIndex: rf.lastLogIndex(),
		LastLogTerm:  rf.lastLogTerm(),
	}
	votes := 1 // our own; guarded by rf.mu
	if votes > len(rf.peers)/2 {
		rf.becomeLeader()
		return
	}
	for i := range rf.peers {
		if i == rf.me {
			continue
		}
		go func(server int) {
			var reply RequestVoteReply
			if !rf.sendRequestVote(server, &args, &reply) {
				return
			}
			rf.mu.Lock()
			defer rf.mu.Unlock()
			if reply.Term > rf.currentTerm {
				rf.becomeFollower(reply.Term)
				return
			}
			if rf.state != candidate || !reply.VoteGranted { // BUG: a vote granted in an earlier election counts
				return
			}
			votes++
			if votes > len(rf.peers)/2 {
				rf.becomeLeader()
			}
		}(i)
	}
}

// ticker starts an election whenever the election deadline passes without
// this peer hearing from a leader or granting a vote.
func (rf *Raft) ticker() {
	for !rf.killed() {
		rf.mu.Lock()
		if rf.state != leader && !time.Now().Before(rf.electionDeadline) {
			rf.startElection()
		}
		wait := time.Until(rf.electionDeadline)
		if rf.state == leader {
			wait = electionTimeoutMin
		}
		rf.mu.Unlock()
		if wait < 10*time.Millisecond {
			wait = 10 * time.Millisecond
		}
		time.Sleep(wait)
	}
}

// ---- log replication ----

type AppendEntriesArgs struct {
	Term         int
	LeaderId     int
	PrevLogIndex int
	PrevLogTerm  int
	Entries      []LogEntry
	LeaderCommit int
}

// On a mismatch the follower says where the leader should back up to:
// XTerm is the term of its conflicting entry at PrevLogIndex and XIndex the
// first index it holds with that term; XTerm is -1 when its log is too
// short, and then XLen is the index just past its last entry.
type AppendEntriesReply struct {
	Term    int
	Success bool
	XTerm   int
	XIndex  int
	XLen    int
}

func (rf *Raft) AppendEntries(args *AppendEntriesArgs, reply *AppendEntriesReply) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	reply.Term = rf.currentTerm
	reply.Success = false
	if args.Term < rf.currentTerm {
		return
	}
	rf.becomeFollower(args.Term) // also turns a candidate of this term back
	reply.Term = rf.currentTerm
	rf.resetElectionTimer()

	prevIndex, prevTerm, entries := args.PrevLogIndex, args.PrevLogTerm, args.Entries
	if prevIndex < rf.lastIncludedIndex {
		// The start of what was sent is already in our snapshot, hence
		// committed and identical to the leader's: skip past it.
		skip := rf.lastIncludedIndex - prevIndex
		if skip >= len(entries) {
			reply.Success = true
			return
		}
		entries = entries[skip:]
		prevIndex, prevTerm = rf.lastIncludedIndex, rf.lastIncludedTerm
	}
	if prevIndex > rf.lastLogIndex() {
		reply.XTerm = -1
		reply.XLen = rf.lastLogIndex() + 1
		return
	}
	if t := rf.termAt(prevIndex); t != prevTerm {
		reply.XTerm = t
		first := prevIndex
		for first-1 > rf.lastIncludedIndex && rf.termAt(first-1) == t {
			first--
		}
		reply.XIndex = first
		return
	}

	// Append what is new; cut our log only at a real conflict, since this
	// request may be older than one we already took.
	for j, e := range entries {
		index := prevIndex + 1 + j
		if index > rf.lastLogIndex() || rf.termAt(index) != e.Term {
			rf.log = append(rf.log[:index-rf.lastIncludedIndex-1], entries[j:]...)
			rf.persist()
			break
		}
	}

	if args.LeaderCommit > rf.commitIndex {
		newCommit := args.LeaderCommit
		if last := prevIndex + len(entries); last < newCommit {
			newCommit = last
		}
		if newCommit > rf.commitIndex {
			rf.commitIndex = newCommit
			rf.applyCond.Signal()
		}
	}
	reply.Success = true
}

// replicate sends server what it is missing: entries from nextIndex on
// (none for a heartbeat), or the snapshot if those have been discarded.
// Called with rf.mu held by the leader.
func (rf *Raft) replicate(server int) {
	next := rf.nextIndex[server]
	if next <= rf.lastIncludedIndex {
		args := InstallSnapshotArgs{
			Term:              rf.currentTerm,
			LeaderId:          rf.me,
			LastIncludedIndex: rf.lastIncludedIndex,
			LastIncludedTerm:  rf.lastIncludedTerm,
			Data:              rf.snapshot,
		}
		go rf.sendSnapshot(server, args)
		return
	}
	args := AppendEntriesArgs{
		Term:         rf.currentTerm,
		LeaderId:     rf.me,
		PrevLogIndex: next - 1,
		PrevLogTerm:  rf.termAt(next - 1),
		Entries:      rf.entriesFrom(next),
		LeaderCommit: rf.commitIndex,
	}
	go rf.sendAppend(server, args)
}

func (rf *Raft) broadcast() {
	for i := range rf.peers {
		if i != rf.me {
			rf.replicate(i)
		}
	}
}

func (rf *Raft) sendAppend(server int, args AppendEntriesArgs) {
	var reply AppendEntriesReply
	if !rf.peers[server].Call("Raft.AppendEntries", &args, &reply) {
		return
	}
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if reply.Term > rf.currentTerm {
		rf.becomeFollower(reply.Term)
		return
	}
	if rf.state != leader || rf.currentTerm != args.Term {
		return // a reply to a request of an earlier term
	}
	if reply.Success {
		match := args.PrevLogIndex + len(args.Entries)
		if match > rf.matchIndex[server] {
			rf.matchIndex[server] = match
		}
		if match+1 > rf.nextIndex[server] {
			rf.nextIndex[server] = match + 1
		}
		rf.advanceCommit()
		return
	}

	// Fast backup (the lecture's XTerm/XIndex/XLen scheme).
	if reply.XTerm == -1 {
		rf.nextIndex[server] = reply.XLen
	} else {
		next := reply.XIndex // we have no entry of XTerm: skip all of it
		for i := rf.lastLogIndex(); i > rf.lastIncludedIndex; i-- {
			t := rf.termAt(i)
			if t == reply.XTerm {
				next = i + 1 // just past our last entry of XTerm
				break
			}
			if t < reply.XTerm {
				break
			}
		}
		rf.nextIndex[server] = next
	}
	if rf.nextIndex[server] < 1 {
		rf.nextIndex[server] = 1
	}
	rf.replicate(server)
}

// advanceCommit moves commitIndex to the highest index a majority holds,
// counting replicas only for an entry of the current term (Figure 8: an
// older term's entry is committed only by a current-term entry after it).
// Called with rf.mu held by the leader.
func (rf *Raft) advanceCommit() {
	for n := rf.lastLogIndex(); n > rf.commitIndex; n-- {
		if rf.termAt(n) != rf.currentTerm {
			break // and every earlier entry is older still
		}
		count := 1
		for i := range rf.peers {
			if i != rf.me && rf.matchIndex[i] >= n {
				count++
			}
		}
		if count > len(rf.peers)/2 {
			rf.commitIndex = n
			rf.applyCond.Signal()
			return
		}
	}
}

// heartbeats keeps followers of term quiet while this peer leads it.
func (rf *Raft) heartbeats(term int) {
	for !rf.killed() {
		rf.mu.Lock()
		if rf.state != leader || rf.currentTerm != term {
			rf.mu.Unlock()
			return
		}
		rf.broadcast()
		rf.mu.Unlock()
		time.Sleep(heartbeatInterval)
	}
}

// Start appends command to the leader's log and begins replicating it,
// returning at once with the index it will have if it is ever committed,
// the current term, and whether this peer thinks it is the leader.
func (rf *Raft) Start(command interface{}) (int, int, bool) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.killed() || rf.state != leader {
		return -1, rf.currentTerm, false
	}
	rf.log = append(rf.log, LogEntry{Term: rf.currentTerm, Command: command})
	rf.persist()
	index := rf.lastLogIndex()
	rf.broadcast()
	return index, rf.currentTerm, true
}

// ---- applying ----

// applier delivers, in index order, the snapshot installed by a leader and
// the committed entries the service has not seen. It is the only sender on
// applyCh, and sends with rf.mu released: the service may call Snapshot
// (which takes rf.mu) while it handles a message.
func (rf *Raft) applier() {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	for !rf.killed() {
		if rf.pendingSnapshot {
			rf.pendingSnapshot = false
			if rf.lastIncludedIndex > rf.lastApplied {
				msg := raftapi.ApplyMsg{
					SnapshotValid: true,
					Snapshot:      rf.snapshot,
					SnapshotTerm:  rf.lastIncludedTerm,
					SnapshotIndex: rf.lastIncludedIndex,
				}
				rf.lastApplied = rf.lastIncludedIndex
				rf.mu.Unlock()
				rf.applyCh <- msg
				rf.mu.Lock()
			}
			continue
		}
		if rf.lastApplied < rf.commitIndex {
			first, last := rf.lastApplied+1, rf.commitIndex
			msgs := make([]raftapi.ApplyMsg, 0, last-first+1)
			for i := first; i <= last; i++ {
				msgs = append(msgs, raftapi.ApplyMsg{
					CommandValid: true,
					Command:      rf.entryAt(i).Command,
					CommandIndex: i,
				})
			}
			rf.lastApplied = last
			rf.mu.Unlock()
			for _, msg := range msgs {
				rf.applyCh <- msg
			}
			rf.mu.Lock()
			continue
		}
		rf.applyCond.Wait()
	}
}

// Kill stops this peer: its long-running goroutines check killed() and
// return.
func (rf *Raft) Kill() {
	atomic.StoreInt32(&rf.dead, 1)
	rf.mu.Lock()
	rf.applyCond.Broadcast() // let the applier see it and return
	rf.mu.Unlock()
}

func (rf *Raft) killed() bool {
	z := atomic.LoadInt32(&rf.dead)
	return z == 1
}

// Make creates peer me of the cluster peers, restoring whatever persister
// holds from before a crash, and returns at once; committed commands (and
// installed snapshots) are delivered on applyCh.
func Make(peers []*labrpc.ClientEnd, me int,
	persister *tester.Persister, applyCh chan raftapi.ApplyMsg) raftapi.Raft {
	rf := &Raft{}
	rf.peers = peers
	rf.persister = persister
	rf.me = me
	rf.applyCh = applyCh
	rf.applyCond = sync.NewCond(&rf.mu)

	rf.votedFor = -1
	rf.state = follower
	rf.nextIndex = make([]int, len(peers))
	rf.matchIndex = make([]int, len(peers))

	// initialize from state persisted before a crash
	rf.readPersist(persister.ReadRaftState())
	rf.snapshot = persister.ReadSnapshot()
	// The service restores itself from the snapshot, so everything it
	// covers counts as committed and applied.
	rf.commitIndex = rf.lastIncludedIndex
	rf.lastApplied = rf.lastIncludedIndex
	rf.resetElectionTimer()

	go rf.ticker()
	go rf.applier()

	return rf
}
