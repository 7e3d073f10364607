package worker

import "github.com/kvsim/kvsim/raft/scenario"

// RaftRequest asks the worker of a raft1 folder for one run of a Raft
// scenario (package raft/scenario) with the folder's Make.
type RaftRequest struct {
	Scenario string `json:"scenario"`
	Seed     uint64 `json:"seed"`
	// Profile overrides the scenario's network ("" keeps it).
	Profile string `json:"profile,omitempty"`
	// Trace asks for the run's trace and the checks' events.
	Trace bool `json:"trace,omitempty"`
}

// RaftResponse is the answer to a RaftRequest.
type RaftResponse struct {
	Result scenario.Result `json:"result"`
	// Output is what the folder's code printed, for a failed run.
	Output string `json:"output,omitempty"`
	// Err says why the request could not be served.
	Err string `json:"err,omitempty"`
}
