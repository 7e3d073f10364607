// Package sim is a deterministic, single-threaded simulator for testing
// distributed programs written in ordinary blocking style.
//
// A World owns a virtual clock, an event queue ordered by (time, sequence
// number), a fake network of named endpoints and the run's Entropy. Client
// code runs in processes (Spawn): coroutines that the scheduler resumes one
// at a time and that yield only inside simulator calls (Proc.Call,
// Proc.Sleep). A process that blocks dispatches events itself, on its own
// stack, until one resumes a process: itself, which then goes on without a
// coroutine switch; another, which it switches to directly; or one up the
// chain of processes that resumed one another, to which the chain unwinds.
// The events run in the same order as if every process yielded to one
// scheduler loop. A caller that runs worlds one after another lends them a
// Pool, so that a process does not pay for starting a coroutine nor a
// short run for allocating its event queue and requests. Servers are passive endpoints whose handlers (Handle) run
// when a request is delivered. Every random choice (message delay, drop,
// duplicate, partition, pause, and the order of events that fall on the same
// virtual instant) is drawn from the Entropy, on the scheduler's goroutine,
// so a run is a pure function of its entropy and options: the same seed gives
// the same trace and the same trace hash on every machine.
//
// Entropy has three backends: a seeded PRNG for campaigns and replay
// (NewPCG), fuzzer bytes for go test -fuzz (NewBytes), and rapid's *rapid.T
// for shrinking (package simrapid). Every draw the world makes names what
// it decides (Decision); entropy that implements Chooser is told, so that
// exploration strategies (package sim/explore) can treat a tie differently
// from a dropped message. Faults are set per run in Faults; their zero
// value is a reliable network.
//
// The package knows nothing of what the processes do: it moves opaque
// messages between endpoints as net/rpc with gob would, so that no two
// endpoints ever share memory and a reply leaves the fields it does not
// send (its zero fields) as the caller's struct had them.
//
// Each kind of fault is one registered value (FaultKind): its name, its
// setting and the setting's text, its swarm draw, the decisions it asks a
// Chooser (of a DecisionClass, which is all a strategy needs to know), and
// the record kinds it emits, each of which says how a report draws it
// (RecordKind.Drawing: a point, a message's fate, a span). Faults.String,
// SwarmFaults, Decision names and a report's layout follow from the
// registry; each record kind is also its Stats counter (Stats.Count).
// Every tie-break is a trace record, and
// Options.OnFold sees every word of the trace hash, so FirstDifference can
// find where two runs part.
package sim
