// Package lab runs kvsim on a folder laid out like the course's kvsrv1,
// unchanged: server.go and client.go in package kvsrv, and optionally
// lock/lock.go in package lock, importing the course's 6.5840/kvsrv1/rpc,
// 6.5840/kvtest1, 6.5840/tester1 and 6.5840/labrpc.
//
// Check reads the folder with go/ast and rejects what the simulator cannot
// run deterministically (goroutines, channels, timers, wall-clock time,
// global randomness, package-level variables), naming the construct and its
// file:line. Build then writes a temporary module named 6.5840: kvsim's
// shims at the course's import paths (embedded from shim/), a copy of the
// student's files in which time.Sleep becomes labrt.Sleep (virtual time;
// //line directives keep every position the student's), and a main that
// hands the student's constructors to labrt.Main. It builds that module
// against this kvsim source with go build and caches the program under a
// hash of everything that went into it, so a second run starts at once.
//
// The program is kvsim's own command line with the student's code as one
// more implementation, lab/<folder>; package labrt explains how it keeps
// package-level calls in student code deterministic.
package lab
