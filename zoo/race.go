package zoo

import (
	"sync"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kv/rpc"
)

// RacePrefix starts the names of the bugs that need real concurrency to
// show: the simulator runs one handler at a time, so they pass there, and
// only stress mode (kvsim stress, package stress) finds them.
const RacePrefix = Prefix + "race-"

// Races returns the concurrency bugs, by name. Each is the reference server
// with one mistake in its locking, marked "BUG:".
func Races() []kvsim.Impl {
	return []kvsim.Impl{
		{
			Name: RacePrefix + "server-check-then-act",
			Doc: "Put checks the version under the mutex, unlocks, and locks again to write (\"hold the lock as briefly as possible\"): " +
				"two Puts at the same version can both pass the check and both reply OK. The simulator runs each handler whole, so it never sees this. " +
				"kvsim stress catches it through linearizability (or the lock's mutual exclusion, or the counter) when two Puts meet in that gap, " +
				"which takes a lucky schedule: most runs under -race find it (the detector slows the handlers, widening the gap), and without -race a longer run (--duration 10s) does.",
			NewServer: func() rpc.Server { return &raceCheckThenAct{newRaceStore()} },
		},
		{
			Name: RacePrefix + "server-copies-after-unlock",
			Doc: "Entries are pointers updated in place by Put; Get finds the entry under the mutex but reads its value and version after unlocking " +
				"(\"the lookup is what needs the lock\"), racing with a Put that rewrites them, so it may reply a new value with an old version. " +
				"Caught by the race detector under kvsim stress built with -race.",
			NewServer: func() rpc.Server { return &raceCopiesAfterUnlock{data: make(map[string]*raceEntry)} },
		},
		{
			Name: RacePrefix + "server-get-unlocked",
			Doc: "Get reads the map without taking the mutex (\"a read changes nothing\"), while Put writes it under the mutex: a data race on the map, " +
				"which can also crash the program with \"concurrent map read and map write\". Caught by the race detector under kvsim stress built with -race.",
			NewServer: func() rpc.Server { return &raceGetUnlocked{newRaceStore()} },
		},
		{
			Name: RacePrefix + "server-unlocked-stats",
			Doc: "The server counts the requests it serves for its metrics, outside the mutex (\"it is only statistics\"): a data race on the counter, " +
				"while the stored data stays right, so no history check can see it. Caught by the race detector under kvsim stress built with -race.",
			NewServer: func() rpc.Server { return &raceUnlockedStats{raceStore: newRaceStore()} },
		},
	}
}

// raceEntry is a stored value with its version (1 or more).
type raceEntry struct {
	value   string
	version rpc.Tversion
}

// raceStore is the reference server's state, with its Get and Put done
// right; the buggy servers embed it and replace one handler.
type raceStore struct {
	mu   sync.Mutex
	data map[string]raceEntry
}

func newRaceStore() raceStore { return raceStore{data: make(map[string]raceEntry)} }

func (s *raceStore) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.get(args, reply)
}

// get is Get's work; the caller holds s.mu.
func (s *raceStore) get(args *rpc.GetArgs, reply *rpc.GetReply) {
	e, ok := s.data[args.Key]
	if !ok {
		reply.Err = rpc.ErrNoKey
		return
	}
	*reply = rpc.GetReply{Value: e.value, Version: e.version, Err: rpc.OK}
}

func (s *raceStore) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.data[args.Key]
	err, store := putDecision(e, ok, args)
	if store {
		s.data[args.Key] = raceEntry{value: args.Value, version: args.Version + 1}
	}
	reply.Err = err
}

// putDecision is the reference's decision on a Put: what to reply, and
// whether to store.
func putDecision(e raceEntry, exists bool, args *rpc.PutArgs) (rpc.Err, bool) {
	switch {
	case exists && e.version != args.Version:
		return rpc.ErrVersion, false
	case !exists && args.Version != 0:
		return rpc.ErrNoKey, false
	}
	return rpc.OK, true
}

type raceCheckThenAct struct{ raceStore }

func (s *raceCheckThenAct) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.mu.Lock()
	e, ok := s.data[args.Key]
	err, store := putDecision(e, ok, args)
	s.mu.Unlock() // BUG: another Put may pass the same check before this one writes
	if store {
		s.mu.Lock()
		s.data[args.Key] = raceEntry{value: args.Value, version: args.Version + 1}
		s.mu.Unlock()
	}
	reply.Err = err
}

type raceGetUnlocked struct{ raceStore }

func (s *raceGetUnlocked) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	s.get(args, reply) // BUG: reads the map without s.mu
}

type raceUnlockedStats struct {
	raceStore
	requests int
}

func (s *raceUnlockedStats) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	s.requests++ // BUG: written by every handler without s.mu
	s.raceStore.Get(args, reply)
}

func (s *raceUnlockedStats) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.requests++ // BUG: as in Get
	s.raceStore.Put(args, reply)
}

// raceCopiesAfterUnlock keeps pointers to entries, which Put updates in
// place.
type raceCopiesAfterUnlock struct {
	mu   sync.Mutex
	data map[string]*raceEntry
}

func (s *raceCopiesAfterUnlock) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	s.mu.Lock()
	e, ok := s.data[args.Key]
	s.mu.Unlock()
	if !ok {
		reply.Err = rpc.ErrNoKey
		return
	}
	// BUG: *e is read after unlocking, while a Put may be rewriting it.
	*reply = rpc.GetReply{Value: e.value, Version: e.version, Err: rpc.OK}
}

func (s *raceCopiesAfterUnlock) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.data[args.Key]
	var cur raceEntry
	if ok {
		cur = *e
	}
	err, store := putDecision(cur, ok, args)
	switch {
	case store && ok:
		e.value, e.version = args.Value, args.Version+1
	case store:
		s.data[args.Key] = &raceEntry{value: args.Value, version: 1}
	}
	reply.Err = err
}
