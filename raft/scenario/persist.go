package scenario

import (
	"time"

	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/sim"
)

// The course's 3C tests: persistence, and agreement under churn.

func init() {
	register(
		&Scenario{Name: "persist1", Servers: 3, Profile: "course-reliable", MaxTime: 2 * time.Minute,
			Doc: "basic persistence: all servers crash and restart; then the leader; then a follower", Body: persist1},
		&Scenario{Name: "persist2", Servers: 5, Profile: "course-reliable", MaxTime: 3 * time.Minute,
			Doc: "more persistence: a majority crashes and comes back in turns, five times", Body: persist2},
		&Scenario{Name: "persist3", Servers: 3, Profile: "course-reliable", MaxTime: 2 * time.Minute,
			Doc: "a partitioned leader and a follower crash; the leader restarts", Body: persist3},
		&Scenario{Name: "figure8", Servers: 5, Profile: "course-reliable", MaxTime: 5 * time.Minute,
			Doc: "the paper's Figure 8: leaders crash soon after taking commands, a few servers restart, a thousand times; then agreement", Body: figure8},
		&Scenario{Name: "unreliable-agree", Servers: 5, Profile: "course-unreliable", MaxTime: 5 * time.Minute,
			Doc: "agreement on an unreliable network, with concurrent one()s", Body: unreliableAgree},
		&Scenario{Name: "figure8-unreliable", Servers: 5, Profile: "course-unreliable", MaxTime: 5 * time.Minute,
			Doc: "Figure 8 on the unreliable network, with long reordering from the 200th of a thousand rounds: leaders cut off, servers reconnected; then agreement (on the course profile, reordering from the start)", Body: figure8Unreliable},
		&Scenario{Name: "reliable-churn", Servers: 5, Profile: "course-reliable", MaxTime: 5 * time.Minute,
			Doc: "three clients Start commands while servers crash, restart, disconnect and reconnect; every command a client saw committed stays", Body: churn},
		&Scenario{Name: "unreliable-churn", Servers: 5, Profile: "course-unreliable", MaxTime: 5 * time.Minute,
			Doc: "churn on the unreliable network", Body: churn},
	)
}

// restart is the course's ts.restart: start server i again, and connect
// every server.
func restart(c *harness.Cluster, i int) {
	c.Restart(i)
	c.ConnectAll()
}

// crashAll and startAll are the course's Shutdown and StartServers.
func crashAll(c *harness.Cluster) {
	for i := range c.N() {
		c.Crash(i)
	}
}

func startAll(c *harness.Cluster) {
	for i := range c.N() {
		c.Restart(i)
	}
	c.ConnectAll()
}

func persist1(c *harness.Cluster) {
	n := c.N()
	c.One(11, n, true)
	crashAll(c)
	startAll(c)
	c.One(12, n, true)
	leader1 := c.CheckOneLeader()
	c.Crash(leader1)
	restart(c, leader1)
	c.One(13, n, true)
	leader2 := c.CheckOneLeader()
	c.Crash(leader2)
	c.One(14, n-1, true)
	restart(c, leader2)
	c.Wait(4, n, -1) // leader2 rejoins before i3 goes
	i3 := (c.CheckOneLeader() + 1) % n
	c.Crash(i3)
	c.One(15, n-1, true)
	restart(c, i3)
	c.One(16, n, true)
}

func persist2(c *harness.Cluster) {
	n := c.N()
	index := 1
	for range 5 {
		c.One(10+index, n, true)
		index++
		leader1 := c.CheckOneLeader()
		c.Crash((leader1 + 1) % n)
		c.Crash((leader1 + 2) % n)
		c.One(10+index, n-2, true)
		index++
		c.Crash((leader1 + 0) % n)
		c.Crash((leader1 + 3) % n)
		c.Crash((leader1 + 4) % n)
		restart(c, (leader1+1)%n)
		restart(c, (leader1+2)%n)
		c.Sleep(et)
		restart(c, (leader1+3)%n)
		c.One(10+index, n-2, true)
		index++
		restart(c, (leader1+4)%n)
		restart(c, (leader1+0)%n)
	}
	c.One(1000, n, true)
}

func persist3(c *harness.Cluster) {
	n := c.N()
	c.One(101, 3, true)
	leader := c.CheckOneLeader()
	c.Disconnect((leader + 2) % n)
	c.One(102, 2, true)
	c.Crash((leader + 0) % n)
	c.Crash((leader + 1) % n)
	c.Connect((leader + 2) % n)
	restart(c, (leader+0)%n)
	c.One(103, 2, true)
	restart(c, (leader+1)%n)
	c.One(104, n, true)
}

// figure8Sleep is the course's pause after offering a command: mostly
// under 13ms, a tenth of the time up to half an election timeout.
func figure8Sleep(c *harness.Cluster) {
	if c.Rand(1000) < 100 {
		c.Sleep(time.Duration(c.Rand(int(et/time.Millisecond)/2)) * time.Millisecond)
	} else {
		c.Sleep(time.Duration(c.Rand(13)) * time.Millisecond)
	}
}

func figure8(c *harness.Cluster) {
	n := c.N()
	c.One(cmd(c), 1, true)
	nup := n
	for range 1000 {
		leader := -1
		for i := range n {
			if !c.Up(i) {
				continue
			}
			if _, _, ok := c.Start(i, cmd(c)); ok {
				leader = i
			}
		}
		figure8Sleep(c)
		if leader != -1 {
			c.Crash(leader)
			nup--
		}
		if nup < 3 {
			if s := c.Rand(n); !c.Up(s) {
				restart(c, s)
				nup++
			}
		}
	}
	for i := range n {
		if !c.Up(i) {
			restart(c, i)
		}
	}
	c.One(cmd(c), n, true)
}

func figure8Unreliable(c *harness.Cluster) {
	n := c.N()
	c.One(c.Rand(10000), 1, true)
	nup := n
	for iters := range 1000 {
		if iters == 200 {
			c.SetLongReordering(true)
		}
		leader := -1
		for i := range n {
			if _, _, ok := c.Start(i, c.Rand(10000)); ok && c.Connected(i) {
				leader = i
			}
		}
		figure8Sleep(c)
		if leader != -1 && c.Rand(1000) < int(et/time.Millisecond)/2 {
			c.Disconnect(leader)
			nup--
		}
		if nup < 3 {
			if s := c.Rand(n); !c.Connected(s) {
				c.Connect(s)
				nup++
			}
		}
	}
	for i := range n {
		if !c.Connected(i) {
			c.Connect(i)
		}
	}
	c.One(c.Rand(10000), n, true)
}

func unreliableAgree(c *harness.Cluster) {
	n, w := c.N(), c.World()
	wg := sim.NewWaitGroup(w)
	for iters := 1; iters < 50; iters++ {
		for j := range 4 {
			wg.Go(func() { c.One(100*iters+j, 1, true) })
		}
		c.One(iters, 1, true)
	}
	c.SetReliable(true)
	wg.Wait()
	c.One(100, n, true)
}

func churn(c *harness.Cluster) {
	n, w := c.N(), c.World()
	stop := false
	const clients = 3
	results := make([]*sim.Chan[[]int], clients)
	for me := range clients {
		results[me] = sim.NewChan[[]int](w, 1)
		w.GoNamed("client", func() {
			var values []int
			for !stop {
				x := cmd(c)
				index, ok := -1, false
				for i := range n {
					// Try them all: one may be the leader.
					if index1, _, ok1 := c.Start(i, x); ok1 {
						index, ok = index1, true
					}
				}
				if !ok {
					c.Sleep(time.Duration(79+me*17) * time.Millisecond)
					continue
				}
				// The leader may commit the value, or not; do not wait
				// forever.
				for _, to := range []int{10, 20, 50, 100, 200} {
					if nd, got := c.NCommitted(index); nd > 0 {
						if got == x {
							values = append(values, x)
						}
						break
					}
					c.Sleep(time.Duration(to) * time.Millisecond)
				}
			}
			results[me].Send(values)
		})
	}
	for range 20 {
		if c.Rand(1000) < 200 {
			c.Disconnect(c.Rand(n))
		}
		if c.Rand(1000) < 500 {
			i := c.Rand(n)
			if !c.Up(i) {
				c.Restart(i)
			}
			c.Connect(i)
		}
		if c.Rand(1000) < 200 {
			if i := c.Rand(n); c.Up(i) {
				c.Crash(i)
			}
		}
		// Often enough that the peers may not keep up, rarely enough that
		// not everything has settled from one change to the next.
		c.Sleep(et * 7 / 10)
	}
	c.Sleep(et)
	c.SetReliable(true)
	for i := range n {
		if !c.Up(i) {
			c.Restart(i)
		}
		c.Connect(i)
	}
	stop = true
	var values []int
	for _, ch := range results {
		values = append(values, ch.Recv()...)
	}
	c.Sleep(et)
	last := c.One(cmd(c), n, true)
	really := map[int]bool{}
	for index := 1; index <= last; index++ {
		v := c.Wait(index, n, -1)
		vi, ok := v.(int)
		if !ok {
			c.Fail("committed value %v is not an integer", v)
		}
		really[vi] = true
	}
	for _, v := range values {
		if !really[v] {
			c.Fail("didn't find a value: %d, which a client saw committed", v)
		}
	}
}
