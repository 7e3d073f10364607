// Package kv is the versioned key/value server: the system under test.
//
// Its one job is the server's semantics. Get returns a key's value and
// version; Put stores a value only if the caller names the key's current
// version (version 0 creates an absent key), and bumps the version. That
// conditional Put is all a clerk needs for at-most-once writes, so the server
// keeps no per-client state and its memory is proportional to the data.
//
// A Server is plain code: the simulator calls its methods directly and
// package kv/netrpc serves it over TCP.
package kv
