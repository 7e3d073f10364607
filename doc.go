// Package kvsim is kvsim's vocabulary: the few plain values every front
// door (the command line, campaigns, go test, the course's folder, stress
// mode) and the bug zoo share, and nothing that runs them.
//
//   - An Impl is an implementation under test: its factories, nothing
//     else. Fields left nil are the reference's (Reference).
//   - A Spec is a run's identity, by names: scenario, seed, fault profile,
//     implementation, strategy. Every result, repro line, regression and
//     report carries one.
//   - A Verdict is what a run comes to; a Repro is the lines that get a
//     run back, written by the front door that resolved its names.
//
// Simulating a run (package scenarios), running many (package campaign)
// and judging one (package check) are elsewhere; this package imports
// only the service's wire types and its reference implementation.
package kvsim
