// Package search holds the searches that draw a run's choices themselves,
// rather than from a seed: Explore enumerates every run within a bound
// (stateless model checking), and Smallest looks for the smallest failing
// run of a scenario (a campaign's failure replayed with its choices
// recorded, runs that favour the simplest outcome of every draw, an
// exploration, then minimizing the winner's choices), replayable from its
// choices (explore.ReplayStrategy).
//
// Their runs are made in this process, one after another, by a Runner:
// package campaign's in-process executor makes them with a
// scenarios.Runner, and the worker process of a course folder (package
// worker) with one that starts the folder's package state afresh for
// every world. Neither sets any process-wide state: go test's rapid
// shrinking is campaign.Shrink's.
package search

import "github.com/kvsim/kvsim/scenarios"

// A Runner makes a search's runs, one after another, in this process:
// Try is scenarios.Runner's, a panic outside the simulator a Panic result.
type Runner interface {
	Try(cfg scenarios.Config) scenarios.Result
}

// runnerOr is r, or a scenarios.Runner of its own.
func runnerOr(r Runner) Runner {
	if r == nil {
		return &scenarios.Runner{}
	}
	return r
}
