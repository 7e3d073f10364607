// Package shardcfg is the sharded key/value service's configuration: which
// of NShards shards each replica group serves, and the servers of each
// group, numbered so that every change has a number of its own (the
// course's shardkv1/shardcfg shapes: Tshid, Tnum, Num, Shards, Groups).
//
// Its one job is the assignment. Key2Shard places a key in a shard; Join
// and Leave return the next configuration, balanced (each group serves
// NShards/n shards or one more) and moving as few shards as balance
// allows. Both decide in sorted group order, never in a map's, so that
// the same changes give the same configurations in every run, as a
// deterministic simulation needs. A configuration travels as a string
// (String, FromString): the controller stores it in a key/value server.
package shardcfg
