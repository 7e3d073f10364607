package raftcheck

import "testing"

func TestVoteOnce(t *testing.T) {
	ok := []Event{
		{At: ms(10), Kind: Vote, Server: 1, Term: 1, Peer: 0, Incarnation: 1},
		{At: ms(11), Kind: Vote, Server: 1, Term: 1, Peer: 0, Incarnation: 1}, // the same vote, asked again
		{At: ms(12), Kind: Vote, Server: 2, Term: 1, Peer: 0, Incarnation: 1},
		{At: ms(30), Kind: Vote, Server: 1, Term: 2, Peer: 2, Incarnation: 2}, // a new term, after a restart
	}
	feed(t, NewVoteOnce(), ok, -1, "")

	forgot := append(append([]Event(nil), ok...), Event{At: ms(40), Kind: Vote, Server: 1, Term: 2, Peer: 0, Incarnation: 3})
	feed(t, NewVoteOnce(), forgot, 4, "voted for s2 in term 2 (received at 30ms), then, restarted (incarnation 2, now 3), for s0: the vote was not persisted before the reply, or not restored at the restart")

	twice := append(append([]Event(nil), ok...), Event{At: ms(50), Kind: Vote, Server: 2, Term: 1, Peer: 1, Incarnation: 1})
	feed(t, NewVoteOnce(), twice, 4, "voted for s0 in term 1 (received at 12ms), then for s1 in the same term")

	// A voter that records the leader it follows as its vote (votedFor set
	// by an AppendEntries) grants that leader's late RequestVote of the
	// term again: the term has its leader, so the vote elects nobody. A
	// second vote for anyone else is still a second vote.
	toLeader := append(append([]Event(nil), ok...),
		Event{At: ms(60), Kind: Vote, Server: 1, Term: 3, Peer: 3},
		Event{At: ms(70), Kind: Append, Server: 0, Term: 3},
		Event{At: ms(71), Kind: Vote, Server: 1, Term: 3, Peer: 0})
	feed(t, NewVoteOnce(), toLeader, -1, "")
	toOther := append(append([]Event(nil), toLeader...), Event{At: ms(80), Kind: Vote, Server: 1, Term: 3, Peer: 2})
	feed(t, NewVoteOnce(), toOther, 7, "voted for s3 in term 3 (received at 60ms), then for s2 in the same term")

	// The leader's late vote may come back before the reply to the vote
	// the voter gave first, to a candidate that lost: still one vote that
	// counts.
	leaderFirst := append(append([]Event(nil), ok...),
		Event{At: ms(60), Kind: Append, Server: 0, Term: 3},
		Event{At: ms(61), Kind: Vote, Server: 1, Term: 3, Peer: 0},
		Event{At: ms(64), Kind: Vote, Server: 1, Term: 3, Peer: 2})
	feed(t, NewVoteOnce(), leaderFirst, -1, "")
	leaderFirstThenOther := append(append([]Event(nil), leaderFirst...), Event{At: ms(80), Kind: Vote, Server: 1, Term: 3, Peer: 3})
	feed(t, NewVoteOnce(), leaderFirstThenOther, 7, "voted for s2 in term 3 (received at 64ms), then for s3 in the same term")
}
