package harness

import (
	"time"

	"github.com/kvsim/kvsim/sim"
)

// The course's network, as its labrpc sets it for the Raft tests
// (sim.CourseNet and sim.CourseReorder settings).
var (
	// CourseReliable is labrpc reliable with long delays: a call to or
	// from a disconnected server fails after up to 7s.
	CourseReliable = sim.Level{D: 7 * time.Second}
	// CourseUnreliable is labrpc unreliable with long delays: requests
	// wait up to 26ms, then a tenth are lost, and a tenth of the replies.
	CourseUnreliable = sim.Level{P: 0.1, D: 7 * time.Second}
	// CourseLongReordering is labrpc's long reordering: two replies in
	// three held 200ms plus rand(1+rand(2000))ms.
	CourseLongReordering = sim.Level{P: 2.0 / 3, D: 2 * time.Second}
)

// SetReliable is the course's SetReliable, on the course's network (a
// run with sim.CourseNet on): reliable, requests neither wait nor are
// lost; unreliable, as CourseUnreliable. Calls to a disconnected server
// still fail after up to the run's D, and long reordering stays as it
// is. On another network it does nothing: kvsim's own faults are the
// run's profile.
func (c *Cluster) SetReliable(yes bool) {
	l := c.w.Level(sim.CourseNet)
	if l == (sim.Level{}) {
		return
	}
	l.P = CourseUnreliable.P
	if yes {
		l.P = 0
	}
	c.w.SetLevel(sim.CourseNet, l)
}

// SetLongReordering is the course's SetLongReordering, on the course's
// network (a run with sim.CourseNet on): from now on, replies are held as
// CourseLongReordering says, or no longer. On another network it does
// nothing.
func (c *Cluster) SetLongReordering(yes bool) {
	if c.w.Level(sim.CourseNet) == (sim.Level{}) {
		return
	}
	l := sim.Level{}
	if yes {
		l = CourseLongReordering
	}
	c.w.SetLevel(sim.CourseReorder, l)
}
