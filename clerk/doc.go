// Package clerk is the client side of the versioned key/value service: the
// one place that decides how to retry.
//
// A Clerk resends a request until some copy gets a reply, so it is
// at-least-once on the wire. Versions make that safe: the server applies a
// Put only at the version it names, so of all copies at most one takes
// effect. What the Clerk cannot always know is whether that one was applied.
// When a resent Put comes back ErrVersion, an earlier copy may have been
// applied (and bumped the version) with its reply lost, or another client
// may have written first; the Clerk reports this as ErrMaybe. An ErrVersion
// reply to the first copy is certain: nothing of this Put was applied.
//
// The Clerk reaches the network only through an rpc.Caller and waits only
// through an rpc.Sleeper, so the same code runs in the simulator and over
// real TCP.
package clerk
