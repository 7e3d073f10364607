package raftcheck

import "time"

// VoteOnce is the persistence of a vote: a server grants at most one
// candidate its vote in a term, across crashes and restarts (Figure 2's
// votedFor, persisted before the reply). It reads the votes as their
// candidates received them (Vote events), so it names the second vote
// itself, before any two leaders follow from it.
//
// A vote that reaches a candidate already seen leading that term (a
// GetState, a Start or an AppendEntries of the term, before the vote
// came back) is not counted, first or second: it can elect nobody, as
// the term has its leader, and a Raft that records the leader it follows
// in votedFor (a follower that sets votedFor to the sender of an
// AppendEntries) grants that leader's late RequestVote of the same term
// again, harmlessly, even after voting for another candidate whose
// reply comes back later still. The price: a voter whose first vote
// went to the elected leader and whose second went to another candidate
// is named only if that candidate wins, by election safety, checked
// beside this, which names any second leader.
type VoteOnce struct {
	votes   map[[2]int]voteSeen // by term and voter
	leaders map[int]int         // by term: the first server seen leading it
}

type voteSeen struct {
	candidate, incarnation int
	at                     time.Duration
}

// NewVoteOnce makes the check.
func NewVoteOnce() *VoteOnce {
	return &VoteOnce{votes: map[[2]int]voteSeen{}, leaders: map[int]int{}}
}

// Name implements Check.
func (c *VoteOnce) Name() string { return "vote-once" }

// Observe implements Check.
func (c *VoteOnce) Observe(e *Event) *Violation {
	switch e.Kind {
	case Leader, Start, Append:
		if _, ok := c.leaders[e.Term]; !ok {
			c.leaders[e.Term] = e.Server
		}
		return nil
	case Vote:
	default:
		return nil
	}
	key := [2]int{e.Term, e.Server}
	prev, ok := c.votes[key]
	if leader, led := c.leaders[e.Term]; led && leader == e.Peer {
		return nil // to the term's leader, elected already: it elects nobody
	}
	switch {
	case !ok:
		c.votes[key] = voteSeen{e.Peer, e.Incarnation, e.At}
	case prev.candidate != e.Peer && prev.incarnation != e.Incarnation:
		return violation(c.Name(), e, "voted for s%d in term %d (received at %v), then, restarted (incarnation %d, now %d), for s%d: the vote was not persisted before the reply, or not restored at the restart",
			prev.candidate, e.Term, prev.at, prev.incarnation, e.Incarnation, e.Peer)
	case prev.candidate != e.Peer:
		return violation(c.Name(), e, "voted for s%d in term %d (received at %v), then for s%d in the same term", prev.candidate, e.Term, prev.at, e.Peer)
	}
	return nil
}

// Finish implements Check.
func (c *VoteOnce) Finish(time.Duration) *Violation { return nil }
