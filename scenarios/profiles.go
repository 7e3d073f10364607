package scenarios

import (
	"fmt"
	"strings"
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
		{Name: SwarmName, Doc: "a random profile per seed: each fault on or off, with random intensity", Faults: swarm},
	}
}

// swarm draws each fault on or off and, when on, its intensity. Swarm
// testing finds more bugs than every fault at once, because some bugs need
// one fault and the absence of another. A draw of 0 turns a fault off, so
// rapid shrinks toward fewer faults.
func swarm(e sim.Entropy) sim.Faults {
	on := func() bool { return e.Uint64N(2) == 1 }
	// level is a probability in [0.05, 0.5].
	level := func() float64 { return 0.05 + float64(e.Uint64N(10))*0.05 }
	every := func() time.Duration { return time.Duration(100+e.Uint64N(500)) * time.Millisecond }
	f := sim.Faults{Until: FaultsUntil, Jitter: time.Duration(e.Uint64N(10)) * time.Millisecond}
	if on() {
		f.DropRequest = level()
	}
	if on() {
		f.DropReply = level()
	}
	if on() {
		f.Duplicate = level()
	}
	if on() {
		f.TailProb, f.Tail = level(), every()
	}
	if on() {
		f.PartitionEvery, f.PartitionFor = every(), every()
	}
	if on() {
		f.PauseEvery, f.PauseFor = every(), every()/2
	}
	return f
}

// describeFaults is a compact, readable form of a fault model, printed with
// a swarm result so the drawn profile is visible.
func describeFaults(f sim.Faults) string {
	var parts []string
	add := func(format string, args ...any) { parts = append(parts, fmt.Sprintf(format, args...)) }
	if f.Jitter > 0 {
		add("jitter=%v", f.Jitter)
	}
	if f.DropRequest > 0 {
		add("drop-req=%.2f", f.DropRequest)
	}
	if f.DropReply > 0 {
		add("drop-reply=%.2f", f.DropReply)
	}
	if f.Duplicate > 0 {
		add("dup=%.2f", f.Duplicate)
	}
	if f.TailProb > 0 {
		add("tail=%.2f/%v", f.TailProb, f.Tail)
	}
	if f.PartitionEvery > 0 {
		add("partition=%v/%v", f.PartitionEvery, f.PartitionFor)
	}
	if f.PauseEvery > 0 {
		add("pause=%v/%v", f.PauseEvery, f.PauseFor)
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}
