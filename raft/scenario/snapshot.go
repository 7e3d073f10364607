package scenario

import (
	"time"

	"github.com/kvsim/kvsim/raft/harness"
)

// The course's 3D tests: snapshots. The harness's applier asks for a
// snapshot every harness.SnapshotEvery commands.

// maxLogSize is the course's bound on a server's persisted Raft state
// once it snapshots.
const maxLogSize = 2000

func init() {
	snap := func(name, doc string, profile string, disconnect, crash bool) *Scenario {
		return &Scenario{Name: name, Servers: 3, Snapshots: true, Profile: profile, MaxTime: 5 * time.Minute, Doc: doc,
			Body: func(c *harness.Cluster) { snapCommon(c, disconnect, crash) }}
	}
	register(
		snap("snapshot-basic", "snapshots while every server keeps up; the persisted log stays small", "course-reliable", false, false),
		snap("snapshot-install", "a follower cut off falls behind the leader's snapshot and catches up with InstallSnapshot", "course-reliable", true, false),
		snap("snapshot-install-unreliable", "InstallSnapshot to a follower cut off, on the unreliable network", "course-unreliable", true, false),
		snap("snapshot-install-crash", "a follower crashed falls behind the leader's snapshot and restarts from its own", "course-reliable", false, true),
		snap("snapshot-install-uncrash", "crashes and InstallSnapshot on the unreliable network", "course-unreliable", false, true),
		&Scenario{Name: "snapshot-all-crash", Servers: 3, Snapshots: true, Profile: "course-unreliable", MaxTime: 5 * time.Minute,
			Doc: "every server crashes and restarts from its snapshot and the rest of its log, five times; the log's index never goes back", Body: snapshotAllCrash},
		&Scenario{Name: "snapshot-init", Servers: 3, Snapshots: true, Profile: "course-unreliable", MaxTime: 5 * time.Minute,
			Doc: "a restarted server keeps its snapshot when it next persists (all crash twice)", Body: snapshotInit},
	)
}

func snapCommon(c *harness.Cluster, disconnect, crash bool) {
	n := c.N()
	c.One(cmd(c), n, true)
	leader1 := c.CheckOneLeader()
	for i := range 30 {
		victim, sender := (leader1+1)%n, leader1
		if i%3 == 1 {
			sender, victim = (leader1+1)%n, leader1
		}
		if disconnect {
			c.Disconnect(victim)
			c.One(cmd(c), n-1, true)
		}
		if crash {
			c.Crash(victim)
			c.One(cmd(c), n-1, true)
		}
		// Perhaps enough to get a snapshot.
		for range harness.SnapshotEvery/2 + c.Rand(harness.SnapshotEvery) {
			c.Start(sender, cmd(c))
		}
		// Let the appliers catch up with the Starts.
		if !disconnect && !crash {
			// Every follower keeps up, so that no InstallSnapshot is
			// needed in snapshot-basic.
			c.One(cmd(c), n, true)
		} else {
			c.One(cmd(c), n-1, true)
		}
		if size := c.LogSize(); size >= maxLogSize {
			c.Fail("log size too large: %d bytes", size)
		}
		if disconnect {
			// The follower may be behind and need a snapshot.
			c.Connect(victim)
			c.One(cmd(c), n, true)
			leader1 = c.CheckOneLeader()
		}
		if crash {
			restart(c, victim)
			c.One(cmd(c), n, true)
			leader1 = c.CheckOneLeader()
		}
	}
}

func snapshotAllCrash(c *harness.Cluster) {
	n := c.N()
	c.One(cmd(c), n, true)
	for range 5 {
		// Perhaps enough to get a snapshot.
		for range harness.SnapshotEvery/2 + c.Rand(harness.SnapshotEvery) {
			c.One(cmd(c), n, true)
		}
		index1 := c.One(cmd(c), n, true)
		crashAll(c)
		startAll(c)
		if index2 := c.One(cmd(c), n, true); index2 < index1+1 {
			c.Fail("index decreased from %d to %d", index1, index2)
		}
	}
}

func snapshotInit(c *harness.Cluster) {
	n := c.N()
	c.One(cmd(c), n, true)
	// Enough to make a snapshot.
	for range harness.SnapshotEvery + 1 {
		c.One(cmd(c), n, true)
	}
	crashAll(c)
	startAll(c)
	// A single op, to have something written back to persistent storage.
	c.One(cmd(c), n, true)
	crashAll(c)
	startAll(c)
	// Another op, to trigger the bug if there is one.
	c.One(cmd(c), n, true)
}
