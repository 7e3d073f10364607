package raftcheck

import "time"

// LeaderCompleteness is the part of Raft's leader completeness (and of
// its leader append-only property) that a tester sees from outside. A
// Start accepted at index k tells the leader's log is k-1 long and gets a
// new entry at k. So:
//
//   - a server that had applied index j when Start was called (in any
//     incarnation: what it applied was committed, and a correct Raft
//     keeps committed entries, in its log or its snapshot, across
//     crashes) never accepts it at an index at or below j: its log lost
//     a committed entry. What it applies while the call runs does not
//     count: a Start that blocks or yields (one that runs an
//     AppendEntries round, or any under preemption) may see its own
//     entry applied before it returns;
//   - a leader's Starts in one term land at increasing indices: a leader
//     never overwrites or deletes its own entries;
//   - a Start is accepted at an index of 1 or more (a Start left as the
//     skeleton's, returning -1, with isLeader true, is not).
//
// What it cannot see: that a leader lacks an entry committed by another
// server's leadership in an earlier term, until the leader overwrites it
// and commits something else there, which StateMachine reports.
type LeaderCompleteness struct {
	applied []appliedAt        // by server: the highest index it applied, ever
	called  []appliedAt        // by server: applied when its Start was last called
	calling []bool             // by server: called holds (a Call came)
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
	return &LeaderCompleteness{applied: make([]appliedAt, n), called: make([]appliedAt, n), calling: make([]bool, n), started: map[termOf]startAt{}}
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
	case Call:
		c.called[e.Server], c.calling[e.Server] = c.applied[e.Server], true
	case Start:
		a := c.applied[e.Server] // a Start that came without its Call: as it returned
		if c.calling[e.Server] {
			a, c.calling[e.Server] = c.called[e.Server], false
		}
		if e.Index < 1 {
			return violation(c.Name(), e, "accepted a Start at index %d: a leader's log starts at index 1", e.Index)
		}
		if e.Index <= a.index {
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
