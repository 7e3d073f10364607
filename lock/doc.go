// Package lock is a mutual-exclusion lock kept in the versioned key/value
// service, built only on a clerk's Get and Put.
//
// The lock key holds "" when the lock is free and the owner's id when it is
// held. Acquiring is a versioned Put of the owner's id over a free value;
// releasing is a versioned Put of "" over the owner's own id. Versions make
// both compare-and-swap: two owners that read the same free version cannot
// both succeed.
//
// A Put that comes back ErrMaybe may or may not have been applied, so the
// lock never guesses: it reads the key again, and the value says who holds
// the lock. An in-flight copy of that Put cannot land later, because it
// names a version the key has already left behind.
//
// Owner ids must be unique among the clients sharing a lock key, and
// non-empty. A Lock whose owner already holds the key returns from Acquire
// at once; that is what makes the re-read after ErrMaybe work, and it also
// means a restarted client with the same id gets its lock back.
package lock
