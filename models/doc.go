// Package models decides whether a recorded history is linearizable.
//
// It is the only place in kvsim that knows what a correct history looks like:
// it holds the history types that scenarios record (KVOp for the versioned
// key/value service, LockOpRecord for the lock), porcupine models of the
// service and of the lock, and CheckKV and CheckLock, which return a
// CheckResult whose Verdict is Ok, Violation or Unknown (a checker timeout,
// never a pass) and which can draw porcupine's HTML visualization of the
// history.
//
// CheckKV does not search: versions make a key's history almost a total
// order (each applied Put is the single step from its version to the next),
// so it builds each key's chain of versions and decides in one pass whether
// every operation fits into it in time (fast.go holds the algorithm and its
// proof). It is exact and near-linear: a million operations on one hot key
// take well under a second. A pass comes with a linearization, which
// Visualize and Longest replay through porcupine without a search. A
// violation comes with CheckResult.Core, a minimal set of operations that
// cannot be ordered, and a Reason that says why in words. CheckKVPorcupine
// is the same check by porcupine's search, the oracle the fast checker is
// tested against and its fallback in the rare cases it cannot decide
// (CheckResult.Checker says which decided).
//
// The key/value model follows the server's exact semantics, versions
// included, and is partitioned by key. A Put that returned rpc.ErrMaybe, and
// any operation whose reply never arrived (Unknown), may or may not have
// taken effect; the models track every state the service may be in, so a
// history is accepted if either outcome explains it.
//
// ClerkGetContract and ClerkPutContract judge one Clerk operation against
// the Clerk's contract, from its result and what the transport reported
// about each attempt; the simulator and the real-TCP load generator both
// use them.
//
// FormatKV and ParseKV turn a history into text and back, one operation per
// line, so that hand-made histories in tests read like this:
//
//	c0 [1,4] put(k1, "x", v0) -> OK
//	c1 [2,6] get(k1) -> "x"@v1
//	c2 [3,?] put(k1, "y", v1) -> ?
package models
