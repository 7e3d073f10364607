package stress

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/check"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/sim/gobwire"
)

// errAbort unwinds a client that is past the run's abort time.
var errAbort = errors.New("stress: run aborted")

// callError is a call the in-process network cannot carry (unknown method,
// wrong argument or reply type): a bug in the clerk, reported as such.
type callError struct{ msg string }

// client is one client goroutine. Everything in it is written only by that
// goroutine (and its late deliveries, see late) and read after it ends: it
// records into a Recording of its own, through a recorder (check.Client)
// whose Caller is the in-process network, so that recording adds no
// synchronization between clients.
type client struct {
	r    *run
	id   int
	name string
	rng  *rand.Rand
	rec  check.Recording
	rc   check.Client

	rpcs, lost int
	failures   []string
	doing      string // the operation under way, for stuckIn
	stuckIn    string // the operation the client was stopped in at abort

	// late counts requests delivered after the caller gave up. lateMu
	// guards lateFailures, their panics, and nothing else, so that it
	// orders no access to the server.
	late         sync.WaitGroup
	lateMu       sync.Mutex
	lateFailures []string
}

// run runs body with the client's clerk, turning a panic into a failure.
func (c *client) run(body func()) {
	defer func() {
		switch p := recover(); {
		case p == nil:
		case p == errAbort:
			c.stuckIn = c.doing
		default:
			if ce, ok := p.(callError); ok {
				c.failures = append(c.failures, fmt.Sprintf("%s: %s", c.name, ce.msg))
				return
			}
			c.failures = append(c.failures, fmt.Sprintf("%s panicked in %s: %v\n%s", c.name, c.doing, p, debug.Stack()))
		}
	}()
	c.doing = "NewClerk"
	c.rc.Init(&c.rec, c.id, c.name, c, c.r, nil)
	c.rc.SetClerk(c.r.opts.Impl.NewClerk(&c.rc, c, kvsim.ServerName))
	body()
}

// Call is the in-process network, under the client's recorder: the
// server's handler, run on this goroutine, on copies of the arguments and
// reply as gob would make them. A lost reply's request was executed; a
// late request is executed after the caller gave up.
func (c *client) Call(server, method string, args, reply any) bool {
	if c.r.aborted() {
		panic(errAbort)
	}
	ex, err := c.r.exchange(method, args, reply)
	if err != nil {
		panic(callError{fmt.Sprintf("call %s to %s: %v", method, server, err)})
	}
	c.rpcs++
	loss := c.r.opts.Loss
	switch x := c.rng.Float64(); {
	case x < loss/3: // the request is lost
		c.lost++
		return false
	case x < 2*loss/3: // the reply is lost
		c.lost++
		ex.exec()
		return false
	case x < loss: // the request arrives after the caller gave up
		c.lost++
		c.deliverLate(ex.exec, time.Duration(c.rng.Int64N(int64(time.Millisecond))))
		return false
	}
	if c.rng.IntN(4) == 0 {
		runtime.Gosched() // let another client's call overtake this one
	}
	ex.exec()
	ex.deliver()
	return true
}

func (c *client) deliverLate(exec func(), after time.Duration) {
	c.late.Go(func() {
		defer func() {
			if p := recover(); p != nil {
				c.lateMu.Lock()
				defer c.lateMu.Unlock()
				c.lateFailures = append(c.lateFailures, fmt.Sprintf("%s: the server panicked on a late request: %v\n%s", c.name, p, debug.Stack()))
			}
		}()
		time.Sleep(after)
		exec()
	})
}

// Sleep is the client's rpc.Sleeper: a real pause, Speedup times shorter,
// cut short at the run's abort.
func (c *client) Sleep(d time.Duration) {
	if c.r.aborted() {
		panic(errAbort)
	}
	time.Sleep(min(d/time.Duration(c.r.opts.Speedup), time.Until(c.r.abort)))
	if c.r.aborted() {
		panic(errAbort)
	}
}

// exchange is one call as the wire carries it: exec runs the handler on
// fresh copies, deliver decodes its reply into the caller's.
type exchange struct{ exec, deliver func() }

func (r *run) exchange(method string, args, reply any) (exchange, error) {
	switch method {
	case rpc.MethodGet:
		return exchangeOf(getWire, r.server.Get, args, reply)
	case rpc.MethodPut:
		return exchangeOf(putWire, r.server.Put, args, reply)
	}
	return exchange{}, fmt.Errorf("unknown method (want %s or %s)", rpc.MethodGet, rpc.MethodPut)
}

// codec is how a method's arguments (A) and replies (R) travel: by gob's
// rule, as over net/rpc and the simulator's network (package gobwire).
type codec[A, R any] struct {
	args  *gobwire.Wire[A]
	reply *gobwire.Wire[R]
}

var (
	getWire = codec[rpc.GetArgs, rpc.GetReply]{gobwire.New[rpc.GetArgs](), gobwire.New[rpc.GetReply]()}
	putWire = codec[rpc.PutArgs, rpc.PutReply]{gobwire.New[rpc.PutArgs](), gobwire.New[rpc.PutReply]()}
)

// exchangeOf is a call of handler: exec decodes the arguments into fresh
// ones and runs the handler on them with a fresh reply; deliver decodes
// that reply into the caller's.
func exchangeOf[A, R any](c codec[A, R], handler func(*A, *R), args, reply any) (exchange, error) {
	src, ok := argsOf[A](args)
	rep, okr := reply.(*R)
	if !ok || !okr || rep == nil {
		return exchange{}, fmt.Errorf("want %T and %T, got %T and %T", (*A)(nil), (*R)(nil), args, reply)
	}
	var got R
	return exchange{
		exec: func() {
			var a A
			if err := c.args.IntoZero(&a, &src); err != nil {
				panic(callError{err.Error()})
			}
			handler(&a, &got)
		},
		deliver: func() {
			if err := c.reply.Into(rep, &got); err != nil {
				panic(callError{err.Error()})
			}
		},
	}, nil
}

// argsOf copies arguments passed by value or by pointer, as gob sends both.
func argsOf[T any](args any) (T, bool) {
	switch a := args.(type) {
	case T:
		return a, true
	case *T:
		if a != nil {
			return *a, true
		}
	}
	var zero T
	return zero, false
}

// done reports whether the client has made its share of operations or the
// run is over.
func (c *client) done() bool {
	return len(c.rec.KV) >= c.r.opts.Ops || c.r.stopped()
}

// putsAndGets is the Get/Put clients' workload on a few hot keys, writing
// values that repeat: a Get alone, a read-modify-write (a Get, then a Put at
// the version read, which races the other clients' to the same version), or
// a Put at the version this client last saw, which may be stale.
func (c *client) putsAndGets() {
	o := c.r.opts
	seen := make(map[string]rpc.Tversion)
	for !c.done() {
		key := "k" + strconv.Itoa(c.rng.IntN(o.Keys))
		kind := c.rng.IntN(3) // 0: Get, 1: read-modify-write, 2: Put
		if kind < 2 {
			c.doing = "Get(" + key + ")"
			if _, ver, err := c.rc.Get(key); err == rpc.OK {
				seen[key] = ver
			}
			if kind == 0 {
				continue
			}
		}
		ver := seen[key]
		c.doing = "Put(" + key + ")"
		if c.rc.Put(key, "v"+strconv.Itoa(c.rng.IntN(o.Values)), ver) == rpc.OK {
			seen[key] = ver + 1
		}
	}
}

// lockUser is the lock users' workload: acquire, increment the counter
// (check.Client.Increment), release.
func (c *client) lockUser() {
	c.doing = "NewLock"
	l := c.rc.Lock("", c.r.opts.Impl.NewLock(&c.rc, c, lockKey, c.name))
	ctr := c.rec.AddCounter("counter", counterKey)
	for !c.done() {
		c.doing = "acquire"
		l.Acquire()
		c.doing = "the critical section"
		ok := c.rc.Increment(ctr)
		c.doing = "release"
		l.Release()
		if !ok {
			return
		}
	}
}
