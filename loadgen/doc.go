// Package loadgen drives a key/value server over real TCP with concurrent
// Clerks and records what they saw through the recorder the simulator and
// stress mode use (package check).
//
// Each client is a Clerk with its own connection, in its own goroutine,
// doing random Gets and Puts on a few keys; lock users among them take a
// lock and increment a counter under it. Result.Check runs every check
// that applies to a load: the Clerk's contract (from what the transport
// reported about each attempt), with lock users mutual exclusion, the lock
// model and the counter, and on request the history's linearizability. A
// run stops early, with the history so far, when its context ends or when
// the server has not answered anyone for a while.
package loadgen
