package models

import (
	"fmt"
	"strings"

	"github.com/kvsim/kvsim/kv/rpc"
)

// Attempt is what the transport reported about one RPC a Clerk sent for an
// operation: whether a reply came back and, if so, what it said. Value and
// Version are a Get reply's.
type Attempt struct {
	Replied bool
	// Unseen says the reply went to a goroutine of the clerk's, which it
	// may have stopped waiting for (a call given up after a timeout): the
	// clerk may or may not know what it said.
	Unseen  bool
	Err     rpc.Err
	Value   string
	Version rpc.Tversion
}

// ReplyAttempt is an attempt as the contracts read it: whether a reply
// came and, if it did, what the *rpc.GetReply or *rpc.PutReply said.
func ReplyAttempt(replied bool, reply any) Attempt {
	a := Attempt{Replied: replied}
	if replied {
		switch r := reply.(type) {
		case *rpc.GetReply:
			a.Err, a.Value, a.Version = r.Err, r.Value, r.Version
		case *rpc.PutReply:
			a.Err = r.Err
		}
	}
	return a
}

// ClerkGetContract judges a Clerk's Get(key) that returned (value, version,
// err) after the given attempts, in the order they were sent. A Get must
// retry until it has a reply, so it never returns ErrMaybe, and it returns
// what some reply said; an absent key has no value and version 0. It
// returns "" or the breach in one line.
func ClerkGetContract(key string, attempts []Attempt, value string, version rpc.Tversion, err rpc.Err) string {
	// Formatted only for a breach: a campaign judges every operation.
	what := func() string { return fmt.Sprintf("Get(%q) returned (%q, %d, %s)", key, value, version, err) }
	switch {
	case err == rpc.ErrMaybe:
		return fmt.Sprintf("Get(%q) returned ErrMaybe; Get must retry until it has a reply", key)
	case err == rpc.ErrNoKey && (value != "" || version != 0):
		return what() + "; an absent key has no value and version 0"
	case !replied(attempts, func(a Attempt) bool {
		return a.Err == err && (err != rpc.OK || a.Value == value && a.Version == version)
	}):
		return what() + ", which no reply said"
	}
	return ""
}

// ClerkPutContract judges a Clerk's Put(key, value, version) that returned
// err after the given attempts, in the order they were sent, against the
// lab's contract. ErrVersion is certain only when the first attempt's reply
// said it, and a retransmission's ErrVersion must be ErrMaybe; ErrMaybe is
// for Puts that were resent (the first attempt got no reply, or one that
// said nothing of the Put's fate: ErrWrongLeader, ErrMaybe); any other
// result is what some reply said. It returns "" or the breach in one line.
// ClerkPutWarning names what the lab allows but a precise Clerk avoids.
func ClerkPutContract(key, value string, version rpc.Tversion, attempts []Attempt, err rpc.Err) string {
	what := func() string { return fmt.Sprintf("Put(%q, %q, %d) returned %s", key, value, version, err) }
	// A replicated service's ErrWrongLeader says nothing of the Put's
	// fate (the server may have started it before it lost its
	// leadership): the attempts it answered are resends' reasons as a
	// lost reply is, and ErrVersion is judged by the first attempt that
	// a server that led answered (whether an ErrVersion after an
	// ErrWrongLeader was certain, linearizability judges). A server's own
	// ErrMaybe (an rsm that gave up on an entry it had started) says so
	// in as many words: after it the Clerk may answer ErrMaybe too.
	var first, decisive Attempt
	if len(attempts) > 0 {
		first = attempts[0]
	}
	for _, a := range attempts {
		if !a.Replied || a.Err != rpc.ErrWrongLeader {
			decisive = a
			break
		}
	}
	switch {
	case err == rpc.ErrMaybe && first.Replied && !first.Unseen && first.Err != rpc.ErrWrongLeader && first.Err != rpc.ErrMaybe:
		return fmt.Sprintf("%s although its first attempt got a reply (%s)", what(), first.Err)
	case err == rpc.ErrVersion && !decisive.Replied:
		return what() + " after a retransmission; it must be ErrMaybe, since an earlier copy may have been applied"
	case err == rpc.ErrVersion && decisive.Err != rpc.ErrVersion:
		return fmt.Sprintf("%s but its first attempt's reply said %s", what(), decisive.Err)
	case err != rpc.ErrMaybe && !replied(attempts, func(a Attempt) bool { return a.Err == err }):
		return what() + ", which no reply said"
	}
	return ""
}

// WarnMaybeImprecise names a Put that returned ErrMaybe although no reply
// said ErrVersion: the lab allows it after a resend, but the Clerk knew
// more (a reply said OK or ErrNoKey, or none came).
const WarnMaybeImprecise = "clerk-maybe-imprecise"

// ClerkPutWarning returns "" or, for a Put within the contract that a
// precise Clerk would have answered better, the warning's text in one
// line; its name is WarnMaybeImprecise.
func ClerkPutWarning(key, value string, version rpc.Tversion, attempts []Attempt, err rpc.Err) string {
	if err != rpc.ErrMaybe || replied(attempts, func(a Attempt) bool { return a.Err == rpc.ErrVersion }) {
		return ""
	}
	var said []string
	for _, a := range attempts {
		if a.Replied {
			said = append(said, string(a.Err))
		}
	}
	why := "no reply came"
	if len(said) > 0 {
		why = "its resends were answered " + strings.Join(said, ", ")
	}
	return fmt.Sprintf("Put(%q, %q, %d) returned ErrMaybe after %d attempts, but %s: allowed by the lab after a resend, less precise than it could be", key, value, version, len(attempts), why)
}

// replied reports whether some attempt got a reply that match accepts.
func replied(attempts []Attempt, match func(Attempt) bool) bool {
	for _, a := range attempts {
		if a.Replied && match(a) {
			return true
		}
	}
	return false
}
