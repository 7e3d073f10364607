package raftcheck

import "time"

// LeaderCompleteness is the part of Raft's leader completeness (and of
// its leader append-only property) that a tester sees from outside. A
// Start accepted at index k tells the leader's log is k-1 long and gets a
// new entry at k. So:
//
//   - a server that applied index j (in any incarnation: what it applied
//     was committed, and a correct Raft keeps committed entries, in its
//     log or its snapshot, across crashes) never accepts a Start at an
//     index at or below j: its log lost a committed entry;
//   - a leader's Starts in one term land at increasing indices: a leader
//     never overwrites or deletes its own entries.
//
// What it cannot see: that a leader lacks an entry committed by another
// server's leadership in an earlier term, until the leader overwrites it
// and commits something else there, which StateMachine reports.
type LeaderCompleteness struct {
	applied []appliedAt        // by server: the highest index it applied, ever
	started map[termOf]startAt // the last Start a leader accepted in a term
}

type appliedAt struct {
	index int
	at    time.Duration
}

type termOf struct{ server, term int }

type startAt struct {
	index int
	at    time.Duration
}

// NewLeaderCompleteness makes the check for a cluster of n servers.
func NewLeaderCompleteness(n int) *LeaderCompleteness {
	return &LeaderCompleteness{applied: make([]appliedAt, n), started: map[termOf]startAt{}}
}

// Name implements Check.
func (c *LeaderCompleteness) Name() string { return "leader-completeness" }

// Observe implements Check.
func (c *LeaderCompleteness) Observe(e *Event) *Violation {
	switch e.Kind {
	case Apply, Snapshot:
		if a := &c.applied[e.Server]; e.Index > a.index {
			*a = appliedAt{e.Index, e.At}
		}
	case Start:
		if a := c.applied[e.Server]; e.Index <= a.index {
			return violation(c.Name(), e, "accepted a Start at index %d, but it applied index %d at %v: its log lost a committed entry", e.Index, a.index, a.at)
		}
		key := termOf{e.Server, e.Term}
		if prev, ok := c.started[key]; ok && e.Index <= prev.index {
			return violation(c.Name(), e, "accepted a Start at index %d, after accepting one at index %d in the same term at %v: a leader overwrote its own log", e.Index, prev.index, prev.at)
		}
		c.started[key] = startAt{e.Index, e.At}
	}
	return nil
}

// Finish implements Check.
func (c *LeaderCompleteness) Finish(time.Duration) *Violation { return nil }
