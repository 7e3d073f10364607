package ref

// RequestVoteArgs is RequestVote's request.
type RequestVoteArgs struct {
	Term, CandidateId, LastLogIndex, LastLogTerm int
}

// RequestVoteReply is RequestVote's reply.
type RequestVoteReply struct {
	Term        int
	VoteGranted bool
}

// RequestVote is the handler: a vote for a candidate whose log is at
// least as up to date, once per term.
func (rf *Raft) RequestVote(args *RequestVoteArgs, reply *RequestVoteReply) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if args.Term > rf.term {
		rf.stepDown(args.Term)
	}
	reply.Term = rf.term
	if args.Term < rf.term {
		return
	}
	upToDate := args.LastLogTerm > rf.lastTerm() || args.LastLogTerm == rf.lastTerm() && args.LastLogIndex >= rf.lastIndex()
	if (rf.votedFor == -1 || rf.votedFor == args.CandidateId || rf.flaws&voteTwice != 0) && upToDate {
		rf.votedFor = args.CandidateId
		rf.persist()
		reply.VoteGranted = true
		rf.resetTimer()
	}
}

// startElection makes the server a candidate of a new term and asks every
// peer for its vote, each in a goroutine; mu is held.
func (rf *Raft) startElection() {
	rf.term++
	rf.role = candidate
	rf.votedFor = rf.me
	rf.persist()
	rf.resetTimer()
	term := rf.term
	args := RequestVoteArgs{Term: term, CandidateId: rf.me, LastLogIndex: rf.lastIndex(), LastLogTerm: rf.lastTerm()}
	votes := 1
	if votes >= rf.majority() {
		rf.becomeLeader()
		return
	}
	for peer := range rf.peers {
		if peer == rf.me {
			continue
		}
		rf.w.Go(func() {
			var reply RequestVoteReply
			if !rf.call(peer, "Raft.RequestVote", &args, &reply, &reply.Term, candidate, term) {
				return
			}
			defer rf.mu.Unlock()
			if !reply.VoteGranted {
				return
			}
			if votes++; votes == rf.majority() {
				rf.becomeLeader()
			}
		})
	}
}

// becomeLeader makes the candidate the leader of its term and starts its
// heartbeats; mu is held.
func (rf *Raft) becomeLeader() {
	rf.role = leader
	for i := range rf.peers {
		rf.nextIndex[i], rf.matchIndex[i] = rf.lastIndex()+1, 0
	}
	rf.matchIndex[rf.me] = rf.lastIndex()
	term := rf.term
	rf.w.GoNamed("heartbeat", func() {
		for {
			rf.mu.Lock()
			if rf.dead || rf.role != leader || rf.term != term {
				rf.mu.Unlock()
				return
			}
			rf.broadcast(true)
			rf.mu.Unlock()
			rf.sleep(Heartbeat)
		}
	})
}
