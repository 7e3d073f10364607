package scenario

import (
	"slices"
	"time"

	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/raft/raftcheck"
	"github.com/kvsim/kvsim/sim"
)

// The course's 3B tests: log replication.

func init() {
	register(
		&Scenario{Name: "basic-agree", Servers: 3, Profile: "course-reliable", MaxTime: time.Minute,
			Doc: "three commands agreed on by every server, at indices 1, 2, 3", Body: basicAgree},
		&Scenario{Name: "follower-failure", Servers: 3, Profile: "course-reliable", MaxTime: time.Minute,
			Doc: "agreement with one follower cut off; none with both: the command Started then stays uncommitted", Body: followerFailure},
		&Scenario{Name: "leader-failure", Servers: 3, Profile: "course-reliable", MaxTime: time.Minute,
			Doc: "agreement after the leader is cut off; none after the next one is too", Body: leaderFailure},
		&Scenario{Name: "fail-agree", Servers: 3, Profile: "course-reliable", MaxTime: time.Minute,
			Doc: "a follower cut off while four commands commit catches up once it rejoins", Body: failAgree},
		&Scenario{Name: "fail-no-agree", Servers: 5, Profile: "course-reliable", MaxTime: time.Minute,
			Doc: "no commit with three of five followers cut off; progress once they are back (a new leader may have dropped the uncommitted entry)", Body: failNoAgree},
		&Scenario{Name: "concurrent-starts", Servers: 3, Profile: "course-reliable", MaxTime: time.Minute,
			Doc: "five concurrent Starts at the leader all commit", Body: concurrentStarts},
		&Scenario{Name: "rejoin", Servers: 3, Profile: "course-reliable", MaxTime: time.Minute,
			Doc: "a cut-off leader accepts three commands; a new leader commits others; the old leader rejoins and its entries give way", Body: rejoin},
		&Scenario{Name: "backup", Servers: 5, Profile: "course-reliable", MaxTime: 3 * time.Minute,
			Doc: "leaders back up quickly over followers' long divergent logs (50 uncommitted entries, twice)", Body: backup},
		&Scenario{Name: "rpc-count", Servers: 3, Profile: "course-reliable", MaxTime: time.Minute,
			Doc: "RPC counts within the course's bounds: at most 30 to elect, (10+1+3)*3 to agree on 11 commands, 60 in a second of idleness", Body: rpcCount},
	)
}

// cmd is a fresh command, as the course's rand.Int().
func cmd(c *harness.Cluster) int { return c.Rand(1 << 40) }

func basicAgree(c *harness.Cluster) {
	for index := 1; index <= 3; index++ {
		if n, _ := c.NCommitted(index); n > 0 {
			c.Fail("some have committed before Start()")
		}
		if got := c.One(index*100, c.N(), false); got != index {
			c.Fail("got index %d but expected %d", got, index)
		}
	}
}

func followerFailure(c *harness.Cluster) {
	n := c.N()
	c.One(101, n, false)
	leader1 := c.CheckOneLeader()
	c.Disconnect((leader1 + 1) % n)
	// The leader and the remaining follower agree.
	c.One(102, n-1, false)
	c.Sleep(et)
	c.One(103, n-1, false)
	// Cut off the remaining follower.
	leader2 := c.CheckOneLeader()
	c.Disconnect((leader2 + 1) % n)
	c.Disconnect((leader2 + 2) % n)
	index, _, ok := c.Start(leader2, 104)
	if !ok {
		c.Fail("leader rejected Start()")
	}
	if index != 4 {
		c.Fail("expected index 4, got %d", index)
	}
	c.Sleep(2 * et)
	c.CheckNoAgreement(index)
}

func leaderFailure(c *harness.Cluster) {
	n := c.N()
	c.One(101, n, false)
	leader1 := c.CheckOneLeader()
	c.Disconnect(leader1)
	// The remaining followers elect a new leader.
	c.One(102, n-1, false)
	c.Sleep(et)
	c.One(103, n-1, false)
	leader2 := c.CheckOneLeader()
	c.Disconnect(leader2)
	for i := range n {
		c.Start(i, 104)
	}
	c.Sleep(2 * et)
	c.CheckNoAgreement(4)
}

func failAgree(c *harness.Cluster) {
	n := c.N()
	c.One(101, n, false)
	leader := c.CheckOneLeader()
	c.Disconnect((leader + 1) % n)
	c.One(102, n-1, false)
	c.One(103, n-1, false)
	c.Sleep(et)
	c.One(104, n-1, false)
	c.One(105, n-1, false)
	c.Connect((leader + 1) % n)
	// Every server keeps what was agreed and agrees on more.
	c.One(106, n, true)
	c.Sleep(et)
	c.One(107, n, true)
}

func failNoAgree(c *harness.Cluster) {
	n := c.N()
	c.One(10, n, false)
	leader := c.CheckOneLeader()
	for k := 1; k <= 3; k++ {
		c.Disconnect((leader + k) % n)
	}
	index, _, ok := c.Start(leader, 20)
	if !ok {
		c.Fail("leader rejected Start()")
	}
	if index != 2 {
		c.Fail("expected index 2, got %d", index)
	}
	c.Sleep(2 * et)
	if k, _ := c.NCommitted(index); k > 0 {
		c.Fail("%d committed but no majority", k)
	}
	for k := 1; k <= 3; k++ {
		c.Connect((leader + k) % n)
	}
	// The majority that was cut off may have elected a leader of its
	// own, which dropped index 2.
	leader2 := c.CheckOneLeader()
	index2, _, ok2 := c.Start(leader2, 30)
	if !ok2 {
		c.Fail("leader2 rejected Start()")
	}
	if index2 < 2 || index2 > 3 {
		c.Fail("unexpected index %d", index2)
	}
	c.One(1000, n, true)
}

func concurrentStarts(c *harness.Cluster) {
	n, w := c.N(), c.World()
	for try := range 5 {
		if try > 0 {
			c.Sleep(3 * time.Second) // let the solution settle
		}
		leader := c.CheckOneLeader()
		_, term, ok := c.Start(leader, 1)
		if !ok {
			continue // the leader moved on quickly
		}
		const iters = 5
		is := sim.NewChan[int](w, iters)
		wg := sim.NewWaitGroup(w)
		for ii := range iters {
			wg.Go(func() {
				i, term1, ok := c.Start(leader, 100+ii)
				if term1 == term && ok {
					is.Send(i)
				}
			})
		}
		wg.Wait()
		is.Close()
		moved := false
		for j := range n {
			if t, _, _ := c.GetState(j); t != term {
				moved = true // the term changed: cannot expect them all
			}
		}
		if moved {
			continue
		}
		var cmds []int
		failed := false
		for index := range is.All() {
			got := c.Wait(index, n, term)
			ix, isInt := got.(int)
			if !isInt {
				c.Fail("value %v is not an int", got)
			}
			if ix == -1 {
				failed = true // peers moved on to later terms
				break
			}
			cmds = append(cmds, ix)
		}
		if failed {
			continue
		}
		for ii := range iters {
			if !slices.Contains(cmds, 100+ii) {
				c.Fail("cmd %d missing in %v", 100+ii, cmds)
			}
		}
		return
	}
	c.Fail("term changed too often")
}

func rejoin(c *harness.Cluster) {
	n := c.N()
	c.One(101, n, true)
	leader1 := c.CheckOneLeader()
	c.Disconnect(leader1)
	// The old leader tries to agree on some entries.
	c.Start(leader1, 102)
	c.Start(leader1, 103)
	c.Start(leader1, 104)
	// A new leader commits, also at index 2.
	c.One(103, 2, true)
	leader2 := c.CheckOneLeader()
	c.Disconnect(leader2)
	// The old leader is back.
	c.Connect(leader1)
	c.One(104, 2, true)
	// All together now.
	c.Connect(leader2)
	c.One(105, n, true)
}

func backup(c *harness.Cluster) {
	n := c.N()
	c.One(cmd(c), n, true)
	// The leader and one follower in a partition.
	leader1 := c.CheckOneLeader()
	for k := 2; k <= 4; k++ {
		c.Disconnect((leader1 + k) % n)
	}
	// Lots of commands that will not commit.
	for range 50 {
		c.Start(leader1, cmd(c))
	}
	c.Sleep(et / 2)
	c.Disconnect(leader1)
	c.Disconnect((leader1 + 1) % n)
	// The other partition recovers.
	for k := 2; k <= 4; k++ {
		c.Connect((leader1 + k) % n)
	}
	for range 50 {
		c.One(cmd(c), 3, true)
	}
	// Another partitioned leader and one follower.
	leader2 := c.CheckOneLeader()
	other := (leader1 + 2) % n
	if leader2 == other {
		other = (leader2 + 1) % n
	}
	c.Disconnect(other)
	for range 50 {
		c.Start(leader2, cmd(c))
	}
	c.Sleep(et / 2)
	// The original leader back to life.
	for i := range n {
		c.Disconnect(i)
	}
	c.Connect(leader1)
	c.Connect((leader1 + 1) % n)
	c.Connect(other)
	for range 50 {
		c.One(cmd(c), 3, true)
	}
	// Everyone.
	for i := range n {
		c.Connect(i)
	}
	c.One(cmd(c), n, true)
}

// window opens an RPC-count window of the checks; the returned func
// closes it.
func window(c *harness.Cluster, name string, min, max int) func() {
	c.Observe(raftcheck.Event{Kind: raftcheck.Window, Server: -1, Name: name, Min: min, Max: max})
	return func() { c.Observe(raftcheck.Event{Kind: raftcheck.WindowEnd, Server: -1, Name: name}) }
}

func rpcCount(c *harness.Cluster) {
	n := c.N()
	end := window(c, "to elect the first leader", 1, 30)
	leader := c.CheckOneLeader()
	end()
	const iters = 10
	success := false
loop:
	for try := range 5 {
		if try > 0 {
			c.Sleep(3 * time.Second) // let the solution settle
		}
		leader = c.CheckOneLeader()
		total1 := c.RPCTotal()
		starti, term, ok := c.Start(leader, 1)
		if !ok {
			continue // the leader moved on quickly
		}
		var cmds []int
		for i := 1; i < iters+2; i++ {
			x := cmd(c)
			cmds = append(cmds, x)
			index1, term1, ok := c.Start(leader, x)
			if term1 != term || !ok {
				continue loop
			}
			if starti+i != index1 {
				c.Fail("Start() failed: the leader put a command at index %d, not %d", index1, starti+i)
			}
		}
		for i := 1; i < iters+1; i++ {
			got := c.Wait(starti+i, n, term)
			if ix, isInt := got.(int); !isInt || ix != cmds[i-1] {
				if ix == -1 {
					continue loop // the term changed: try again
				}
				c.Fail("wrong value %v committed for index %d; expected %v", got, starti+i, cmds)
			}
		}
		for j := range n {
			if t, _, _ := c.GetState(j); t != term {
				continue loop // the term changed: cannot expect low counts
			}
		}
		if total2 := c.RPCTotal(); total2-total1 > (iters+1+3)*3 {
			c.Fail("too many RPCs (%d) for %d entries", total2-total1, iters)
		}
		success = true
		break
	}
	if !success {
		c.Fail("term changed too often")
	}
	end = window(c, "in a second of idleness", 0, 3*20)
	c.Sleep(et)
	end()
}
