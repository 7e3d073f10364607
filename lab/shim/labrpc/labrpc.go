// Package labrpc is kvsim lab's stand-in for the course's 6.5840/labrpc,
// so that StartKVServer's signature compiles. kvsim never calls
// StartKVServer, so a ClientEnd here never sends anything.
package labrpc

// ClientEnd is one end of a server-to-server link.
type ClientEnd struct{}

// Call panics: kvsrv1's server has no peers to call.
func (e *ClientEnd) Call(svcMeth string, args, reply any) bool {
	panic("kvsim lab: labrpc.ClientEnd.Call: a kvsrv1 server has no peers to call")
}
