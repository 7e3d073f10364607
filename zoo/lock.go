package zoo

import (
	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/lock"
)

// Buggy locks. Each embeds the reference lock (package lock) and overrides
// Acquire or Release with a copy of the reference's that has one change.

func locks() []kvsim.Impl {
	return []kvsim.Impl{
		{
			Name: Prefix + "lock-ignores-maybe",
			Doc: "Acquire takes ErrMaybe from its Put as success, but ErrMaybe can mean another owner moved the version and ours never landed: " +
				"two owners enter the critical section. The lock's mutual exclusion and exact-counter checks catch it.",
			NewLock: func(ck rpc.Clerk, s rpc.Sleeper, key, owner string) rpc.Locker {
				return &lockIgnoresMaybe{newZooLock(ck, s, key, owner)}
			},
		},
		{
			Name: Prefix + "lock-forgets-own-id",
			Doc: "Acquire, re-reading after an ErrMaybe Put, waits whenever the lock is held, never noticing that the holder is itself: " +
				"when its Put did land it waits for itself forever, and so does everyone else. The liveness check catches it.",
			NewLock: func(ck rpc.Clerk, s rpc.Sleeper, key, owner string) rpc.Locker {
				return &lockForgetsOwnID{newZooLock(ck, s, key, owner)}
			},
		},
		{
			Name: Prefix + "lock-no-reread",
			Doc: "After a failed Put, Acquire retries the Put with the version it read instead of reading the key again: the version has moved on, " +
				"so the Put can never succeed and Acquire spins forever (holding the lock, if its ErrMaybe Put landed). The liveness check catches it.",
			NewLock: func(ck rpc.Clerk, s rpc.Sleeper, key, owner string) rpc.Locker {
				return &lockNoReread{newZooLock(ck, s, key, owner)}
			},
		},
		{
			Name: Prefix + "lock-release-no-owner-check",
			Doc: "Release frees the lock at whatever it reads without checking the holder is still this owner: when a release that came back ErrMaybe " +
				"did land and another client took the lock meanwhile, the retry frees that client's lock. Mutual exclusion and the exact counter catch it.",
			NewLock: func(ck rpc.Clerk, s rpc.Sleeper, key, owner string) rpc.Locker {
				return &lockReleaseNoOwnerCheck{newZooLock(ck, s, key, owner)}
			},
		},
	}
}

// lockFree is the lock key's value when nobody holds the lock.
const lockFree = ""

// zooLock is the reference lock plus what an overriding method needs.
type zooLock struct {
	*lock.Lock
	ck    rpc.Clerk
	sleep rpc.Sleeper
	key   string
	owner string
}

func newZooLock(ck rpc.Clerk, s rpc.Sleeper, key, owner string) zooLock {
	return zooLock{
		Lock: lock.NewWithOptions(ck, key, owner, lock.Options{Sleeper: s}),
		ck:   ck, sleep: s, key: key, owner: owner,
	}
}

// wait pauses between polls of a lock another owner holds.
func (l *zooLock) wait() {
	if l.sleep != nil {
		l.sleep.Sleep(lock.DefaultPoll)
	}
}

// lockFreeAt reports whether a Get's result shows the lock free, and the version
// to Put at to take it.
func lockFreeAt(value string, version rpc.Tversion, err rpc.Err) (bool, rpc.Tversion) {
	switch {
	case err == rpc.ErrNoKey:
		return true, 0 // creates the key
	case err == rpc.OK && value == lockFree:
		return true, version
	}
	return false, 0
}

type lockIgnoresMaybe struct{ zooLock }

func (l *lockIgnoresMaybe) Acquire() {
	for {
		value, version, err := l.ck.Get(l.key)
		if err == rpc.OK && value == l.owner {
			return
		}
		if ok, v := lockFreeAt(value, version, err); ok {
			// BUG: ErrMaybe is taken for OK. ErrMaybe means a retransmitted
			// Put met a moved version: either our earlier copy moved it
			// (we hold the lock) or another owner did (they hold it). Only
			// a fresh Get tells which.
			if err := l.ck.Put(l.key, l.owner, v); err == rpc.OK || err == rpc.ErrMaybe {
				return
			}
			continue
		}
		l.wait()
	}
}

type lockForgetsOwnID struct{ zooLock }

func (l *lockForgetsOwnID) Acquire() {
	for {
		value, version, err := l.ck.Get(l.key)
		// BUG: no check for value == l.owner before treating the lock as
		// held. After an ErrMaybe Put that did land, the key names this
		// owner, and the lock waits for itself forever.
		if ok, v := lockFreeAt(value, version, err); ok {
			if l.ck.Put(l.key, l.owner, v) == rpc.OK {
				return
			}
			continue
		}
		l.wait()
	}
}

type lockNoReread struct{ zooLock }

func (l *lockNoReread) Acquire() {
	for {
		value, version, err := l.ck.Get(l.key)
		if err == rpc.OK && value == l.owner {
			return
		}
		if ok, v := lockFreeAt(value, version, err); ok {
			// BUG: a failed Put is retried with the version read before it.
			// ErrVersion means the version has moved on, so this Put can
			// never succeed again; after an ErrMaybe that landed, this
			// owner even holds the lock while it spins. The loop must go
			// back to the Get.
			for l.ck.Put(l.key, l.owner, v) != rpc.OK {
				l.wait()
			}
			return
		}
		l.wait()
	}
}

type lockReleaseNoOwnerCheck struct{ zooLock }

func (l *lockReleaseNoOwnerCheck) Release() {
	for {
		_, version, err := l.ck.Get(l.key)
		// BUG: the value read is not checked against l.owner. The first
		// read names this owner, so it looks fine; but if a release came
		// back ErrMaybe after landing, another owner may have taken the
		// lock before this re-read, and the Put below frees their lock.
		if err != rpc.OK {
			return
		}
		if l.ck.Put(l.key, lockFree, version) == rpc.OK {
			return
		}
	}
}
