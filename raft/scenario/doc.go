// Package scenario holds the Raft scenarios: the course's 3A-3D tests
// replayed in virtual time on the harness of package raft/harness (initial
// election, re-election, many elections, agreement with one(), agreement
// despite a disconnected follower or leader, no agreement without a
// majority, concurrent Starts, rejoin of a partitioned leader, backup of a
// long divergent log, RPC counts, persistence across crashes of one, of a
// majority and of all, Figure 8 and Figure 8 unreliable, unreliable
// agreement, churn, snapshots), and a swarm scenario that draws per seed
// the cluster's size (3, 5 or 7), snapshots, the network, a schedule of
// crashes, restarts, disconnections and partitions, and a stream of
// commands from concurrent clients, then stops the faults and expects
// progress.
//
// Each scenario runs under a network profile: the course's (the numbers
// of its labrpc: package sim's CourseNet and CourseReorder), reliable or
// not, or kvsim's own swarm faults. A scenario mirroring a course test
// runs by default on the network that test sets; its expectations are
// the test's (a leader within the checks' time, one() within ten
// seconds), so that a Raft failing here fails the course's test on that
// run too. Every run is also held to the checks of package raft/raftcheck,
// online: the first violation ends it.
//
// Run runs one scenario for one seed and returns a Result: plain data,
// with the failure in one line and the trace hash; the same seed and
// configuration give the same hash at any GOMAXPROCS.
package scenario
