// Package harness is the seam a Raft plugs into to run under the
// simulator, and the tester that drives it: the course's contract
// (ApplyMsg, the Raft interface, Make, a Persister, a ClientEnd that calls
// a peer by "Raft.AppendEntries") over package sim's machines and network,
// and a Cluster that starts, crashes, restarts, disconnects and partitions
// N servers the way the course's tester does, reads every server's applyCh
// and feeds what it sees to the checks of package raft/raftcheck.
//
// Two kinds of Raft plug in here: kvsim's reference (package raft/ref),
// written on the simulator's API directly, and a student's raft1 folder,
// which the lab's rewriter maps onto the same API, with shims that are
// type aliases of this package's types (labrpc.ClientEnd is End,
// tester.Persister is Persister, raftapi.ApplyMsg is ApplyMsg), so that
// applyCh, a chan raftapi.ApplyMsg in the student's code, is a
// *sim.Chan[ApplyMsg] here.
//
// Each server is a sim.Machine. Its constructor calls Make with fresh
// ends and the machine's Persister, registers the exported methods of the
// Raft it returns as labrpc does (each "<type name>.<method>" with an
// args and a reply pointer, copied as gob copies them), and starts the
// server's applier and the goroutine through which the tester calls
// Start, GetState and Snapshot: a goroutine of the machine, so that what
// those start (a go statement in Start) belongs to the machine, calls from
// its endpoint and stops when it crashes.
//
// Crash and restart. The course's tester disconnects a server, copies its
// Persister (so that an old instance that keeps running cannot change
// what the new one reads), calls Kill, and leaves the old goroutines
// running. Here a crashed machine's goroutines stop where they are and
// never run again, its messages in flight are lost and its timers never
// fire: the stricter and truer model of a crash, in which no copy of the
// Persister is needed. Kill is still called, from a goroutine of the
// tester, as the course's tester calls it. A restart runs the constructor
// again with what the Persister holds.
package harness
