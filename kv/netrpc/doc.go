// Package netrpc carries the key/value service over real TCP, on the
// standard library's net/rpc with its gob encoding, so the server, Clerk
// and lock that run in the simulator also run between processes. It is
// transport only: loadgen drives Clerks over it.
//
// Server serves any rpc.Server under the service name "KVServer", which
// gives the lab's method names (rpc.MethodGet, rpc.MethodPut). Its
// ServerOptions guard it against broken or hostile clients: a limit on the
// size of a gob message, checked as the length arrives and before gob
// reads the body; deadlines for a message to arrive and a reply to be
// written; an idle timeout; a limit on connections; and a bound on the
// requests of one connection in flight.
//
// Caller is an rpc.Caller whose server names are "host:port" addresses and
// whose calls time out, so a Clerk on top of it sees a lost message as a
// false return, exactly as in the simulator. A reply that arrives after
// its call timed out is discarded: only a call still waiting has its reply
// struct written. Sleeper waits in wall-clock time.
package netrpc
