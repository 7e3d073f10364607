package scenario

import (
	"time"

	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/sim"
)

func init() {
	register(&Scenario{Name: "restart-voters", Servers: 5, Profile: "course-reliable", MaxTime: 3 * time.Minute,
		Doc: "elections over and over (the leader cut off, and two others unable to hear each other, so both stand in one term " +
			"and ask the same voters; ten rounds), and a server that has just answered a RequestVote crashes and restarts moments later, " +
			"a third of the time: a vote not persisted is forgotten within its term and given twice; a command agreed in every round", Body: restartVoters})
}

// bounceVoters has a server that has just answered a RequestVote (its
// candidate has the reply) bounced, with probability q, down for up to
// 20ms: the crash the course's tests never aim at an election, in which
// a Raft that did not persist its vote forgets it within the term. It
// returns the function that stops it.
func bounceVoters(c *harness.Cluster, q float64) (stop func()) {
	w, n := c.World(), c.N()
	queue := sim.NewChan[int](w, n)
	pending := make([]bool, n) // at most one bounce queued a server: the queue never blocks
	stopped := false
	c.AfterReply(func(from, to int, method string) {
		if stopped || method != "Raft.RequestVote" || pending[to] || c.Rand(1000) >= int(q*1000) {
			return
		}
		pending[to] = true
		queue.Send(to)
	})
	w.GoNamed("bounce voters", func() {
		for i := range sim.Range(w, queue) {
			if !stopped && c.Up(i) {
				c.Bounce(i, time.Duration(c.Rand(21))*time.Millisecond)
			}
			pending[i] = false
		}
	})
	return func() { stopped = true }
}

func restartVoters(c *harness.Cluster) {
	n := c.N()
	stop := bounceVoters(c, 1.0/3)
	for round := range 10 {
		leader := c.CheckOneLeader()
		c.Disconnect(leader)
		a := (leader + 1 + c.Rand(n-1)) % n
		b := (a + 1 + c.Rand(n-2)) % n
		if b == leader {
			b = (b + 1) % n
		}
		c.Cut(a, b)
		c.CheckOneLeader()
		c.Connect(a) // a and b hear each other again: agreement needs them
		c.One(100+round, n-1, true)
		c.Connect(leader)
	}
	stop()
	c.Quiet()
	c.One(200, n, true)
}
