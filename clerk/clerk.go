package clerk

import (
	"time"

	"github.com/kvsim/kvsim/kv/rpc"
)

// DefaultRetryInterval is the pause between attempts when
// Options.RetryInterval is zero.
const DefaultRetryInterval = 100 * time.Millisecond

// Options tunes a Clerk. The zero value is ready to use.
type Options struct {
	// RetryInterval is the pause after an attempt that got no reply.
	// Zero means DefaultRetryInterval.
	RetryInterval time.Duration
}

// Clerk talks to one server. It keeps no state between operations, so one
// Clerk may serve concurrent callers if its Caller and Sleeper allow it.
type Clerk struct {
	caller rpc.Caller
	sleep  rpc.Sleeper
	server string
	retry  time.Duration
}

var _ rpc.Clerk = (*Clerk)(nil)

// New returns a Clerk that sends to server through c and pauses between
// attempts through s.
func New(c rpc.Caller, s rpc.Sleeper, server string, opts Options) *Clerk {
	if opts.RetryInterval == 0 {
		opts.RetryInterval = DefaultRetryInterval
	}
	return &Clerk{caller: c, sleep: s, server: server, retry: opts.RetryInterval}
}

// Get returns the key's value and version with OK, or ErrNoKey. It retries
// until a reply arrives, so it never returns ErrMaybe: a Get changes nothing,
// and any reply is as good as the first.
func (ck *Clerk) Get(key string) (string, rpc.Tversion, rpc.Err) {
	// The arguments and the first attempt's reply in one allocation.
	call := &struct {
		args  rpc.GetArgs
		reply rpc.GetReply
	}{args: rpc.GetArgs{Key: key}}
	for reply := &call.reply; ; reply = new(rpc.GetReply) {
		// A fresh reply each attempt: a late reply must not land in a
		// struct another attempt reads.
		if ck.caller.Call(ck.server, rpc.MethodGet, &call.args, reply) {
			return reply.Value, reply.Version, reply.Err
		}
		ck.sleep.Sleep(ck.retry)
	}
}

// Put writes value if the key is at version (0: the key must not exist). It
// retries until a reply arrives and returns the server's reply, except that
// ErrVersion in reply to a retransmission becomes ErrMaybe: an earlier copy
// may have been applied.
func (ck *Clerk) Put(key, value string, version rpc.Tversion) rpc.Err {
	call := &struct {
		args  rpc.PutArgs
		reply rpc.PutReply
	}{args: rpc.PutArgs{Key: key, Value: value, Version: version}}
	for reply := &call.reply; ; reply = new(rpc.PutReply) {
		if ck.caller.Call(ck.server, rpc.MethodPut, &call.args, reply) {
			if retransmitted := reply != &call.reply; reply.Err == rpc.ErrVersion && retransmitted {
				return rpc.ErrMaybe
			}
			return reply.Err
		}
		ck.sleep.Sleep(ck.retry)
	}
}
