package scenario

import (
	"time"

	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/sim"
)

// Profile is a network a scenario runs on.
type Profile struct {
	Name, Doc string
	// Faults draws the run's fault model from the profile's stream.
	Faults func(e sim.Entropy) sim.Faults
	// Scheduling: Faults draws the scheduling faults itself.
	Scheduling bool
}

// The course's network, as its labrpc sets it for the Raft tests: long
// delays always (a call to a disconnected server fails after up to 7s),
// unreliable (requests delayed up to 26ms, then a tenth of them lost, and
// a tenth of the replies) in some tests, long reordering (two replies in
// three held 200ms to 2.2s) in Figure 8 (unreliable) from its 200th
// iteration on (which turns it on itself: harness.SetLongReordering); the
// course profile has it from the start.
var (
	courseReliable   = sim.Faults{}.With(sim.CourseNet, harness.CourseReliable)
	courseUnreliable = sim.Faults{}.With(sim.CourseNet, harness.CourseUnreliable)
	courseFull       = courseUnreliable.With(sim.CourseReorder, harness.CourseLongReordering)
)

// FaultsUntil is when kvsim's own swarm faults stop in a scenario that
// does not say.
const FaultsUntil = 5 * time.Second

// Profiles are the networks, by name.
var Profiles = []Profile{
	{Name: "course", Doc: "the course's labrpc, unreliable with long delays and long reordering: requests delayed 0-26ms, a tenth lost, a tenth of the replies lost, two replies in three held 200ms+rand(1+rand(2000))ms, calls to a disconnected server failing after rand(7000)ms; never a duplicate",
		Faults: fixed(courseFull)},
	{Name: "course-unreliable", Doc: "the course's labrpc unreliable, with long delays, without long reordering",
		Faults: fixed(courseUnreliable)},
	{Name: "course-reliable", Doc: "the course's labrpc reliable, with long delays (most of the course's Raft tests)",
		Faults: fixed(courseReliable)},
	{Name: "reliable", Doc: "kvsim's reliable network: 1ms each way, calls time out after 100ms",
		Faults: fixed(sim.Faults{})},
	{Name: "swarm", Doc: "kvsim's own faults, each on or off with a drawn intensity per seed (sim.SwarmFaults, never a duplicate), until FaultsUntil",
		Faults: func(e sim.Entropy) sim.Faults { return swarmFaults(e, FaultsUntil) }, Scheduling: true},
}

func fixed(f sim.Faults) func(sim.Entropy) sim.Faults {
	return func(sim.Entropy) sim.Faults { return f }
}

// swarmFaults is sim.SwarmFaults without the kinds that duplicate
// requests (the draw still made, so that other kinds draw the same).
func swarmFaults(e sim.Entropy, until time.Duration) sim.Faults {
	f := sim.SwarmFaults(e, until)
	for _, k := range sim.FaultKinds() {
		if k.Duplicates() {
			f = f.Without(k)
		}
	}
	return f
}

func profileNamed(name string) *Profile {
	for i := range Profiles {
		if Profiles[i].Name == name {
			return &Profiles[i]
		}
	}
	return nil
}
