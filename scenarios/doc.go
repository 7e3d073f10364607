// Package scenarios glues the simulator (sim), the system under test (kv,
// clerk, lock, or a kvsim.Impl of your own) and the checks (package check, over
// the checkers of models): it is the only package that knows all three.
//
// A Spec names a run: scenario, seed, fault profile, implementation (and
// the workload and strategy). A Config holds the values it names, resolved
// once at the edge by package campaign's catalogue, and Run makes that run
// deterministically and checks everything on it, with the checks stress
// mode and TCP load share: linearizability of the key/value and lock
// histories, lock mutual exclusion and an exact counter, the Clerk's
// contract (Get never returns ErrMaybe; Put returns ErrMaybe only after a
// retransmission and ErrVersion only when its first attempt was refused),
// liveness once faults stop, memory proportional to the data, and the
// SUT's own panics. Its Result carries the Spec, the verdict and the
// trace hash (a front door adds the lines that replay it); Replay
// reruns a Result exactly, whatever its implementation, and WriteArtifacts
// writes its trace, history and visualization.
//
// Scenarios are exported so that users can write their own: Setup spawns
// clients on an Env, each a Client whose Get, Put and Lock are the
// implementation's, recorded for the checks (check.Client), adds checks of
// its own (Env.AddCheck) and returns the scenario's final check, whose
// state lives in Setup's closure.
//
// A caller that makes runs one after another on one goroutine, as a
// campaign's worker does, makes them on a Runner: each run reuses the
// coroutines and memory the one before left (its world's event queue and
// requests, its recording, clients and checks), which a short run would
// otherwise spend a good part of its time allocating. A runner never
// changes a run, and an untraced Result keeps nothing of the run's memory.
//
// Every random choice of a run, from the drawn fault model and workload to
// each message delay, is taken from one sim.Entropy: a seed gives a PRNG,
// simrapid.Entropy lets rapid shrink a failing run, byte entropy lets go
// test -fuzz steer it (FuzzScenario). A run records what it drew, by
// stream, when asked (Config.Record, Result.Choices), and those Choices
// replay it (Config.Choices) whatever changes later in how a seed draws:
// regression entries and fail files keep them.
package scenarios
