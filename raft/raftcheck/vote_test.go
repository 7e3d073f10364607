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
}
