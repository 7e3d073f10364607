package kv

import (
	"sync"

	"github.com/kvsim/kvsim/kv/rpc"
)

// entry is a stored value with its version (1 or more: absent keys have no
// entry rather than a version-0 entry).
type entry struct {
	value   string
	version rpc.Tversion
}

// Server is the versioned key/value server. It is safe for concurrent use.
type Server struct {
	mu   sync.Mutex
	data map[string]entry
}

var _ rpc.Server = (*Server)(nil)

// NewServer returns an empty server.
func NewServer() *Server {
	return &Server{data: make(map[string]entry)}
}

// Get replies with the key's value, version and OK, or ErrNoKey if the key
// was never created.
func (s *Server) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.data[args.Key]
	if !ok {
		*reply = rpc.GetReply{Err: rpc.ErrNoKey}
		return
	}
	*reply = rpc.GetReply{Value: e.value, Version: e.version, Err: rpc.OK}
}

// Put stores the value if args.Version is the key's current version, which
// is 0 for an absent key, and then increments the version. Otherwise it
// changes nothing and replies ErrVersion (the key exists) or ErrNoKey (it
// does not).
func (s *Server) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.data[args.Key]
	switch {
	case ok && e.version != args.Version:
		reply.Err = rpc.ErrVersion
	case !ok && args.Version != 0:
		reply.Err = rpc.ErrNoKey
	default:
		s.data[args.Key] = entry{value: args.Value, version: args.Version + 1}
		reply.Err = rpc.OK
	}
}
