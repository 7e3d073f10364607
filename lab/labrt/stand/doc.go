// Package stand holds kvsim lab's deterministic stand-ins for packages a
// course folder imports whose values come from outside the run: math/rand,
// math/rand/v2, crypto/rand and github.com/google/uuid. The lab's rewriter
// points the folder's imports at them; every number they give is drawn
// from the run's seeded source (labrt.Rand), so a seed replays the same
// lock ids, backoffs and jitter. Each has the API students use, with the
// same names and semantics. The stand-in for sync gives the simulator's
// Mutex, RWMutex, Cond, WaitGroup and Once under sync's names, zero values
// included (see package sync here).
package stand
