// Package tester is kvsim lab's stand-in for the course's 6.5840/tester1:
// the types a kvsrv1 folder names. Clnt sends over kvsim's simulated
// network; the rest exist only so that StartKVServer compiles (kvsim builds
// the server with MakeKVServer).
package tester

import "github.com/kvsim/kvsim/lab/labrt"

// Clnt is a client's end of the network: Call(server, method, args, reply).
type Clnt = labrt.Clnt

// Tgid identifies a group of servers.
type Tgid int

// Persister would hold a server's durable state; kvsrv1 keeps none.
type Persister struct{}

// IService is a service a tester can stop.
type IService interface{ Kill() }
