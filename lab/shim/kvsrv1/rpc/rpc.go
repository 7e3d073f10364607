// Package rpc is kvsim lab's stand-in for the course's 6.5840/kvsrv1/rpc:
// the same names, as aliases of kvsim's wire types, so a student's server
// and clerk speak kvsim's RPCs unchanged.
package rpc

import "github.com/kvsim/kvsim/kv/rpc"

type (
	Err      = rpc.Err
	Tversion = rpc.Tversion
	PutArgs  = rpc.PutArgs
	PutReply = rpc.PutReply
	GetArgs  = rpc.GetArgs
	GetReply = rpc.GetReply
)

const (
	OK             = rpc.OK
	ErrNoKey       = rpc.ErrNoKey
	ErrVersion     = rpc.ErrVersion
	ErrMaybe       = rpc.ErrMaybe
	ErrWrongLeader = rpc.ErrWrongLeader
	ErrWrongGroup  = rpc.ErrWrongGroup
)
