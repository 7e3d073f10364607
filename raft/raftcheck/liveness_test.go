package raftcheck

import (
	"testing"
	"time"
)

func TestLiveness(t *testing.T) {
	base := []Event{
		{At: ms(1), Kind: Start, Server: 0, Term: 1, Index: 1, Command: 1}, // before quiet: does not count
		{At: ms(2), Kind: Apply, Server: 0, Index: 1, Command: 1},
		{At: ms(3), Kind: Apply, Server: 1, Index: 1, Command: 1},
		{At: ms(4), Kind: Apply, Server: 2, Index: 1, Command: 1},
		{At: ms(100), Kind: Quiet, Server: -1},
		{At: ms(110), Kind: Start, Server: 2, Term: 1, Index: 2, Command: 7}, // a stale leader's: never commits
		{At: ms(120), Kind: Start, Server: 1, Term: 2, Index: 2, Command: 8},
		{At: ms(130), Kind: Apply, Server: 1, Index: 2, Command: 8},
		{At: ms(140), Kind: Apply, Server: 0, Index: 2, Command: 8},
	}
	done := append(append([]Event(nil), base...), Event{At: ms(150), Kind: Snapshot, Server: 2, Index: 2, Commands: []any{nil, 1, 8}})
	c := NewLiveness(3, time.Second)
	feed(t, c, done, -1, "")
	if v := c.Finish(ms(5000)); v != nil {
		t.Errorf("Finish: %v", v)
	}

	late := append(append([]Event(nil), base...), Event{At: ms(1101), Kind: Apply, Server: 2, Index: 2, Command: 8})
	feed(t, NewLiveness(3, time.Second), late, len(base), "faults stopped at 100ms, yet by 1.1s no command Started since was applied by every server")

	c = NewLiveness(3, time.Second)
	feed(t, c, base, -1, "")
	if v := c.Finish(ms(1000)); v != nil {
		t.Errorf("Finish before the deadline: %v", v)
	}
	if v := c.Finish(ms(1200)); v == nil || v.Check != "liveness" {
		t.Errorf("Finish past the deadline: %v", v)
	}
}
