// Package rpc is kvsim lab's stand-in for the course's 6.5840/kvsrv1/rpc:
// the same names, as aliases of kvsim's wire types, so a student's server
// and clerk speak kvsim's RPCs unchanged. The wire structs are in wire.go,
// which a folder that adds fields to them replaces with its own.
package rpc

import "github.com/kvsim/kvsim/kv/rpc"

type (
	Err      = rpc.Err
	Tversion = rpc.Tversion
)

const (
	OK             = rpc.OK
	ErrNoKey       = rpc.ErrNoKey
	ErrVersion     = rpc.ErrVersion
	ErrMaybe       = rpc.ErrMaybe
	ErrWrongLeader = rpc.ErrWrongLeader
	ErrWrongGroup  = rpc.ErrWrongGroup
)
