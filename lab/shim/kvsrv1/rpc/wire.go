package rpc

import "github.com/kvsim/kvsim/kv/rpc"

type (
	PutArgs  = rpc.PutArgs
	PutReply = rpc.PutReply
	GetArgs  = rpc.GetArgs
	GetReply = rpc.GetReply
)
