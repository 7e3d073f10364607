package scenario_test

import (
	"fmt"

	"github.com/kvsim/kvsim/shardkv/scenario"
	"github.com/kvsim/kvsim/shardkv/shardgrp"
)

// A run of the reference, by seed: what the seed drew, and the verdict.
func ExampleRun() {
	s, _ := scenario.Named("ctrler-crash")
	r := scenario.Run(s, scenario.Config{Seed: 1})
	fmt.Println(&r)
	// Output: ctrler-crash seed 1 (3 groups, 4 clients, 15 keys, preempt=0.25/18ms): ok
}

// A group that keeps serving a shard it froze: the check that no two
// groups serve a shard under one configuration names both.
func ExampleRun_flawed() {
	s, _ := scenario.Named("join-leave")
	r := scenario.Run(s, scenario.Config{Seed: 0, Impl: scenario.Flawed("serve-frozen", scenario.Flaws{Group: shardgrp.ServeFrozen})})
	fmt.Println(r.Failure)
	// Output: one owner: shard 9 served by group 1 (server 2, "k1") and by group 2 (server 0, "k1") under configuration 2, at 709.100506ms
}
