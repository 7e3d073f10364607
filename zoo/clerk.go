package zoo

import (
	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/clerk"
	"github.com/kvsim/kvsim/kv/rpc"
)

// Buggy clerks. Each embeds the reference clerk (package clerk) and
// overrides one method with a copy of the reference's that has one change.

func clerks() []kvsim.Impl {
	return []kvsim.Impl{
		{
			Name: Prefix + "clerk-errversion-after-retry",
			Doc: "Put returns ErrVersion even when a retransmission got it, though an earlier copy may have been applied: " +
				"the caller is told a Put failed that may have taken effect. The clerk's contract check catches it, and linearizability when the earlier copy landed.",
			NewClerk: func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk {
				return &clerkErrVersionAfterRetry{newZooClerk(c, s, server)}
			},
		},
		{
			Name: Prefix + "clerk-ok-on-lost-reply",
			Doc: "Put returns OK when an attempt gets no reply, assuming the request went through; when the request itself was lost, " +
				"nothing was written. The clerk's contract check catches it (an OK no reply said), and linearizability when the request was lost.",
			NewClerk: func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk {
				return &clerkOKOnLostReply{newZooClerk(c, s, server)}
			},
		},
		{
			Name: Prefix + "clerk-gives-up-get",
			Doc: "Get returns ErrNoKey after one attempt without a reply instead of retrying, so an existing key is reported missing. " +
				"The clerk's contract check catches it (an ErrNoKey no reply said), and linearizability.",
			NewClerk: func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk {
				return &clerkGivesUpGet{newZooClerk(c, s, server)}
			},
		},
		{
			Name: Prefix + "clerk-maybe-on-first",
			Doc: "Put turns every ErrVersion into ErrMaybe, even the first attempt's, when the Put certainly did not happen. " +
				"Still linearizable (ErrMaybe allows either outcome), but the clerk's contract check catches it: ErrMaybe only after a retransmission.",
			NewClerk: func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk {
				return &clerkMaybeOnFirst{newZooClerk(c, s, server)}
			},
		},
	}
}

// zooClerk is the reference clerk plus what an overriding method needs to
// talk to the server itself.
type zooClerk struct {
	*clerk.Clerk
	caller rpc.Caller
	sleep  rpc.Sleeper
	server string
}

func newZooClerk(c rpc.Caller, s rpc.Sleeper, server string) zooClerk {
	return zooClerk{Clerk: clerk.New(c, s, server, clerk.Options{}), caller: c, sleep: s, server: server}
}

type clerkErrVersionAfterRetry struct{ zooClerk }

func (ck *clerkErrVersionAfterRetry) Put(key, value string, version rpc.Tversion) rpc.Err {
	args := rpc.PutArgs{Key: key, Value: value, Version: version}
	for {
		var reply rpc.PutReply
		if ck.caller.Call(ck.server, rpc.MethodPut, &args, &reply) {
			// BUG: the server's reply is passed on as it is, whichever
			// attempt got it. ErrVersion to a retransmission may mean an
			// earlier copy was applied and moved the version, so the Put
			// may have happened: that is ErrMaybe, not ErrVersion.
			return reply.Err
		}
		ck.sleep.Sleep(clerk.DefaultRetryInterval)
	}
}

type clerkOKOnLostReply struct{ zooClerk }

func (ck *clerkOKOnLostReply) Put(key, value string, version rpc.Tversion) rpc.Err {
	args := rpc.PutArgs{Key: key, Value: value, Version: version}
	var reply rpc.PutReply
	if !ck.caller.Call(ck.server, rpc.MethodPut, &args, &reply) {
		// BUG: no reply is taken to mean "it went through". Call returns
		// false when the request was lost too, and then nothing was
		// written; the only way to learn the outcome is to retry.
		return rpc.OK
	}
	// Only one attempt is ever made, so this reply (even ErrVersion) is
	// the first attempt's and can be passed on as it is.
	return reply.Err
}

type clerkGivesUpGet struct{ zooClerk }

func (ck *clerkGivesUpGet) Get(key string) (string, rpc.Tversion, rpc.Err) {
	args := rpc.GetArgs{Key: key}
	var reply rpc.GetReply
	if !ck.caller.Call(ck.server, rpc.MethodGet, &args, &reply) {
		// BUG: no reply is not "no key". The key may well exist; a Get
		// changes nothing, so it is always safe to retry until a reply
		// arrives, and the clerk must.
		return "", 0, rpc.ErrNoKey
	}
	return reply.Value, reply.Version, reply.Err
}

type clerkMaybeOnFirst struct{ zooClerk }

func (ck *clerkMaybeOnFirst) Put(key, value string, version rpc.Tversion) rpc.Err {
	args := rpc.PutArgs{Key: key, Value: value, Version: version}
	for {
		var reply rpc.PutReply
		if ck.caller.Call(ck.server, rpc.MethodPut, &args, &reply) {
			// BUG: ErrVersion always becomes ErrMaybe. If this is the
			// first attempt, no earlier copy exists, so the Put certainly
			// did not happen: the caller is owed a definite ErrVersion.
			if reply.Err == rpc.ErrVersion {
				return rpc.ErrMaybe
			}
			return reply.Err
		}
		ck.sleep.Sleep(clerk.DefaultRetryInterval)
	}
}
