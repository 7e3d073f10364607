// Package scenario runs the sharded key/value service of package shardkv
// (the course's shardkv1) under the simulator, and checks every run.
//
// A run is one world: the controller's key/value server on an endpoint of
// its own; G replica groups of three servers each, every server a
// machine (harness.Node, Persister, crash and restart) running
// package shardgrp's server; clients that run a random versioned Get/Put
// workload over keys that span many shards, each through the sharded
// clerk; and an administrator that, while the clients run, has groups
// join and leave, each change made by a controller of package
// shardctrler on a machine of its own, which calls InitController first
// (finishing whatever change a controller before it left unfinished).
// Once a change is done, the servers of groups that have left are shut
// down, as the course's tester does (unless a controller cut off may
// still call them), and restarted from their Persisters when the group
// joins again: a client with an old configuration must give up on them.
// When the load ends (LoadFor, twice that on a lossy network) every fault
// stops; a last controller finishes any change still pending, and each
// client's operation under way, then a Get of every key by every client,
// must return by LivenessWindow later: a shard no group serves any more
// is found whether or not the load touched it.
//
// The scenarios (All) add, per seed and from the run's entropy: a lossy
// network (drops, long delays, on some seeds endpoints cut off) with
// crashes and restarts of group servers and of whole groups, for twice
// as long; controllers crashed mid-change (at a moment drawn within about
// as long as a change takes); controllers cut off mid-change, which come
// back while their successors have moved on; two controllers racing to
// change the same configuration; and all of these at once (chaos).
//
// The checks, on every run: linearizability of the whole client history
// (package check's, a Put that returned ErrMaybe taking effect or not);
// no shard served by two groups under one configuration (every Get and
// Put a group's state machine serves is recorded with the group, the
// shard and the number the group holds it at: two groups at one number
// is a violation that names both; for groups that cannot report what
// they serve, Impl.KeyShard has the check judge them by the calls to
// them instead: a Get served after the group acknowledged freezing the
// key's shard, the shard never given to it again, is a violation,
// calls.go); of two racing controllers, one change at most per
// configuration number; in the scenarios whose controllers never fail,
// that each change took (the configuration is the one the controller was
// asked for once it returns, as the course's tests check a group's
// membership after each change: a controller that only the one that
// called InitConfig can use fails here, and says so, not by a stuck
// run); liveness (the run ends by its deadline). Run
// returns plain data; the same seed gives the same trace hash at any
// GOMAXPROCS.
//
// Flaws selects the deliberate bugs of the service's parts, for the tests
// that show the scenarios find them.
package scenario
