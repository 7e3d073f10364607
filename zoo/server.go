package zoo

import (
	"github.com/kvsim/kvsim"
	"sync"

	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/rpc"
)

// Buggy servers. Each is the reference server (package kv) with one line of
// Put changed; Get is the reference's.

func servers() []kvsim.Impl {
	return []kvsim.Impl{
		{
			Name: Prefix + "server-ignores-version",
			Doc: "Put stores the value whatever version it is given, and bumps the version: a Put based on a stale read " +
				"returns OK and overwrites newer data. Linearizability catches it (and the lock's mutual exclusion: two owners both win).",
			NewServer: func() rpc.Server { return &serverIgnoresVersion{zooStore: newZooStore()} },
		},
		{
			Name: Prefix + "server-bumps-on-failure",
			Doc: "Put increments the version even when it replies ErrVersion, so a Get sees a new version that no successful Put made. " +
				"Linearizability catches it.",
			NewServer: func() rpc.Server { return &serverBumpsOnFailure{zooStore: newZooStore()} },
		},
		{
			Name: Prefix + "server-creates-any-version",
			Doc: "Put on an absent key creates it whatever the version, instead of replying ErrNoKey unless the version is 0: " +
				"a Put that expects a version the key never had returns OK. Caught where a workload does that: reliable-put's step check, and linearizability.",
			NewServer: func() rpc.Server { return &serverCreatesAnyVersion{zooStore: newZooStore()} },
		},
		{
			Name: Prefix + "server-zero-overwrites",
			Doc: "Put with version 0 overwrites an existing key (\"0 means I don't care\") instead of replying ErrVersion: " +
				"two clients that both found the key absent both succeed. Linearizability and the lock's mutual exclusion catch it.",
			NewServer: func() rpc.Server { return &serverZeroOverwrites{zooStore: newZooStore()} },
		},
		{
			Name: Prefix + "server-per-client-cache",
			Doc: "Put remembers its reply to every distinct (key, value, version) forever, to answer retransmissions as it answered the first copy: " +
				"replies stay right in practice, but memory grows with the number of requests, not the data. The many-clients scenario's server-memory check catches it.",
			NewServer: func() rpc.Server {
				return &serverReplyCache{Server: kv.NewServer(), replies: make(map[rpc.PutArgs]rpc.Err)}
			},
		},
	}
}

// zooEntry is a stored value and its version (1 or more).
type zooEntry struct {
	value   string
	version rpc.Tversion
}

// zooStore is the reference server's state and Get. The buggy servers
// embed it and bring their own Put.
type zooStore struct {
	mu   sync.Mutex
	data map[string]zooEntry
}

// newZooStore returns an empty store, to embed by value before first use.
func newZooStore() zooStore {
	return zooStore{data: make(map[string]zooEntry)}
}

func (s *zooStore) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.data[args.Key]
	if !ok {
		*reply = rpc.GetReply{Err: rpc.ErrNoKey}
		return
	}
	*reply = rpc.GetReply{Value: e.value, Version: e.version, Err: rpc.OK}
}

type serverIgnoresVersion struct{ zooStore }

func (s *serverIgnoresVersion) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.data[args.Key] // version 0 if absent
	// BUG: args.Version is never compared with the key's version, so every
	// Put applies. The version is the client's "I saw version n": without
	// the check, a client that read long ago overwrites newer data, and
	// two lock owners who both saw the lock free both take it.
	s.data[args.Key] = zooEntry{value: args.Value, version: e.version + 1}
	reply.Err = rpc.OK
}

type serverBumpsOnFailure struct{ zooStore }

func (s *serverBumpsOnFailure) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.data[args.Key]
	switch {
	case ok && e.version != args.Version:
		// BUG: the version counts attempts instead of changes. A rejected
		// Put must change nothing; bumping the version here makes readers
		// see a version no successful Put produced, with the old value.
		e.version++
		s.data[args.Key] = e
		reply.Err = rpc.ErrVersion
	case !ok && args.Version != 0:
		reply.Err = rpc.ErrNoKey
	default:
		s.data[args.Key] = zooEntry{value: args.Value, version: args.Version + 1}
		reply.Err = rpc.OK
	}
}

type serverCreatesAnyVersion struct{ zooStore }

func (s *serverCreatesAnyVersion) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.data[args.Key]
	if ok && e.version != args.Version {
		reply.Err = rpc.ErrVersion
		return
	}
	// BUG: an absent key is created whatever args.Version says. An absent
	// key is at version 0, so a Put at version n > 0 expects a state that
	// does not exist and must get ErrNoKey; here it returns OK and creates
	// the key at version n+1.
	s.data[args.Key] = zooEntry{value: args.Value, version: args.Version + 1}
	reply.Err = rpc.OK
}

type serverZeroOverwrites struct{ zooStore }

func (s *serverZeroOverwrites) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.data[args.Key]
	switch {
	case args.Version == 0:
		// BUG: version 0 is read as "any version". It means "the key must
		// not exist yet": that is what makes create-if-absent (and taking a
		// lock that was never used) safe when two clients race.
		s.data[args.Key] = zooEntry{value: args.Value, version: e.version + 1}
		reply.Err = rpc.OK
	case !ok:
		reply.Err = rpc.ErrNoKey
	case e.version != args.Version:
		reply.Err = rpc.ErrVersion
	default:
		s.data[args.Key] = zooEntry{value: args.Value, version: args.Version + 1}
		reply.Err = rpc.OK
	}
}

// serverReplyCache is the reference server behind a table of every Put
// reply it has sent, keyed by the request (the wire carries no client id,
// so the request's own fields stand in for one). Get is the reference's.
type serverReplyCache struct {
	*kv.Server
	mu      sync.Mutex // guards replies, and makes lookup-then-Put atomic
	replies map[rpc.PutArgs]rpc.Err
}

func (s *serverReplyCache) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err, seen := s.replies[*args]; seen {
		reply.Err = err
		return
	}
	s.Server.Put(args, reply)
	// BUG: one entry per distinct request, never forgotten: per-client
	// state by another name, so memory grows with the number of requests
	// rather than with the data. Versions already make a retransmission
	// harmless (it gets ErrVersion, which the clerk reports as ErrMaybe);
	// the table buys nothing. (It can even answer wrongly, e.g. a cached
	// ErrNoKey outliving the key's creation, but only if a client repeats
	// an identical request, so in practice only the memory check sees it.)
	s.replies[*args] = reply.Err
}
