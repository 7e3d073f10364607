package lock

import (
	"time"

	"github.com/kvsim/kvsim/kv/rpc"
)

// free is the lock key's value when nobody holds the lock.
const free = ""

// DefaultPoll is the pause between reads of a held lock when
// Options.Sleeper is set and Options.Poll is zero.
const DefaultPoll = 10 * time.Millisecond

// Options tunes how a Lock waits for another owner.
type Options struct {
	// Sleeper, if set, pauses Poll between reads of a lock another owner
	// holds. Without one the Lock polls back to back, which is sound because
	// every poll is a Get, an RPC that takes network time and, in the
	// simulator, lets every other process run. A Sleeper trades handover
	// latency for fewer messages, which shortens simulator traces and spares
	// a real server.
	Sleeper rpc.Sleeper
	// Poll is the pause; zero means DefaultPoll.
	Poll time.Duration
}

// Lock is one owner's handle on a lock key. It is not safe for concurrent
// use: it is one client.
type Lock struct {
	ck    rpc.Clerk
	key   string
	owner string
	sleep rpc.Sleeper
	poll  time.Duration
}

var _ rpc.Locker = (*Lock)(nil)

// New returns the lock at lockKey as seen by ownerID, which waits by polling
// back to back (see Options). It panics if ownerID is empty, the value that
// means free.
func New(ck rpc.Clerk, lockKey, ownerID string) *Lock {
	return NewWithOptions(ck, lockKey, ownerID, Options{})
}

// NewWithOptions is New with a choice of how to wait.
func NewWithOptions(ck rpc.Clerk, lockKey, ownerID string, opts Options) *Lock {
	if ownerID == free {
		panic("lock: empty owner id")
	}
	if opts.Poll == 0 {
		opts.Poll = DefaultPoll
	}
	return &Lock{ck: ck, key: lockKey, owner: ownerID, sleep: opts.Sleeper, poll: opts.Poll}
}

// Acquire returns once this owner holds the lock.
func (l *Lock) Acquire() {
	for {
		value, version, err := l.ck.Get(l.key)
		switch {
		case err == rpc.OK && value == l.owner:
			// Ours, perhaps through a Put that came back ErrMaybe.
			return
		case err == rpc.ErrNoKey || (err == rpc.OK && value == free):
			if err == rpc.ErrNoKey {
				version = 0 // Creates the key.
			}
			if l.ck.Put(l.key, l.owner, version) == rpc.OK {
				return
			}
			// ErrVersion: someone else changed the key first. ErrMaybe: ours
			// may have been applied. The next Get tells which.
		default:
			l.wait()
		}
	}
}

// Release frees the lock if this owner holds it, and otherwise changes
// nothing: a non-owner must never free someone else's lock.
func (l *Lock) Release() {
	for {
		value, version, err := l.ck.Get(l.key)
		if err != rpc.OK || value != l.owner {
			return
		}
		if l.ck.Put(l.key, free, version) == rpc.OK {
			return
		}
		// ErrMaybe: the release may have been applied. Re-read: if the key
		// still names this owner, it was not, and we try again.
	}
}

func (l *Lock) wait() {
	if l.sleep != nil {
		l.sleep.Sleep(l.poll)
	}
}
