package scenario

import (
	"time"

	"github.com/kvsim/kvsim/raft/harness"
)

// The course's 3A tests: leader election.

const et = harness.ElectionTimeout

func init() {
	register(
		&Scenario{Name: "initial-election", Servers: 3, Profile: "course-reliable", MaxTime: time.Minute,
			Doc: "a leader is elected, every server agrees on its term (at least 1), and with no failure the leader and the term stay", Body: initialElection},
		&Scenario{Name: "re-election", Servers: 3, Profile: "course-reliable", MaxTime: time.Minute,
			Doc: "a new leader when the leader is cut off; the old leader rejoining does not disturb it; no leader without a majority; one once a majority is back", Body: reElection},
		&Scenario{Name: "many-elections", Servers: 7, Profile: "course-reliable", MaxTime: 2 * time.Minute,
			Doc: "seven servers, three cut off at random ten times over: a leader every time", Body: manyElections},
	)
}

func initialElection(c *harness.Cluster) {
	c.CheckOneLeader()
	// Let the followers learn of the election, then all agree on the term.
	c.Sleep(50 * time.Millisecond)
	term1 := c.CheckTerms()
	if term1 < 1 {
		c.Fail("term is %d, but should be at least 1", term1)
	}
	// The course only warns when the term changes without failures.
	c.Sleep(2 * et)
	c.CheckTerms()
	c.CheckOneLeader()
}

func reElection(c *harness.Cluster) {
	n := c.N()
	leader1 := c.CheckOneLeader()
	// If the leader disconnects, a new one should be elected.
	c.Disconnect(leader1)
	c.CheckOneLeader()
	// If the old leader rejoins, that shouldn't disturb the new leader,
	// and the old leader should switch to follower.
	c.Connect(leader1)
	leader2 := c.CheckOneLeader()
	// No leader without a majority.
	c.Disconnect(leader2)
	c.Disconnect((leader2 + 1) % n)
	c.Sleep(2 * et)
	// The one connected server must not think it is the leader.
	c.CheckNoLeader()
	// With a majority back, a leader.
	c.Connect((leader2 + 1) % n)
	c.CheckOneLeader()
	// The last server back: still a leader.
	c.Connect(leader2)
	c.CheckOneLeader()
}

func manyElections(c *harness.Cluster) {
	n := c.N()
	c.CheckOneLeader()
	for range 9 {
		i1, i2, i3 := c.Rand(n), c.Rand(n), c.Rand(n)
		c.Disconnect(i1)
		c.Disconnect(i2)
		c.Disconnect(i3)
		// Either the current leader is still alive, or the remaining
		// four elect a new one.
		c.CheckOneLeader()
		c.Connect(i1)
		c.Connect(i2)
		c.Connect(i3)
	}
	c.CheckOneLeader()
}
