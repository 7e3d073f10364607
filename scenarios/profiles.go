package scenarios

import (
	"time"

	"github.com/kvsim/kvsim/sim"
)

// FaultsUntil is when every profile's faults stop; from then on the run
// must make progress (the liveness check).
const FaultsUntil = 2 * time.Second

// Profile is a named fault model.
type Profile struct {
	Name string
	Doc  string
	// Faults returns the fault model for one run. Only swarm draws from the
	// entropy, before the run starts.
	Faults func(e sim.Entropy) sim.Faults
	// Targeted, if set, returns which targeted fault sites the run enables
	// (swarm draws them, after the fault model).
	Targeted func(e sim.Entropy) Targeted
}

// SwarmName is the profile that draws a random fault model per seed.
const SwarmName = "swarm"

func fixed(f sim.Faults) func(sim.Entropy) sim.Faults {
	f.Until = FaultsUntil
	return func(sim.Entropy) sim.Faults { return f }
}

// Profiles returns the fault profiles, swarm last.
func Profiles() []Profile {
	return []Profile{
		{Name: "reliable", Doc: "no faults; messages take 1-2ms", Faults: fixed(sim.Faults{Jitter: time.Millisecond})},
		{Name: "lossy", Doc: "10% of requests and 10% of replies lost", Faults: fixed(sim.Faults{
			Jitter: time.Millisecond, DropRequest: 0.1, DropReply: 0.1})},
		{Name: "reorder", Doc: "long-tailed delays: 20% of messages take up to 300ms, past the call timeout", Faults: fixed(sim.Faults{
			Jitter: 5 * time.Millisecond, TailProb: 0.2, Tail: 300 * time.Millisecond})},
		{Name: "duplicate", Doc: "30% of requests delivered twice, with jitter", Faults: fixed(sim.Faults{
			Jitter: 5 * time.Millisecond, Duplicate: 0.3})},
		{Name: "partition", Doc: "a random endpoint cut off every ~300ms for up to 300ms", Faults: fixed(sim.Faults{
			Jitter: time.Millisecond, PartitionEvery: 300 * time.Millisecond, PartitionFor: 300 * time.Millisecond})},
		{Name: "chaos", Doc: "every fault at once: loss, duplicates, long tails, partitions, server pauses", Faults: fixed(sim.Faults{
			Jitter: 5 * time.Millisecond, DropRequest: 0.1, DropReply: 0.1, Duplicate: 0.1,
			TailProb: 0.1, Tail: 300 * time.Millisecond,
			PartitionEvery: 400 * time.Millisecond, PartitionFor: 200 * time.Millisecond,
			PauseEvery: 500 * time.Millisecond, PauseFor: 150 * time.Millisecond})},
		{Name: SwarmName, Doc: "a random profile per seed: each fault and each targeted fault (lock holder cut off or slowed, server paused under a Put, creating Put duplicated or held, reply held past its caller's retry) on or off, with random intensity", Faults: swarm, Targeted: swarmTargeted},
	}
}

// swarm draws each fault on or off and, when on, its intensity (see
// sim.SwarmFaults).
func swarm(e sim.Entropy) sim.Faults { return sim.SwarmFaults(e, FaultsUntil) }
