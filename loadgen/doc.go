// Package loadgen drives a key/value server over real TCP with concurrent
// Clerks and records what they saw as a models.KVOp history, ready for
// models.CheckKV.
//
// Each client is a Clerk with its own connection, in its own goroutine,
// doing random Gets and Puts on a few keys. Every operation is also judged
// against the Clerk's contract (models.ClerkGetContract and
// models.ClerkPutContract) from what the transport reported about each of
// its attempts. A run stops early, with the history so far, when its
// context ends or when the server has not answered anyone for a while.
package loadgen
