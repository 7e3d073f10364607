package scenario

import (
	"time"

	"github.com/kvsim/kvsim/raft/harness"
)

func init() {
	register(&Scenario{Name: "lead-again", Servers: 5, Profile: "course-reliable", MaxTime: 3 * time.Minute,
		Doc: "a leader replicates entries to one follower only, is cut off with it, loses that tail to a new leader, and leads again " +
			"(the leader cut off until it wins, up to ten rounds) with only one other server connected: no commit, unless the leader " +
			"still counts the follower's match index of its earlier term", Body: leadAgain})
}

// leadAgain is a leader elected a second time after its log was cut
// below what a follower acknowledged in its first term. Raft reinitializes
// a leader's matchIndex at every election; a leader that keeps the old one
// counts the follower as holding entries it never sent it, and commits
// with a minority. The course's tests do not make a server lead twice
// across a cut of its log, so they do not see it.
func leadAgain(c *harness.Cluster) {
	n := c.N()
	c.One(cmd(c), n, true)
	a := c.CheckOneLeader()
	b := (a + 1) % n
	var rest []int
	for i := range n {
		if i != a && i != b {
			rest = append(rest, i)
		}
	}
	// a replicates three entries (indices 2-4) to b alone: its matchIndex
	// for b reaches 4, and nothing commits.
	c.Partition([]int{a, b}, rest)
	for range 3 {
		if _, _, ok := c.Start(a, cmd(c)); !ok {
			return // a lost its leadership already: nothing to aim at
		}
	}
	c.Sleep(et / 2)
	// The rest elect a leader of a later term and commit one entry at
	// index 2, shorter than a's log.
	c.Disconnect(a)
	c.Disconnect(b)
	c.One(cmd(c), len(rest), true)
	// a rejoins (b stays out) and its tail gives way: its log is 2 long.
	c.Connect(a)
	c.One(cmd(c), len(rest)+1, true)
	// a leads again: cut off each other leader until a wins.
	for range 10 {
		leader := c.CheckOneLeader()
		if leader == a {
			break
		}
		c.Disconnect(leader)
		c.Sleep(et)
		c.Connect(leader)
		c.Sleep(et / 2)
	}
	if _, leader, _ := c.GetState(a); !leader {
		return
	}
	// a with one other server: no majority, so no commit.
	other := rest[c.Rand(len(rest))]
	var cut []int
	for i := range n {
		if i != a && i != other {
			cut = append(cut, i)
		}
	}
	c.Partition([]int{a, other}, cut)
	index, _, ok := c.Start(a, cmd(c))
	if !ok {
		return
	}
	c.Sleep(2 * et)
	if k, _ := c.NCommitted(index); k > 0 {
		c.Fail("%d committed index %d with only 2 of %d servers connected (the leader and s%d)", k, index, n, other)
	}
	c.ConnectAll()
	c.One(cmd(c), n, true)
}
