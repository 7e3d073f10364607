// Package scenarios glues the simulator (sim), the system under test (kv,
// clerk, lock, or an Impl of your own) and the checkers (models): it is the
// only package that knows all three.
//
// A Scenario is a workload; a Profile a fault model (swarm draws a fresh one
// per seed); an Impl the server, clerk and lock under test. Run makes one
// deterministic run and checks everything on it: linearizability of the
// key/value and lock histories (porcupine), lock mutual exclusion and an
// exact counter, the Clerk's contract (Get never returns ErrMaybe; Put
// returns ErrMaybe only after a retransmission and ErrVersion only when its
// first attempt was refused), liveness once faults stop, memory proportional
// to the data, and the SUT's own panics. Its Result carries the verdict, the
// trace hash and the line that replays it; WriteArtifacts writes the trace
// and porcupine's visualization, annotated with the faults that hit each
// operation.
//
// Every random choice of a run, from the drawn fault model and workload to
// each message delay, is taken from one sim.Entropy. A seed gives a PRNG;
// simrapid.Entropy lets rapid shrink a failing run (TestShrink); byte
// entropy lets go test -fuzz steer it (FuzzScenario). The bug zoo (Zoo)
// holds realistic mistakes that the checks must catch.
package scenarios
