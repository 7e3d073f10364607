package kvraft

import (
	"time"

	"github.com/kvsim/kvsim/kv/rpc"
)

// RetryEvery is how long the clerk first waits after a call that got no
// reply, or after every server in turn said it does not lead; each such
// wait of one operation doubles, up to MaxRetryWait. A cluster that is
// slow to commit (its goroutines slow to be scheduled, the preempt fault)
// times calls out, and clients that resend at once keep it so: the
// waits let it drain.
const (
	RetryEvery   = 100 * time.Millisecond
	MaxRetryWait = time.Second
)

// Clerk is the client of the replicated service. It remembers which
// server last answered as leader and starts there.
type Clerk struct {
	caller  rpc.Caller
	sleep   rpc.Sleeper
	servers []string
	leader  int

	flaws  Flaw // the clerk's deliberate bugs (Flawed); none in NewClerk's
	failed int  // the EarlyMaybe flaw's count of failed attempts, never reset
}

var _ rpc.Clerk = (*Clerk)(nil)

// NewClerk returns a clerk that calls servers through c and waits
// through s.
func NewClerk(c rpc.Caller, s rpc.Sleeper, servers []string) *Clerk {
	return &Clerk{caller: c, sleep: s, servers: servers}
}

// SameServerTries is how many calls in a row without a reply the clerk
// makes to the server it believes leads before it tries the next: a call
// that times out may only be slow, and the server answers its resend as
// soon as the first copy's entry is applied (rsm.Coalescer).
const SameServerTries = 2

// attempts counts an operation's failed attempts.
type attempts struct {
	failed int           // attempts that failed
	lost   int           // attempts that got no reply
	silent int           // calls in a row to the current server without a reply
	wrong  int           // servers in a row that said they do not lead
	wait   time.Duration // the next wait
}

// pause waits, and doubles the next wait.
func (ck *Clerk) pause(a *attempts) {
	if a.wait == 0 {
		a.wait = RetryEvery
	}
	ck.sleep.Sleep(a.wait)
	a.wait = min(2*a.wait, MaxRetryWait)
}

// next moves on after an attempt that failed, without a reply (replied
// false) or with ErrWrongLeader: to the next server after ErrWrongLeader,
// or after SameServerTries calls without a reply; it waits after those
// and after a whole round of servers that said they do not lead.
func (ck *Clerk) next(a *attempts, replied bool) {
	a.failed++
	ck.failed++
	if !replied {
		a.lost++
	}
	if !replied {
		// The resend goes at once, to find the first copy still waiting
		// for its entry (rsm.Coalescer); the wait comes after it.
		if a.silent++; a.silent < SameServerTries {
			return
		}
		ck.pause(a)
	} else if a.wrong++; a.wrong%len(ck.servers) == 0 {
		ck.pause(a)
	}
	a.silent = 0
	ck.leader = (ck.leader + 1) % len(ck.servers)
}

// Get returns the key's value and version with OK, or ErrNoKey; it
// tries until a leader answers, so it never returns ErrMaybe.
func (ck *Clerk) Get(key string) (string, rpc.Tversion, rpc.Err) {
	args := rpc.GetArgs{Key: key}
	var a attempts
	for {
		var reply rpc.GetReply // fresh each attempt: a late reply must not land in one another attempt reads
		ok := ck.caller.Call(ck.servers[ck.leader], rpc.MethodGet, &args, &reply)
		if ok && reply.Err != rpc.ErrWrongLeader {
			return reply.Value, reply.Version, reply.Err
		}
		ck.next(&a, ok)
	}
}

// Put writes value if the key is at version (0: it must not exist). It
// tries until a leader answers, and returns its answer, except that
// ErrVersion after an earlier attempt that may have been applied (it got
// no reply, or ErrWrongLeader from a server that may have started it)
// becomes ErrMaybe.
func (ck *Clerk) Put(key, value string, version rpc.Tversion) rpc.Err {
	args := rpc.PutArgs{Key: key, Value: value, Version: version}
	var a attempts
	for {
		var reply rpc.PutReply
		ok := ck.caller.Call(ck.servers[ck.leader], rpc.MethodPut, &args, &reply)
		if ok && reply.Err != rpc.ErrWrongLeader {
			if reply.Err == rpc.ErrVersion && ck.mayHaveApplied(&a) {
				return rpc.ErrMaybe
			}
			return reply.Err
		}
		ck.next(&a, ok)
		if ok && ck.flaws&RereadVersion != 0 {
			if _, v, err := ck.Get(key); err == rpc.OK {
				args.Version = v
			}
		}
	}
}

// mayHaveApplied reports whether an earlier attempt of the Put may have
// been applied: it failed (no reply, or ErrWrongLeader from a server
// that may have started it).
func (ck *Clerk) mayHaveApplied(a *attempts) bool {
	switch {
	case ck.flaws&EarlyMaybe != 0:
		return ck.failed > 0
	case ck.flaws&NeverMaybe != 0:
		return false
	case ck.flaws&WrongLeaderNotMaybe != 0:
		return a.lost > 0
	}
	return a.failed > 0
}
