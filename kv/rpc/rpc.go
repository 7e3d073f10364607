package rpc

import "time"

// Err is the outcome of an operation.
type Err string

const (
	OK         Err = "OK"
	ErrNoKey   Err = "ErrNoKey"
	ErrVersion Err = "ErrVersion"
	// ErrMaybe is returned by a Clerk only: a retransmitted Put got
	// ErrVersion, so an earlier copy may or may not have been applied.
	ErrMaybe Err = "ErrMaybe"

	// Reserved for replicated services; the single-server SUT never returns them.
	ErrWrongLeader Err = "ErrWrongLeader"
	ErrWrongGroup  Err = "ErrWrongGroup"
)

// Tversion is a key's version. A key that does not exist has version 0.
type Tversion uint64

type PutArgs struct {
	Key     string
	Value   string
	Version Tversion
}

type PutReply struct {
	Err Err
}

type GetArgs struct {
	Key string
}

type GetReply struct {
	Value   string
	Version Tversion
	Err     Err
}

// Method names used on the wire, as in the lab.
const (
	MethodGet = "KVServer.Get"
	MethodPut = "KVServer.Put"
)

// Caller sends one RPC and waits for its reply. It returns false when no
// reply arrived in time (request or reply lost, server unreachable); the
// request may or may not have been executed. This is the lab's signature.
type Caller interface {
	Call(server, method string, args, reply any) bool
}

// Sleeper pauses the calling client, in whatever time its world keeps.
type Sleeper interface {
	Sleep(d time.Duration)
}

// Server is the handler side of the service: the lab's handler shape.
// Implementations must be safe for concurrent use.
type Server interface {
	Get(args *GetArgs, reply *GetReply)
	Put(args *PutArgs, reply *PutReply)
}

// Clerk is the client side of the service (the lab's IKVClerk).
type Clerk interface {
	Get(key string) (string, Tversion, Err)
	Put(key, value string, version Tversion) Err
}

// Locker is a lock that lives in the key/value service.
type Locker interface {
	Acquire()
	Release()
}
