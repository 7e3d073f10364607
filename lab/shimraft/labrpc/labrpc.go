// Package labrpc is kvsim lab's stand-in for the course's 6.5840/labrpc in
// a raft1 folder: a ClientEnd calls a peer over the simulated network
// (harness.End), with the course's labrpc semantics under the fault
// profile in force.
package labrpc

import "github.com/kvsim/kvsim/raft/harness"

// ClientEnd is one end of a link to a peer: Call("Raft.AppendEntries",
// &args, &reply) sends a request and reports whether a reply came.
type ClientEnd = harness.End
