package scenarios

import (
	"strings"
	"time"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/sim"
)

// FaultsUntil is when every profile's faults stop; from then on the run
// must make progress (the liveness check).
const FaultsUntil = 2 * time.Second

// Delivery is the delivery guarantee a profile's network keeps, which is
// part of the contract under test: a fault the contract excludes must never
// be blamed on the implementation.
type Delivery uint8

const (
	// AtMostOnce is the course's labrpc and net/rpc over TCP: requests are
	// lost, delayed, reordered, held and cut off, never delivered twice. A
	// Clerk may conclude from an ErrVersion on its first RPC that the Put
	// was not performed. The default.
	AtMostOnce Delivery = iota
	// AtLeastOnce also delivers requests twice. No Clerk can tell its own
	// request's refusal from a duplicate's, so an ErrVersion Put may have
	// been applied: the checks judge it as ErrMaybe.
	AtLeastOnce
)

func (d Delivery) String() string {
	if d == AtLeastOnce {
		return "at-least-once"
	}
	return "at-most-once"
}

// judge is what a Put's result means under d: under at-least-once an
// ErrVersion may answer a duplicate of a request that was applied.
func (d Delivery) judge(err rpc.Err) rpc.Err {
	if d == AtLeastOnce && err == rpc.ErrVersion {
		return rpc.ErrMaybe
	}
	return err
}

// Profile is a named fault model.
type Profile struct {
	Name string
	Doc  string
	// Delivery is the guarantee the profile's network keeps; its faults
	// never break it.
	Delivery Delivery
	// Faults returns the fault model for one run. Only the swarm profiles
	// draw from the entropy, before the run starts.
	Faults func(e sim.Entropy) sim.Faults
	// Targeted, if set, returns which targeted fault sites the run enables
	// (swarm draws them, after the fault model).
	Targeted func(e sim.Entropy) Targeted
}

// SwarmName is the profile that draws a random fault model per seed, under
// at-most-once delivery; SwarmDupName is its at-least-once twin.
const (
	SwarmName    = "swarm"
	SwarmDupName = "swarm-dup"
)

func fixed(f sim.Faults) func(sim.Entropy) sim.Faults {
	f.Until = FaultsUntil
	return func(sim.Entropy) sim.Faults { return f }
}

// Profiles returns the fault profiles, swarm last but for its
// at-least-once twin.
func Profiles() []Profile {
	return []Profile{
		{Name: "reliable", Doc: "no faults; messages take 1-2ms", Faults: fixed(sim.Faults{Jitter: time.Millisecond})},
		{Name: "lossy", Doc: "10% of requests and 10% of replies lost", Faults: fixed(sim.Faults{
			Jitter: time.Millisecond, DropRequest: 0.1, DropReply: 0.1})},
		{Name: "reorder", Doc: "long-tailed delays: 20% of messages take up to 300ms, past the call timeout", Faults: fixed(sim.Faults{
			Jitter: 5 * time.Millisecond, TailProb: 0.2, Tail: 300 * time.Millisecond})},
		{Name: "partition", Doc: "a random endpoint cut off every ~300ms for up to 300ms", Faults: fixed(sim.Faults{
			Jitter: time.Millisecond, PartitionEvery: 300 * time.Millisecond, PartitionFor: 300 * time.Millisecond})},
		{Name: "chaos", Doc: "every at-most-once fault at once: loss, long tails, partitions, server pauses", Faults: fixed(sim.Faults{
			Jitter: 5 * time.Millisecond, DropRequest: 0.1, DropReply: 0.1,
			TailProb: 0.1, Tail: 300 * time.Millisecond,
			PartitionEvery: 400 * time.Millisecond, PartitionFor: 200 * time.Millisecond,
			PauseEvery: 500 * time.Millisecond, PauseFor: 150 * time.Millisecond})},
		{Name: SwarmName, Doc: "a random profile per seed, never a duplicate request: " + swarmDoc(AtMostOnce), Faults: swarm, Targeted: swarmTargeted},
		{Name: "duplicate", Doc: "at-least-once delivery: 30% of requests delivered twice, with jitter", Delivery: AtLeastOnce, Faults: fixed(sim.Faults{
			Jitter: 5 * time.Millisecond, Duplicate: 0.3})},
		{Name: SwarmDupName, Doc: "swarm under at-least-once delivery, for implementations that claim to tolerate duplicates: " + swarmDoc(AtLeastOnce), Delivery: AtLeastOnce, Faults: swarmDup, Targeted: swarmDupTargeted},
	}
}

// swarm draws each fault on or off and, when on, its intensity (see
// sim.SwarmFaults), then takes out the faults that duplicate requests: the
// draw is still made, so that a seed draws the same other faults under
// both swarm profiles.
func swarm(e sim.Entropy) sim.Faults {
	f := sim.SwarmFaults(e, FaultsUntil)
	for _, k := range swarmDuplicating {
		f = f.Without(k)
	}
	return f
}

// swarmDuplicating are the fault kinds that swarm draws and that deliver
// requests twice, found once (every kind registers as sim starts).
var swarmDuplicating = func() (kinds []*sim.FaultKind) {
	for _, k := range sim.FaultKinds() {
		if k.Swarm() && k.Duplicates() {
			kinds = append(kinds, k)
		}
	}
	return kinds
}()

// swarmDoc lists what swarm draws under delivery d, from the registered
// fault kinds and the targeted sites.
func swarmDoc(d Delivery) string {
	var faults, sites []string
	for _, k := range sim.FaultKinds() {
		if k.Swarm() && (d == AtLeastOnce || !k.Duplicates()) {
			faults = append(faults, k.Name())
		}
	}
	for _, s := range targetedSites {
		if d == AtLeastOnce || !s.duplicates {
			sites = append(sites, s.name+": "+s.doc)
		}
	}
	return "each fault (" + strings.Join(faults, ", ") + ") and each targeted fault (" + strings.Join(sites, "; ") + ") on or off, with random intensity"
}

func swarmDup(e sim.Entropy) sim.Faults { return sim.SwarmFaults(e, FaultsUntil) }
