package worker

import "github.com/kvsim/kvsim/shardkv/scenario"

// ShardRequest asks the worker of a shardkv1 folder for one run of a
// sharded scenario (package shardkv/scenario) with the folder's groups,
// controller and clerk.
type ShardRequest struct {
	Scenario string `json:"scenario"`
	Seed     uint64 `json:"seed"`
	// Trace asks for the run's trace.
	Trace bool `json:"trace,omitempty"`
}

// ShardResponse is the answer to a ShardRequest.
type ShardResponse struct {
	Result scenario.Result `json:"result"`
	// Output is what the folder's code printed, for a failed run.
	Output string `json:"output,omitempty"`
	// Err says why the request could not be served.
	Err string `json:"err,omitempty"`
}
