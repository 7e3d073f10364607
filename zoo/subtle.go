package zoo

import (
	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/clerk"
	"github.com/kvsim/kvsim/kv/rpc"
)

// Subtle bugs: each needs a workload shape, a schedule or a wire detail
// that the first scenarios never produced: repeated or empty values, long
// critical sections, re-acquisition, replies decoded into a reused struct.

func subtle() []kvsim.Impl {
	return []kvsim.Impl{
		{
			Name: Prefix + "server-same-value-noop",
			Doc: "Put of the value already stored returns OK without writing, to save a write: the version does not move, so a reader sees " +
				"fewer versions than OK Puts made. Needs repeated values (kv-swarm's small alphabets); linearizability catches it.",
			NewServer: func() rpc.Server { return &serverSameValueNoop{zooStore: newZooStore()} },
		},
		{
			Name: Prefix + "server-empty-value-deletes",
			Doc: "Put of the empty value deletes the key (\"empty means delete\"), so a Get after it says ErrNoKey and the next create succeeds again. " +
				"Caught where a workload writes \"\": the lock's release and kv-swarm's alphabets; linearizability and the lock checks catch it.",
			NewServer: func() rpc.Server { return &serverEmptyDeletes{zooStore: newZooStore()} },
		},
		{
			Name: Prefix + "server-create-idempotent",
			Doc: "Put at version 0 of a key that already holds that very value returns OK, taken for a retransmitted create: but another client " +
				"may have created it with the same value. Needs repeated values; linearizability catches two OK creates.",
			NewServer: func() rpc.Server { return &serverCreateIdempotent{zooStore: newZooStore()} },
		},
		{
			Name: Prefix + "clerk-reuses-reply",
			Doc: "Get reuses one reply struct for every call. Over net/rpc (gob), fields that are zero in a reply are not sent and keep the " +
				"previous call's values, so ErrNoKey comes back with an old value and version, and an empty value with an old one. " +
				"Caught only because the simulator decodes replies as the wire does: the clerk's contract (ErrNoKey carries no value) and linearizability.",
			NewClerk: func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk {
				return &clerkReusesReply{zooClerk: newZooClerk(c, s, server)}
			},
		},
		{
			Name: Prefix + "clerk-stale-get-on-timeout",
			Doc: "Get answers from the clerk's cache of the last value it saw when the server does not reply in time, to stay available: " +
				"a stale read once another client has written. Needs a Get that times out after a write; linearizability catches it.",
			NewClerk: func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk {
				return &clerkStaleGet{zooClerk: newZooClerk(c, s, server), seen: map[string]rpc.GetReply{}}
			},
		},
		{
			Name: Prefix + "clerk-verifies-by-value",
			Doc: "After a Put gets no reply, the clerk reads the key and returns OK if it holds the value it wrote: but another client may " +
				"have written the same value. The clerk's contract catches its OK that no reply said (Put must retry until a reply comes), " +
				"and linearizability when another client wrote the same value (repeated values).",
			NewClerk: func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk {
				return &clerkVerifiesByValue{newZooClerk(c, s, server)}
			},
		},
		{
			Name: Prefix + "lock-steals-from-slow-holder",
			Doc: "Acquire takes the lock over from a holder that has not changed it for 30 polls, taking it for dead: a holder that is merely slow " +
				"(a long critical section) loses the lock while inside. Needs long holds (lock-swarm); mutual exclusion catches it.",
			NewLock: func(ck rpc.Clerk, s rpc.Sleeper, key, owner string) rpc.Locker {
				return &lockStealsFromSlow{newZooLock(ck, s, key, owner)}
			},
		},
		{
			Name: Prefix + "lock-stale-held-flag",
			Doc: "The lock remembers that it holds itself and clears the flag only when Release's Put returns OK; after an ErrMaybe release " +
				"(which may have freed the lock) the next Acquire returns at once. Needs re-acquisition and a lost reply on release; mutual exclusion catches it.",
			NewLock: func(ck rpc.Clerk, s rpc.Sleeper, key, owner string) rpc.Locker {
				return &lockStaleHeldFlag{zooLock: newZooLock(ck, s, key, owner)}
			},
		},
	}
}

type serverSameValueNoop struct{ zooStore }

func (s *serverSameValueNoop) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.data[args.Key]
	switch {
	case !ok && args.Version != 0:
		reply.Err = rpc.ErrNoKey
	case ok && e.version != args.Version:
		reply.Err = rpc.ErrVersion
	case ok && e.value == args.Value:
		// BUG: "nothing to write" is not "nothing to do": an OK Put at
		// version n must leave the key at n+1, whatever the value.
		reply.Err = rpc.OK
	default:
		s.data[args.Key] = zooEntry{value: args.Value, version: args.Version + 1}
		reply.Err = rpc.OK
	}
}

type serverEmptyDeletes struct{ zooStore }

func (s *serverEmptyDeletes) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.data[args.Key]
	switch {
	case !ok && args.Version != 0:
		reply.Err = rpc.ErrNoKey
	case ok && e.version != args.Version:
		reply.Err = rpc.ErrVersion
	case args.Value == "":
		// BUG: the empty string is a value like any other; deleting the
		// key loses its version, so the next create at version 0 wins.
		delete(s.data, args.Key)
		reply.Err = rpc.OK
	default:
		s.data[args.Key] = zooEntry{value: args.Value, version: args.Version + 1}
		reply.Err = rpc.OK
	}
}

type serverCreateIdempotent struct{ zooStore }

func (s *serverCreateIdempotent) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.data[args.Key]
	switch {
	case ok && args.Version == 0 && e.value == args.Value:
		// BUG: a create that finds its own value is taken for a duplicate
		// of itself. The server keeps no per-client state, so it cannot
		// tell; the version says the create lost, and that is ErrVersion.
		reply.Err = rpc.OK
	case !ok && args.Version != 0:
		reply.Err = rpc.ErrNoKey
	case ok && e.version != args.Version:
		reply.Err = rpc.ErrVersion
	default:
		s.data[args.Key] = zooEntry{value: args.Value, version: args.Version + 1}
		reply.Err = rpc.OK
	}
}

type clerkReusesReply struct {
	zooClerk
	reply rpc.GetReply
}

func (ck *clerkReusesReply) Get(key string) (string, rpc.Tversion, rpc.Err) {
	args := rpc.GetArgs{Key: key}
	for {
		// BUG: one reply struct for every call. The wire leaves fields it
		// does not send (zero ones) as they were: a fresh struct per call
		// is the only safe way.
		if ck.caller.Call(ck.server, rpc.MethodGet, &args, &ck.reply) {
			return ck.reply.Value, ck.reply.Version, ck.reply.Err
		}
		ck.sleep.Sleep(clerk.DefaultRetryInterval)
	}
}

type clerkStaleGet struct {
	zooClerk
	seen map[string]rpc.GetReply
}

func (ck *clerkStaleGet) Get(key string) (string, rpc.Tversion, rpc.Err) {
	args := rpc.GetArgs{Key: key}
	for {
		var reply rpc.GetReply
		if ck.caller.Call(ck.server, rpc.MethodGet, &args, &reply) {
			ck.seen[key] = reply
			return reply.Value, reply.Version, reply.Err
		}
		// BUG: serving the cache when the server is slow trades
		// linearizability for availability: others may have written.
		if r, ok := ck.seen[key]; ok {
			return r.Value, r.Version, r.Err
		}
		ck.sleep.Sleep(clerk.DefaultRetryInterval)
	}
}

type clerkVerifiesByValue struct{ zooClerk }

func (ck *clerkVerifiesByValue) Put(key, value string, version rpc.Tversion) rpc.Err {
	args := rpc.PutArgs{Key: key, Value: value, Version: version}
	for first := true; ; first = false {
		var reply rpc.PutReply
		if ck.caller.Call(ck.server, rpc.MethodPut, &args, &reply) {
			if reply.Err == rpc.ErrVersion && !first {
				return rpc.ErrMaybe
			}
			return reply.Err
		}
		// BUG: the value says who wrote last only if values are unique.
		// Another client's Put of the same value looks like ours.
		if v, ver, err := ck.Clerk.Get(key); err == rpc.OK && v == value && ver == version+1 {
			return rpc.OK
		}
		ck.sleep.Sleep(clerk.DefaultRetryInterval)
	}
}

// stealAfter is how many polls of an unchanged lock make the buggy lock
// take the holder for dead.
const stealAfter = 30

type lockStealsFromSlow struct{ zooLock }

func (l *lockStealsFromSlow) Acquire() {
	var last rpc.Tversion
	polls := 0
	for {
		value, version, err := l.ck.Get(l.key)
		if err == rpc.OK && value == l.owner {
			return
		}
		if ok, v := lockFreeAt(value, version, err); ok {
			if l.ck.Put(l.key, l.owner, v) == rpc.OK {
				return
			}
			continue
		}
		if version != last {
			last, polls = version, 0
		}
		if polls++; polls >= stealAfter {
			// BUG: a holder that keeps the lock a long time is not dead;
			// only the holder may release. (A lease would need time the
			// holder checks too.)
			if l.ck.Put(l.key, l.owner, version) == rpc.OK {
				return
			}
		}
		l.wait()
	}
}

type lockStaleHeldFlag struct {
	zooLock
	held bool
}

func (l *lockStaleHeldFlag) Acquire() {
	if l.held {
		return
	}
	l.Lock.Acquire()
	l.held = true
}

func (l *lockStaleHeldFlag) Release() {
	for {
		value, version, err := l.ck.Get(l.key)
		if err != rpc.OK || value != l.owner {
			l.held = false
			return
		}
		switch l.ck.Put(l.key, lockFree, version) {
		case rpc.OK:
			l.held = false
			return
		case rpc.ErrMaybe:
			// BUG: the flag is cleared only on OK. After ErrMaybe the
			// release may have landed, and another owner may hold the
			// lock by now; the flag must follow what the key says.
			return
		}
	}
}
