package scenario

import (
	"time"

	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/sim"
)

func init() {
	register(&Scenario{Name: "swarm", MaxTime: 5 * time.Minute, Setup: swarmSetup,
		Doc: "drawn per seed: 3, 5 or 7 servers, snapshots or not, the network (the course's, reliable or not, or kvsim's swarm faults), the scheduling faults, " +
			"a nemesis that crashes, restarts, disconnects, reconnects and partitions servers at drawn rates, and clients Starting commands; " +
			"then the faults stop, every server comes back, and commands must reach every server"})
}

// swarmPlan is what the swarm scenario draws for a seed.
type swarmPlan struct {
	faultsFor time.Duration // how long the nemesis and the clients run
	gap       time.Duration // the mean time between the nemesis's actions
	// How likely each action is, each time the nemesis acts (they are
	// tried in this order, each at most once); a bounce crashes a server
	// and restarts it within 50ms, perhaps in the middle of an election;
	// crashLeader crashes a server that says it leads (aimed at the role,
	// as in the course's Figure 8); voterBounce bounces a server that
	// has just answered a RequestVote (bounceVoters).
	crash, crashLeader, restart, bounce, disconnect, connect, partition, heal, voterBounce float64
	clients                                                                                int
	think                                                                                  time.Duration // a client's mean pause between Starts
}

func swarmSetup(e sim.Entropy, s *Setup) func(c *harness.Cluster) {
	s.Servers = []int{3, 5, 7}[e.Uint64N(3)]
	s.Snapshots = e.Uint64N(2) == 0
	profile := []string{"course", "course-reliable", "course-unreliable", "swarm"}[e.Uint64N(4)]
	if s.Profile == "" {
		s.Profile = profile
	}
	// Each nemesis action on or off, with a drawn likelihood: swarm
	// testing finds more when some faults are absent.
	level := func() float64 {
		if e.Uint64N(2) == 0 {
			return 0
		}
		return 0.1 + float64(e.Uint64N(5))*0.1
	}
	p := swarmPlan{
		faultsFor: time.Duration(2000+e.Uint64N(8000)) * time.Millisecond,
		gap:       time.Duration(50+e.Uint64N(500)) * time.Millisecond,
		crash:     level(), crashLeader: level(), restart: level(), bounce: level(),
		disconnect: level(), connect: level(), partition: level(), heal: level(),
		clients: 1 + int(e.Uint64N(3)),
		think:   time.Duration(1+e.Uint64N(100)) * time.Millisecond,
	}
	p.voterBounce = level() // drawn last, so that the draws above stay each seed's
	s.Until = p.faultsFor
	// A loaded machine's scheduling on the course's networks too, which
	// have none: a goroutine a leader starts may run after its term ended.
	s.Scheduling = true
	return func(c *harness.Cluster) { swarm(c, p) }
}

func swarm(c *harness.Cluster, p swarmPlan) {
	n, w := c.N(), c.World()
	next := 1 // commands are unique: 1, 2, 3, ...
	command := func() int { next++; return next }
	stop := false
	for range p.clients {
		w.GoNamed("client", func() {
			for !stop {
				c.Start(c.Rand(n), command())
				c.Sleep(time.Duration(c.Rand(2*int(p.think/time.Millisecond)+1)) * time.Millisecond)
			}
		})
	}
	stopBounces := func() {}
	if p.voterBounce > 0 {
		stopBounces = bounceVoters(c, p.voterBounce)
	}
	chance := func(q float64) bool { return q > 0 && c.Rand(1000) < int(q*1000) }
	for {
		d := time.Duration(1+c.Rand(2*int(p.gap/time.Millisecond))) * time.Millisecond
		if c.World().Now()+d >= p.faultsFor {
			break
		}
		c.Sleep(d)
		if chance(p.crash) {
			if i := c.Rand(n); c.Up(i) {
				c.Crash(i)
			}
		}
		if chance(p.crashLeader) {
			for i := range n {
				if _, leader, _ := c.GetState(i); leader {
					c.Crash(i)
					break
				}
			}
		}
		if chance(p.restart) {
			if i := c.Rand(n); !c.Up(i) {
				c.Restart(i)
				c.Connect(i)
			}
		}
		if chance(p.bounce) {
			i := c.Rand(n)
			c.Crash(i)
			c.Sleep(time.Duration(c.Rand(50)) * time.Millisecond)
			c.Restart(i)
			c.Connect(i)
		}
		if chance(p.disconnect) {
			c.Disconnect(c.Rand(n))
		}
		if chance(p.connect) {
			c.Connect(c.Rand(n))
		}
		if chance(p.partition) {
			var p1, p2 []int
			for i := range n {
				if c.Rand(2) == 0 {
					p1 = append(p1, i)
				} else {
					p2 = append(p2, i)
				}
			}
			c.Partition(p1, p2)
		}
		if chance(p.heal) {
			c.ConnectAll()
		}
	}
	// The faults stop: every server back and connected, the network's
	// faults over; commands must get through.
	c.Sleep(p.faultsFor - c.World().Now())
	stop = true
	stopBounces()
	for i := range n {
		if !c.Up(i) {
			c.Restart(i)
		}
	}
	c.ConnectAll()
	c.Quiet()
	c.One(command(), n, true)
	c.Sleep(et)
	c.One(command(), n, true)
}
