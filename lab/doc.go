// Package lab runs kvsim on a folder laid out like the course's kvsrv1,
// unchanged: server.go and client.go in package kvsrv, and optionally
// lock/lock.go in package lock, importing the course's 6.5840/kvsrv1/rpc,
// 6.5840/kvtest1, 6.5840/tester1 and 6.5840/labrpc; or like its raft1
// (raft.go's Make under the Raft scenarios of package raft/scenario), or
// like its kvraft1 with the raft1 beside it (kind.go: each server started
// with StartKVServer as a machine of a cluster, under every kvsrv1
// scenario and the cluster ones), or like its kvraft1/rsm alone (kvsim's
// own server on it, labrt.RSMServer, and the reference's clerk).
//
// Check reads the folder with go/ast and rejects what the simulator cannot
// run deterministically yet (goroutines, channels, timers, modules outside
// the standard library), naming the construct and its file:line. Build then
// writes a temporary module named 6.5840: kvsim's shims at the course's
// import paths (embedded from shim/), a copy of the student's files
// rewritten onto labrt (virtual time, log.Fatal and os.Exit as reported
// failures, seeded stand-ins for math/rand, crypto/rand and uuid, package
// state reset per world; see rewrite.go), and a main that builds the server
// with StartKVServer as the course's tester does and hands the student's
// constructors to labrt.Main. It builds
// that module against this kvsim source with go build and caches the
// program under a hash of everything that went into it, so a second run
// starts at once.
//
// The program is a worker only (package worker): kvsim lab parses the
// command line, runs campaigns and shrinks and reports failures, and the
// program makes the runs it asks for with the student's code as the
// implementation lab/<folder> (campaign.Workers starts it); package labrt
// explains how it keeps package-level calls in student code
// deterministic.
//
// Choices, and why:
//   - The shims are real packages of this module (shim/...), copied to the
//     course's paths: go vet and the compiler check them here, and they are
//     thin aliases of kv/rpc and labrt, so the student's types are kvsim's;
//     except the wire structs of a folder whose rpc.go adds fields to them
//     (a client id, a sequence number): those are the folder's own, its
//     server registers handlers of its own types (labrt.OwnWire), and kvsim
//     reads the course's fields by name.
//   - Refusing is better than guessing: a goroutine or a timer in a clerk
//     cannot be simulated faithfully yet, and a run that half-works would
//     give a verdict nobody can trust. Everything else a student folder
//     commonly holds runs: worlds run one after another in a process, so
//     package-level variables and init functions are re-run at the start of
//     each, as a fresh process would start.
//   - The rewrite edits text in place and adds a //line directive, so every
//     compile error, panic and stack names the student's file and line.
//     kvtest.RandValue needs no rewrite: its shim draws from the run.
//   - Stand-ins are swapped in by import path, so the student's code keeps
//     its names (rand.Intn, uuid.NewString) and the package clause is the
//     real package's.
//   - The cache key hashes kvsim's non-test sources and the go toolchain's
//     version as well as the folder: a program built from older kvsim code
//     is never reused. Builds go to a fresh directory renamed into place,
//     so concurrent runs of the same folder cannot see half a build.
//   - kvsim finds its source through the path this file was compiled from
//     (go run and go install keep it), else $KVSIM_SRC or --kvsim-src.
package lab
