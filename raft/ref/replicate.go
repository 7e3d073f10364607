package ref

import "slices"

// MaxEntries bounds the entries of one AppendEntries: a follower far
// behind catches up in batches, each sent as soon as the one before it is
// acknowledged.
const MaxEntries = 100

// AppendEntriesArgs is AppendEntries' request.
type AppendEntriesArgs struct {
	Term, LeaderId, PrevLogIndex, PrevLogTerm int
	Entries                                   []Entry
	LeaderCommit                              int
}

// AppendEntriesReply is AppendEntries' reply; on a mismatch, XTerm is the
// term of the follower's entry at PrevLogIndex (-1 if its log is shorter),
// XIndex the first index of that term in its log, XLen its log's length:
// the leader backs up a whole term at a time.
type AppendEntriesReply struct {
	Term                int
	Success             bool
	XTerm, XIndex, XLen int
}

// InstallSnapshotArgs is InstallSnapshot's request.
type InstallSnapshotArgs struct {
	Term, LeaderId, LastIncludedIndex, LastIncludedTerm int
	Data                                                []byte
}

// InstallSnapshotReply is InstallSnapshot's reply.
type InstallSnapshotReply struct{ Term int }

// AppendEntries is the handler.
func (rf *Raft) AppendEntries(args *AppendEntriesArgs, reply *AppendEntriesReply) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	reply.Term = rf.term
	if args.Term < rf.term {
		return
	}
	rf.stepDown(args.Term)
	rf.resetTimer()
	reply.Term = rf.term

	prev, entries := args.PrevLogIndex, args.Entries
	if prev < rf.base { // what the snapshot covers is committed, and agrees
		skip := min(rf.base-prev, len(entries))
		prev, entries = prev+skip, entries[skip:]
		if prev < rf.base {
			reply.Success = true
			return
		}
	}
	if prev > rf.lastIndex() {
		reply.XTerm, reply.XLen = -1, rf.lastIndex()+1
		return
	}
	if t := rf.termAt(prev); t != args.PrevLogTerm {
		i := prev
		for i > rf.base+1 && rf.termAt(i-1) == t {
			i--
		}
		reply.XTerm, reply.XIndex, reply.XLen = t, i, rf.lastIndex()+1
		return
	}
	changed := false
	for k, e := range entries {
		i := prev + 1 + k
		if i <= rf.lastIndex() {
			if rf.termAt(i) == e.Term {
				continue // a stale or repeated request: keep what follows
			}
			// A new array from here on: a leader's AppendEntries it
			// has not sent yet may hold entries of the old one.
			rf.log = slices.Clip(rf.log[:i-rf.base])
			rf.forget(i - rf.base)
		}
		rf.log = append(rf.log, entries[k:]...)
		changed = true
		break
	}
	if changed {
		rf.persist()
	}
	reply.Success = true
	if last := args.PrevLogIndex + len(args.Entries); args.LeaderCommit > rf.commitIndex && last > rf.commitIndex {
		rf.commitIndex = min(args.LeaderCommit, last)
		rf.applyCond.Broadcast()
	}
}

// InstallSnapshot is the handler.
func (rf *Raft) InstallSnapshot(args *InstallSnapshotArgs, reply *InstallSnapshotReply) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	reply.Term = rf.term
	if args.Term < rf.term {
		return
	}
	rf.stepDown(args.Term)
	rf.resetTimer()
	reply.Term = rf.term
	if args.LastIncludedIndex <= rf.commitIndex {
		return // the log already holds it, committed
	}
	rf.trim(args.LastIncludedIndex, args.LastIncludedTerm)
	rf.snapshot = args.Data
	rf.commitIndex = args.LastIncludedIndex
	rf.snapPending = true
	rf.persist()
	rf.applyCond.Broadcast()
}

// broadcast sends every peer what it lacks, each call in a goroutine of
// its own; a Start's (all false) skips the peers that have a call in
// flight already, which the next heartbeat's (all true) does not; mu is
// held.
func (rf *Raft) broadcast(all bool) {
	term := rf.term
	for peer := range rf.peers {
		if peer != rf.me && (all || rf.inflight[peer] == 0) {
			rf.w.Go(func() { rf.replicate(peer, term) })
		}
	}
}

// replicate sends peer the entries from its next index on (or the
// snapshot, if that is where they are), as the leader of term, and
// handles the reply.
func (rf *Raft) replicate(peer, term int) {
	rf.mu.Lock()
	if rf.dead || rf.role != leader || rf.term != term {
		rf.mu.Unlock()
		return
	}
	next := rf.nextIndex[peer]
	if next <= rf.base {
		args := InstallSnapshotArgs{Term: term, LeaderId: rf.me, LastIncludedIndex: rf.base, LastIncludedTerm: rf.log[0].Term, Data: rf.snapshot}
		rf.inflight[peer]++
		rf.mu.Unlock()
		var reply InstallSnapshotReply
		if !rf.callPeer(peer, "Raft.InstallSnapshot", &args, &reply, &reply.Term, term) {
			return
		}
		defer rf.mu.Unlock()
		rf.matchIndex[peer] = max(rf.matchIndex[peer], args.LastIncludedIndex)
		rf.nextIndex[peer] = max(rf.nextIndex[peer], args.LastIncludedIndex+1)
		return
	}
	args := AppendEntriesArgs{Term: term, LeaderId: rf.me, PrevLogIndex: next - 1, PrevLogTerm: rf.termAt(next - 1), LeaderCommit: rf.commitIndex}
	if next <= rf.lastIndex() {
		// The log's own entries, not a copy: the request's are copied as
		// it is sent, and the log is never changed where they are (a
		// truncation makes a new array, an append writes past them).
		end := min(rf.lastIndex(), next+MaxEntries-1)
		args.Entries = rf.log[next-rf.base : end+1-rf.base : end+1-rf.base]
	}
	rf.inflight[peer]++
	rf.mu.Unlock()
	var reply AppendEntriesReply
	if !rf.callPeer(peer, "Raft.AppendEntries", &args, &reply, &reply.Term, term) {
		return
	}
	defer rf.mu.Unlock()
	if reply.Success {
		match := args.PrevLogIndex + len(args.Entries)
		rf.matchIndex[peer] = max(rf.matchIndex[peer], match)
		rf.nextIndex[peer] = max(rf.nextIndex[peer], match+1)
		rf.advanceCommit()
		if len(args.Entries) == MaxEntries && rf.nextIndex[peer] <= rf.lastIndex() {
			rf.w.Go(func() { rf.replicate(peer, term) }) // the next batch, at once
		}
		return
	}
	// Back up past the conflicting term: to just after the leader's last
	// entry of XTerm, if it has one, else to the follower's first of it.
	back := reply.XLen
	if reply.XTerm >= 0 {
		back = reply.XIndex
		for i := rf.lastIndex(); i > rf.base; i-- {
			if t := rf.termAt(i); t == reply.XTerm {
				back = i + 1
				break
			} else if t < reply.XTerm {
				break
			}
		}
	}
	back = max(back, rf.matchIndex[peer]+1, 1)
	if back < rf.nextIndex[peer] {
		rf.nextIndex[peer] = back
		rf.w.Go(func() { rf.replicate(peer, term) })
	}
}

// advanceCommit commits the highest index of the leader's own term that a
// majority holds, and all before it; mu is held. The highest index a
// majority holds is the majority-th largest match index; if it is of an
// earlier term, so is every index below it.
func (rf *Raft) advanceCommit() {
	var buf [16]int
	match := append(buf[:0], rf.matchIndex...)
	slices.Sort(match)
	n := min(match[len(match)-rf.majority()], rf.lastIndex())
	if n > rf.commitIndex && n > rf.base && (rf.termAt(n) == rf.term || rf.flaws&countOldTerms != 0) {
		rf.commitIndex = n
		rf.applyCond.Broadcast()
	}
}

// callPeer is call for the leader of term, which counts its calls in
// flight to each peer: the caller counted this one before it let mu go
// (mu is not held when it is called).
func (rf *Raft) callPeer(peer int, method string, args, reply any, replyTerm *int, term int) bool {
	ok := rf.peers[peer].Call(method, args, reply)
	rf.mu.Lock()
	rf.inflight[peer]--
	if !ok {
		rf.mu.Unlock()
		return false
	}
	return rf.still(replyTerm, leader, term)
}

// call sends a request of the server in role r of term to peer and, once
// the reply is back, takes mu and reports whether the reply is still of
// use: the server is still in role r of term (a reply of a newer term,
// replyTerm, steps it down). It returns false without mu.
func (rf *Raft) call(peer int, method string, args, reply any, replyTerm *int, r role, term int) bool {
	if !rf.peers[peer].Call(method, args, reply) {
		return false
	}
	rf.mu.Lock()
	return rf.still(replyTerm, r, term)
}

// still takes a reply of term replyTerm to the server in role r of term
// (a newer term steps it down) and reports whether the server still is;
// mu is held, and released if not.
func (rf *Raft) still(replyTerm *int, r role, term int) bool {
	if *replyTerm > rf.term {
		rf.stepDown(*replyTerm)
	}
	if rf.dead || rf.role != r || rf.term != term {
		rf.mu.Unlock()
		return false
	}
	return true
}
