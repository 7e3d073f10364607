// Package labrt is what a course-style kvsrv1 folder runs on inside the
// program that kvsim lab generates for it: the shims at the course's import
// paths alias its types, and the rewritten student code calls it.
//
// The program is a worker only (Main, package worker): kvsim lab parses
// the command line, runs campaigns and shrinks and reports failures, and
// starts the program, as many times as it runs worlds at once
// (campaign.Workers), to make the runs it asks for. labrt imports neither
// the command line nor the campaigns.
//
// Student code calls package-level functions (time.Sleep, kvtest.RandValue)
// and uses go statements, channels, select and sync without a world in
// hand; the rewriter (package lab) maps them onto this package's functions
// of the same meaning and onto package sim's runtime, on the world of the
// run in progress, which labrt keeps in package-level state. That is sound
// only while one world runs in the process at a time: a Runner makes every
// run of a worker, a search's included, one at a time, each starting the
// student's package state afresh. The student's server runs on a machine
// (kvsim.Impl.ServerBlocks), each request a goroutine, as a real RPC server
// runs it. A run gives the same trace hash in a worker as in this process;
// BenchmarkRun measures what a worker costs.
package labrt
