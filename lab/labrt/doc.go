// Package labrt is what a course-style kvsrv1 folder runs on inside the
// program that kvsim lab generates for it: the shims at the course's import
// paths alias its types, and the rewritten student code calls its Sleep.
//
// The program is a worker only (Main, package worker): kvsim lab parses
// the command line, runs campaigns and shrinks and reports failures, and
// starts the program, as many times as it runs worlds at once
// (campaign.Workers), to make the runs it asks for. labrt imports neither
// the command line nor the campaigns.
//
// Student code calls package-level functions (time.Sleep, kvtest.RandValue)
// that must find the simulated process and the run they belong to. labrt
// keeps both in package-level state, which is sound only while one world
// runs in the process at a time: a Runner makes every run of a worker, a
// search's included, one at a time, each starting the student's package
// state afresh. Every place student code resumes (a clerk, lock or server
// entry point, the return of a Call or a Sleep) passes through a wrapper
// here that records which simulated process is running. A run gives the
// same trace hash in a worker as in this process; BenchmarkRun measures
// what a worker costs.
package labrt
