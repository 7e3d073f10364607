// Package shardgrp is one replica group of the sharded key/value service
// (the course's shardkv1/shardgrp): a server replicated over Raft through
// package rsm, as package kvraft's, and its clerk.
//
// Its one job is a group's side of the shards. The state machine keeps,
// for each shard, the number of the newest configuration it has heard of
// for it, whether the group holds it, whether it is frozen, and its data
// (a kv.Server, so that Get and Put are the single server's semantics by
// construction, versions included). It serves a Get or a Put only for a
// shard it holds and has not frozen, else ErrWrongGroup. The controller
// moves a shard with three requests, each carrying the new configuration's
// number, each through the log:
//
//   - Freeze stops serving the shard and returns its data with the
//     versions (a repeat at the same number returns the same data);
//   - Install makes the group hold the shard with the data given;
//   - Delete drops the data of a shard the group no longer serves.
//
// A request whose number is older than the shard's is stale (a controller
// that was superseded, a copy delayed in the network): Freeze answers it
// ErrVersion, so that its controller gives up; Install and Delete ignore
// it, as they ignore a repeat. A snapshot holds every shard's number,
// state and data.
//
// Each Get and Put the state machine serves is told to an observer with
// the group, the shard and the shard's number, for the check that no two
// groups serve a shard under one configuration.
//
// The clerk finds a group's leader as kvraft's does. Get and Put give up
// with ErrWrongGroup when a server says so or after a few rounds without
// a leader's answer, so that the sharded clerk asks the controller again;
// Put also says whether an earlier attempt may have been applied, for
// the sharded clerk's ErrMaybe. The controller's Freeze, Install and
// Delete try until a leader answers.
//
// Flaw holds deliberate bugs, each a line away from the reference, for
// the tests that show the scenarios find them.
package shardgrp
