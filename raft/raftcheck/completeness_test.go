package raftcheck

import "testing"

func TestLeaderCompleteness(t *testing.T) {
	base := []Event{
		{At: ms(1), Kind: Start, Server: 0, Term: 1, Index: 1},
		{At: ms(2), Kind: Start, Server: 0, Term: 1, Index: 2},
		{At: ms(3), Kind: Apply, Server: 1, Index: 1},
		{At: ms(4), Kind: Apply, Server: 1, Index: 2},
		{At: ms(5), Kind: Start, Server: 1, Term: 2, Index: 3},
		{At: ms(6), Kind: Start, Server: 2, Term: 1, Index: 2}, // a stale leader of an earlier term: its log may be short
		{At: ms(7), Kind: Restart, Server: 1, Incarnation: 2},
		{At: ms(8), Kind: Start, Server: 1, Term: 3, Index: 4, Incarnation: 2},
	}
	feed(t, NewLeaderCompleteness(3), base, -1, "")

	with := func(e Event) []Event { return append(append([]Event(nil), base...), e) }
	feed(t, NewLeaderCompleteness(3), with(Event{At: ms(9), Kind: Start, Server: 1, Term: 4, Index: 2, Incarnation: 2}), 8,
		"accepted a Start at index 2, but it applied index 2 at 4ms: its log lost a committed entry")
	feed(t, NewLeaderCompleteness(3), with(Event{At: ms(9), Kind: Start, Server: 0, Term: 1, Index: 2}), 8,
		"after accepting one at index 2 in the same term at 2ms")
	feed(t, NewLeaderCompleteness(3), []Event{{At: 0, Kind: Start, Server: 1, Term: 0, Index: -1}}, 0,
		"accepted a Start at index -1: a leader's log starts at index 1")
}

// TestLeaderCompletenessJudgesTheCall: a Start is judged against what its
// server had applied when it was called: one that applied its own entry
// before returning passes; one whose index the server applied before the
// call is a lost entry, whether or not more was applied during the call.
func TestLeaderCompletenessJudgesTheCall(t *testing.T) {
	during := []Event{
		{At: ms(1), Kind: Apply, Server: 0, Index: 1},
		{At: ms(2), Kind: Call, Server: 0},
		{At: ms(3), Kind: Apply, Server: 0, Index: 2}, // its own entry, committed while Start ran
		{At: ms(4), Kind: Start, Server: 0, Term: 1, Index: 2},
		{At: ms(5), Kind: Call, Server: 0},
		{At: ms(6), Kind: Start, Server: 0, Term: 1, Index: 3},
	}
	feed(t, NewLeaderCompleteness(3), during, -1, "")

	before := []Event{
		{At: ms(1), Kind: Apply, Server: 0, Index: 1},
		{At: ms(2), Kind: Apply, Server: 0, Index: 2},
		{At: ms(3), Kind: Call, Server: 0},
		{At: ms(4), Kind: Apply, Server: 0, Index: 3},
		{At: ms(5), Kind: Start, Server: 0, Term: 1, Index: 2},
	}
	feed(t, NewLeaderCompleteness(3), before, 4, "accepted a Start at index 2, but it applied index 2 at 2ms: its log lost")

	// A Call holds for the one Start that follows it, not for the next.
	once := append(append([]Event(nil), during[:4]...), Event{At: ms(5), Kind: Start, Server: 0, Term: 2, Index: 2})
	feed(t, NewLeaderCompleteness(3), once, 4, "accepted a Start at index 2, but it applied index 2 at 3ms")
}
