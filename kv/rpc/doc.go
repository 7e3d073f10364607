// Package rpc holds the wire types of the versioned key/value service and the
// small interfaces at the seams between its parts.
//
// The types mirror the lab's kvsrv1/rpc package so that a student's server,
// clerk or lock ports with an import change. The interfaces are what the
// clerk and lock need from their environment (a Caller and a Sleeper) and
// what a scenario needs from an implementation (a Server, a Clerk, a Locker).
// Nothing here knows whether the network underneath is simulated or real.
package rpc
