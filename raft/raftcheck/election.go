package raftcheck

import (
	"fmt"
	"time"
)

// ElectionSafety is Raft's election safety: at most one leader per term.
// It sees a leader wherever the harness does: a GetState that answered
// true (the harness polls every server), a Start that was accepted, and,
// beneath a service, an AppendEntries sent (only a term's leader sends
// them in that term).
// A restarted server that leads a term it led before its crash breaks it
// too: a term's leader is one election's winner, and a restarted server
// must win a new term (it can only have forgotten its vote or its term).
// Two leaders of one term that no poll catches at once still break it,
// as long as each is seen leading at some point.
type ElectionSafety struct {
	leaders map[int]leaderSeen // by term
}

type leaderSeen struct {
	server, incarnation int
	at                  time.Duration
	how                 Kind
}

// NewElectionSafety makes the check.
func NewElectionSafety() *ElectionSafety { return &ElectionSafety{leaders: map[int]leaderSeen{}} }

// Name implements Check.
func (c *ElectionSafety) Name() string { return "election-safety" }

// Observe implements Check.
func (c *ElectionSafety) Observe(e *Event) *Violation {
	if e.Kind != Leader && e.Kind != Start && e.Kind != Append {
		return nil
	}
	prev, ok := c.leaders[e.Term]
	if !ok {
		c.leaders[e.Term] = leaderSeen{e.Server, e.Incarnation, e.At, e.Kind}
		return nil
	}
	switch {
	case prev.server != e.Server:
		return violation(c.Name(), e, "two leaders in term %d: s%d (%s) and s%d (%s)",
			e.Term, prev.server, seen(prev.how, prev.at), e.Server, seen(e.Kind, e.At))
	case prev.incarnation != e.Incarnation:
		return violation(c.Name(), e, "s%d leads term %d again after a restart (incarnation %d, %s; now incarnation %d): a restarted server must win a new term",
			e.Server, e.Term, prev.incarnation, seen(prev.how, prev.at), e.Incarnation)
	}
	return nil
}

func seen(how Kind, at time.Duration) string {
	switch how {
	case Start:
		return fmt.Sprintf("accepted a Start at %v", at)
	case Append:
		return fmt.Sprintf("sent an AppendEntries at %v", at)
	}
	return fmt.Sprintf("said so at %v", at)
}

// Finish implements Check.
func (c *ElectionSafety) Finish(time.Duration) *Violation { return nil }
