package harness

import (
	"time"

	"github.com/kvsim/kvsim/raft/raftcheck"
)

// ElectionTimeout is the course tester's allowance for an election: a
// solution completes one within a second.
const ElectionTimeout = time.Second

// The course's tester's checks, in virtual time, each failing the run
// (Fail) where the course's fails the test. Call them from the tester.

// CheckOneLeader waits for a leader among the connected servers, looking
// up to ten times about half a second apart, and returns the one of the
// highest term. (Two leaders of one term fail the run as soon as GetState
// shows them: election safety.)
func (c *Cluster) CheckOneLeader() int {
	for range 10 {
		c.Sleep(time.Duration(450+c.Rand(100)) * time.Millisecond)
		leader, last := -1, -1
		for i := range c.servers {
			if !c.connected[i] {
				continue
			}
			if term, ok, _ := c.GetState(i); ok && term > last {
				leader, last = i, term
			}
		}
		if leader >= 0 {
			return leader
		}
	}
	c.Fail("expected one leader, got none")
	return -1
}

// CheckTerms checks that the connected servers agree on the term, and
// returns it.
func (c *Cluster) CheckTerms() int {
	term := -1
	for i := range c.servers {
		if !c.connected[i] {
			continue
		}
		t, _, up := c.GetState(i)
		if !up {
			continue
		}
		if term == -1 {
			term = t
		} else if term != t {
			c.Fail("servers disagree on term: %d and %d (s%d)", term, t, i)
		}
	}
	return term
}

// CheckNoLeader checks that no connected server thinks it leads.
func (c *Cluster) CheckNoLeader() {
	for i := range c.servers {
		if !c.connected[i] {
			continue
		}
		if _, leader, _ := c.GetState(i); leader {
			c.Fail("unexpected leader: s%d", i)
		}
	}
}

// NCommitted is how many servers applied index, and the command there;
// servers that applied different commands there fail the run (as state
// machine safety would already have).
func (c *Cluster) NCommitted(index int) (int, any) {
	n := 0
	var cmd any
	for i, s := range c.servers {
		if !s.up || index >= len(s.logs) || !s.have[index] {
			continue
		}
		if n > 0 && !raftcheck.Same(cmd, s.logs[index]) {
			c.Fail("committed values at index %d do not match (%v != %v at s%d)", index, cmd, s.logs[index], i)
		}
		n++
		cmd = s.logs[index]
	}
	return n, cmd
}

// CheckNoAgreement checks that no server applied index.
func (c *Cluster) CheckNoAgreement(index int) {
	if n, _ := c.NCommitted(index); n > 0 {
		c.Fail("%d committed index %d but no majority", n, index)
	}
}

// One does a complete agreement, as the course's one(): it offers cmd to
// the connected servers in turn until one accepts it as leader, then
// waits up to two seconds for at least expected servers to apply it at
// the index the leader gave; with retry, it tries again (another leader
// may have taken over) until ten seconds passed; without, a first attempt
// that fails fails the run. It returns the index.
func (c *Cluster) One(cmd any, expected int, retry bool) int {
	t0 := c.w.Now()
	starts := 0
	for c.w.Now()-t0 < 10*time.Second {
		index := -1
		for range c.servers {
			starts = (starts + 1) % len(c.servers)
			if !c.connected[starts] {
				continue
			}
			if i, _, ok := c.Start(starts, cmd); ok {
				index = i
				break
			}
		}
		if index == -1 {
			c.Sleep(50 * time.Millisecond)
			continue
		}
		t1 := c.w.Now()
		for c.w.Now()-t1 < 2*time.Second {
			if n, got := c.NCommitted(index); n > 0 && n >= expected && raftcheck.Same(got, cmd) {
				return index
			}
			c.Sleep(20 * time.Millisecond)
		}
		if !retry {
			c.Fail("one(%v) failed to reach agreement", cmd)
		}
	}
	c.Fail("one(%v) failed to reach agreement in 10s", cmd)
	return -1
}

// Wait waits for at least n servers to apply index, backing off from
// 10ms to a second, about 30 times; with startTerm > -1, it gives up and
// returns -1 once some server's term passed it. It fails the run if they
// did not, and returns the command there.
func (c *Cluster) Wait(index, n, startTerm int) any {
	to := 10 * time.Millisecond
	for range 30 {
		if got, _ := c.NCommitted(index); got >= n {
			break
		}
		c.Sleep(to)
		if to < time.Second {
			to *= 2
		}
		if startTerm > -1 {
			for i := range c.servers {
				if t, _, up := c.GetState(i); up && t > startTerm {
					return -1
				}
			}
		}
	}
	got, cmd := c.NCommitted(index)
	if got < n {
		c.Fail("only %d decided for index %d; wanted %d", got, index, n)
	}
	return cmd
}
