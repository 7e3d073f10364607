// Package stress runs an implementation of the key/value service with real
// goroutines and real concurrency, and checks what happened.
//
// The simulator runs one process at a time, so it cannot see two things:
// data races (a server that reads its map without its mutex) and handlers
// that are not atomic (a Put that checks the version, unlocks, then writes).
// Stress mode runs the same server, clerk and lock in one process, with
// clients on their own goroutines calling the server's handlers directly
// and at once: no simulator, no TCP. Built with -race, the race detector
// watches every access; without it, the history checks still catch what
// the races break.
//
// The in-process network passes arguments and replies as net/rpc and gob
// would: a handler gets a fresh copy of the arguments and a fresh zero
// reply, and only the reply's non-zero fields reach the caller's struct. It
// loses some requests and replies, and delivers some requests only after
// the caller gave up, so the clerk's retries and ErrMaybe run for real.
// Pauses are real (time.Sleep), shortened by Options.Speedup.
//
// Clients run a mixed workload of Gets, Puts and read-modify-writes on a
// few hot keys with values that repeat, and lock users increment a counter
// under the lock. Each client records through the recorder the simulator
// uses (package check), on one monotonic clock, and a round runs every
// check that applies (Checks), the ones a simulated run gets: the Clerk's
// contract, mutual exclusion, the counter's exact count, linearizability,
// the lock model, liveness and the server's memory. It runs in rounds,
// each on a fresh server and checked on its own, until its duration has
// passed, so a long run costs checking time in proportion to its length.
//
// A data race is reported by the race detector, not in the Result: under
// go test -race it fails the test, and kvsim stress runs itself as a child
// process to turn the detector's report into exit status 1.
//
// Clients share nothing outside the implementation under test: each records
// its own history and draws from its own random source, so the harness adds
// no synchronization that could hide a race between them.
package stress
