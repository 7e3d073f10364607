package raftcheck

import "testing"

func TestElectionSafety(t *testing.T) {
	ok := []Event{
		{At: ms(10), Kind: Leader, Server: 0, Term: 1},
		{At: ms(20), Kind: Start, Server: 0, Term: 1, Index: 1},
		{At: ms(30), Kind: Leader, Server: 1, Term: 2},
		{At: ms(40), Kind: Leader, Server: 0, Term: 1}, // a stale leader, still of its own term
	}
	feed(t, NewElectionSafety(), ok, -1, "")

	two := append(append([]Event(nil), ok...), Event{At: ms(50), Kind: Start, Server: 2, Term: 2, Index: 3})
	feed(t, NewElectionSafety(), two, 4, "two leaders in term 2: s1 (said so at 30ms) and s2 (accepted a Start at 50ms)")

	again := append(append([]Event(nil), ok...), Event{At: ms(60), Kind: Leader, Server: 1, Term: 2, Incarnation: 2})
	feed(t, NewElectionSafety(), again, 4, "s1 leads term 2 again after a restart")
}

// TestElectionSafetyFromAppendEntries: beneath a service, where nothing
// polls GetState, a server sending AppendEntries in a term is that term's
// leader: a second sender of the same term is a second leader.
func TestElectionSafetyFromAppendEntries(t *testing.T) {
	ok := []Event{
		{At: ms(10), Kind: Append, Server: 0, Term: 1},
		{At: ms(20), Kind: Append, Server: 0, Term: 1},
		{At: ms(30), Kind: Append, Server: 1, Term: 2},
		{At: ms(40), Kind: Append, Server: 0, Term: 1}, // a deposed leader's late heartbeat, of its own term
	}
	feed(t, NewElectionSafety(), ok, -1, "")
	two := append(append([]Event(nil), ok...), Event{At: ms(50), Kind: Append, Server: 2, Term: 2})
	feed(t, NewElectionSafety(), two, 4, "two leaders in term 2: s1 (sent an AppendEntries at 30ms) and s2 (sent an AppendEntries at 50ms)")
}
