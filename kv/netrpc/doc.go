// Package netrpc carries the key/value service over real TCP, on the
// standard library's net/rpc with its gob encoding, so the server, Clerk
// and lock that run in the simulator also run between processes.
//
// Server serves any rpc.Server under the service name "KVServer", which
// gives the lab's method names (rpc.MethodGet, rpc.MethodPut). Caller is an
// rpc.Caller whose server names are "host:port" addresses and whose calls
// time out, so a Clerk on top of it sees a lost message as a false return,
// exactly as in the simulator. Sleeper waits in wall-clock time.
package netrpc
