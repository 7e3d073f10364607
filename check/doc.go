// Package check is kvsim's one recorder and one check registry, shared by
// simulation (package scenarios), stress mode (package stress) and load
// over real TCP (package loadgen).
//
// The recorder: a Client records one client's operations into a
// Recording. It is the Caller the implementation's clerk sends through, so
// it sees what every attempt got, and the Clerk the workload and the lock
// call, so it sees every operation; a Lock records acquisitions, releases
// and critical sections. It runs over any rpc.Caller, rpc.Sleeper and
// Clock: the simulator's processes, goroutines over an in-process network,
// Clerks over TCP. A Recording is plain data, made once per run.
//
// The checks: a Check judges one invariant of a finished Recording, each
// in a file of its own: linearizability of the key/value history
// (linearizability.go), the lock history against the lock model
// (lockmodel.go), mutual exclusion (mutex.go), an exact counter under the
// lock (counter.go), the Clerk's contract (contract.go), liveness
// (liveness.go), server memory proportional to the data (memory.go),
// what the workload itself saw go wrong (workload.go), and a Clerk that
// resends without waiting (busyretry.go, a warning only). A scenario's own
// checks are more of the same (Func). A Registry runs checks in order into
// an Outcome, whose First is the failure a run reports when several
// checks fail:
//
//   - a violation before an unknown verdict (a checker that gave up), and
//     either before a stuck run;
//   - among violations, those seen at a moment of the run (a contract
//     breach, two holders at once, the workload's own judgement) in the
//     order they happened, then the others in the registry's order.
//
// A check that reads the server's state after the run (readsServer) runs
// only on a run that finished and that no earlier check failed: the state
// of a broken or unfinished run may hang or mislead, and its reason would
// not come first anyway.
package check
