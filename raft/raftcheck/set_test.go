package raftcheck

import "testing"

// TestSetKeepsTheFirst: a Set reports the first violation of any of its
// checks and then nothing new, whatever follows; Violation says where.
func TestSetKeepsTheFirst(t *testing.T) {
	s := NewSet(NewElectionSafety(), NewStateMachine(2))
	events := []Event{
		{At: ms(1), Kind: Leader, Server: 0, Term: 1, Incarnation: 1},
		{At: ms(2), Kind: Apply, Server: 1, Index: 2, Incarnation: 1},
		{At: ms(3), Kind: Leader, Server: 1, Term: 1, Incarnation: 1},
	}
	var got []*Violation
	for i := range events {
		got = append(got, s.Observe(&events[i]))
	}
	if got[0] != nil || got[1] == nil || got[2] != got[1] || s.First() != got[1] || s.Finish(ms(9)) != got[1] {
		t.Fatalf("violations %v", got)
	}
	if want := "state-machine-safety: at 2ms, s1, index 2: applied index 2 right after index 0: a gap (out of order)"; got[1].Error() != want {
		t.Errorf("got %q\nwant %q", got[1], want)
	}
}
