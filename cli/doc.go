// Package cli is the kvsim command line: single runs, replays, campaigns
// over many seeds, the bug zoo, and the same service over real TCP. It is a
// package rather than a main so that a generated program (the lab's build of
// a student's folder) can run the very same commands with one more
// implementation registered.
package cli
