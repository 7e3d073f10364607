// Package tester is kvsim lab's stand-in for the course's 6.5840/tester1:
// the types a kvsrv1 folder names, in the 2025 and the 2026 skeletons.
// Clnt sends over kvsim's simulated network; the rest are what
// StartKVServer takes, built as the course's tester builds them for a
// single kvsrv1 server.
package tester

import "github.com/kvsim/kvsim/lab/labrt"

// Clnt is a client's end of the network: Call(server, method, args, reply).
type Clnt = labrt.Clnt

// Tgid identifies a group of servers.
type Tgid int

// TesterClnt is the 2026 skeleton's handle on the tester, which a kvsrv1
// server ignores.
type TesterClnt struct{}

// Persister would hold a server's durable state; kvsrv1 keeps none.
type Persister struct{}

// MakePersister returns an empty Persister.
func MakePersister() *Persister { return &Persister{} }

// IService is a service a tester can stop (the 2025 skeleton's
// StartKVServer returns them).
type IService interface{ Kill() }

// Randstring is n random characters, drawn from the run's seed (the
// course's are random base64, used for ids).
func Randstring(n int) string { return labrt.RandValue(n) }
