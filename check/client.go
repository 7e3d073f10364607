package check

import (
	"fmt"
	"reflect"
	"strconv"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
)

// Client records one client's operations into a Recording. It is the
// rpc.Caller its implementation's clerk sends through (it notes what each
// attempt got) and the rpc.Clerk its workload and locks call (it records
// each operation with its call and return times). Operations of one Client
// run one at a time; Clients of one Recording may interleave, but only on
// one goroutine at a time (the simulator's processes): goroutines that run
// at once record into Recordings of their own (see Merge).
type Client struct {
	rec    *Recording
	id     int
	name   string
	caller rpc.Caller
	clock  Clock
	dups   interface{ CallDuplicated() bool } // the caller, if it can tell
	unseen unseenCaller                       // the caller, if it can tell
	obs    Observer
	ck     rpc.Clerk
	last   int       // the key/value operation begun last
	cur    []attempt // the attempts of the operation under way
	buf    [4]attempt
}

// attempt is one Call the clerk made, as the transport saw it.
type attempt struct {
	method string
	dup    bool
	models.Attempt
}

// Observer hears of each operation a Client records, as it happens: the
// simulator folds them into its trace.
type Observer interface {
	KVEnded(i int)    // Recording.KV[i] has returned
	LockCalled(i int) // Recording.Locks[i] has been called
	LockEnded(i int)  // Recording.Locks[i] has returned
}

// NewClient is a Client with index id and name recording into rec, whose
// attempts go through caller; obs may be nil. Set its clerk before use.
func NewClient(rec *Recording, id int, name string, caller rpc.Caller, clock Clock, obs Observer) *Client {
	c := &Client{}
	c.Init(rec, id, name, caller, clock, obs)
	return c
}

// Init makes c a new Client as NewClient does, keeping its memory.
func (c *Client) Init(rec *Recording, id int, name string, caller rpc.Caller, clock Clock, obs Observer) {
	cur := c.cur
	if cur == nil {
		cur = c.buf[:0]
	}
	clear(cur[:cap(cur)])
	*c = Client{rec: rec, id: id, name: name, caller: caller, clock: clock, obs: obs, last: -1, cur: cur[:0]}
	c.dups, _ = caller.(interface{ CallDuplicated() bool })
	c.unseen, _ = caller.(unseenCaller)
}

// unseenCaller is a Caller that can tell that the reply to its last Call went
// to a goroutine the clerk started, which the clerk may have stopped
// waiting for (a call given up after a timeout): the checks take such a
// reply as one the clerk may or may not know (models.Attempt.Unseen).
type unseenCaller interface {
	ReplyUnseen() bool
}

// SetClerk sets the implementation's clerk, built over c as its Caller.
func (c *Client) SetClerk(ck rpc.Clerk) { c.ck = ck }

// Call is the Caller of c's clerk: the transport's Call, noted.
func (c *Client) Call(server, method string, args, reply any) bool {
	// The attempt keeps its place in the order of sending, even if a
	// goroutine of the clerk's makes it and later ones return first.
	op, i := c.last, len(c.cur)
	// The attempt is filled in place: built whole on the stack and copied
	// into c.cur, before the call and again after it, it cost 2% of a
	// kv-random seed.
	c.cur = append(c.cur, attempt{})
	c.cur[i].method = method
	ok := c.caller.Call(server, method, args, reply)
	if c.last != op || i >= len(c.cur) {
		return ok // the operation ended without this reply
	}
	got := models.ReplyAttempt(ok, courseReply(reply))
	got.Unseen = ok && c.unseen != nil && c.unseen.ReplyUnseen()
	dup := c.dups != nil && c.dups.CallDuplicated()
	a := &c.cur[i] // c.cur as it is now: the clerk's goroutines may have grown it
	a.Attempt, a.dup = got, dup
	return ok
}

// Get is the clerk's Get, recorded.
func (c *Client) Get(key string) (string, rpc.Tversion, rpc.Err) {
	i := c.begin(models.KVInput{Op: models.OpGet, Key: key})
	v, ver, err := c.ck.Get(key)
	c.end(i, rpc.MethodGet, models.KVOutput{Value: v, Version: ver, Err: err})
	return v, ver, err
}

// Put is the clerk's Put, recorded; the history keeps what it returned.
func (c *Client) Put(key, value string, version rpc.Tversion) rpc.Err {
	i := c.begin(models.KVInput{Op: models.OpPut, Key: key, Value: value, Version: version})
	err := c.ck.Put(key, value, version)
	c.end(i, rpc.MethodPut, models.KVOutput{Err: err})
	return err
}

// PutSeen is Put for workloads that judge the outcome: it returns what the
// result means under the network's delivery guarantee
// (Recording.PutMeans), where the history keeps what the clerk returned.
func (c *Client) PutSeen(key, value string, version rpc.Tversion) rpc.Err {
	return c.rec.putMeans(c.Put(key, value, version))
}

func (c *Client) begin(in models.KVInput) int {
	c.cur = c.cur[:0]
	r := c.rec
	r.KV = append(r.KV, models.KVOp{Client: c.id, Input: in, Output: models.KVOutput{Unknown: true}, Call: int64(c.clock.Now())})
	r.Ops = append(r.Ops, OpInfo{})
	c.last = len(r.KV) - 1
	return c.last
}

// end records the return of operation i, with its attempts of method.
func (c *Client) end(i int, method string, out models.KVOutput) {
	r := c.rec
	op := &r.KV[i]
	op.Output, op.Return = out, int64(c.clock.Now())
	info := OpInfo{from: int32(len(r.attempts))}
	for _, a := range c.cur {
		if a.method == method {
			if len(r.attempts) == int(info.from) {
				info.FirstDup = a.dup
			}
			r.attempts = append(r.attempts, a.Attempt)
		}
	}
	info.to = int32(len(r.attempts))
	r.seq++
	info.end = moment{at: op.Return, seq: r.seq}
	r.Ops[i] = info
	if c.obs != nil {
		c.obs.KVEnded(i)
	}
}

// Lock is a lock recorded for the checks: its operations go to the lock
// history, and the stay between an Acquire's return and the next
// Release's call is a critical section.
type Lock struct {
	c    *Client
	name string
	l    rpc.Locker
	open int // the section it holds, in Recording.sections; -1 if none
}

// Lock records l, the lock this client holds a handle on; name is the
// lock's name in the lock history, "" for a run's only lock. l should be
// built on c as its Clerk, so that its Gets and Puts are recorded too.
func (c *Client) Lock(name string, l rpc.Locker) *Lock {
	return &Lock{c: c, name: name, l: l, open: -1}
}

// Acquire is the lock's Acquire, recorded.
func (l *Lock) Acquire() {
	c := l.c
	i := c.lockCall(models.LockAcquire, l.name)
	l.l.Acquire()
	r := c.rec
	at := c.lockReturn(i)
	l.open = len(r.sections)
	r.sections = append(r.sections, section{client: c.id, lock: l.name, from: at})
	if c.obs != nil {
		c.obs.LockEnded(i)
	}
}

// Release is the lock's Release, recorded.
func (l *Lock) Release() {
	c := l.c
	i := c.lockCall(models.LockRelease, l.name)
	if l.open >= 0 {
		r := c.rec
		r.seq++
		r.sections[l.open].to = moment{at: r.Locks[i].Call, seq: r.seq}
		l.open = -1
	}
	l.l.Release()
	c.lockReturn(i)
	if c.obs != nil {
		c.obs.LockEnded(i)
	}
}

func (c *Client) lockCall(op models.LockOp, name string) int {
	r := c.rec
	r.Locks = append(r.Locks, models.LockOpRecord{Client: c.id, Input: models.LockInput{Op: op, Owner: c.name, Key: name}, Call: int64(c.clock.Now()), Unknown: true})
	i := len(r.Locks) - 1
	if c.obs != nil {
		c.obs.LockCalled(i)
	}
	return i
}

func (c *Client) lockReturn(i int) moment {
	r := c.rec
	op := &r.Locks[i]
	op.Return, op.Unknown = int64(c.clock.Now()), false
	r.seq++
	return moment{at: op.Return, seq: r.seq}
}

// Increment adds one to counter ctr of the recording (AddCounter), which
// only holders of its lock write, and reports whether it did. Inside the
// critical section nobody else writes the counter, so an ErrMaybe Put is
// resolved by reading it back. A Put that fails, or a read that finds the
// counter moved, means someone else wrote it under the lock: the workload
// records the violation and reports false.
func (c *Client) Increment(ctr int) bool {
	key, label := c.rec.Counters[ctr].Key, c.rec.Counters[ctr].label
	v, ver, err := c.Get(key)
	n := 0
	if err == rpc.OK {
		n, _ = strconv.Atoi(v)
	}
	next := strconv.Itoa(n + 1)
	for {
		switch c.PutSeen(key, next, ver) {
		case rpc.OK:
			c.rec.Counters[ctr].Increments++
			return true
		case rpc.ErrMaybe:
			got, gotVer, _ := c.Get(key)
			if gotVer == ver+1 && got == next {
				c.rec.Counters[ctr].Increments++
				return true
			}
			if gotVer != ver {
				c.rec.Violate(c.clock, fmt.Sprintf("%s: %s holds the lock but the counter moved from version %d to %d under it", label, c.name, ver, gotVer))
				return false
			}
		default:
			c.rec.Violate(c.clock, fmt.Sprintf("%s: %s holds the lock but its Put of the counter at version %d failed: someone else wrote it", label, c.name, ver))
			return false
		}
	}
}

// courseReply is reply as one of kvsim's reply types: itself, or the
// course's fields (Value, Version, Err), read by name, of a server's own
// reply type (see scenarios.OwnHandlers). For kvsim's own types no
// reflection runs.
func courseReply(reply any) any {
	switch reply.(type) {
	case *rpc.GetReply, *rpc.PutReply:
		return reply
	}
	v := reflect.ValueOf(reply)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return reply
	}
	v = v.Elem()
	field := func(name string) reflect.Value { return v.FieldByName(name) }
	errOf := func() rpc.Err {
		if f := field("Err"); f.IsValid() && f.Kind() == reflect.String {
			return rpc.Err(f.String())
		}
		return ""
	}
	value, version := field("Value"), field("Version")
	if !value.IsValid() || !version.IsValid() || value.Kind() != reflect.String || !version.CanUint() {
		return &rpc.PutReply{Err: errOf()}
	}
	return &rpc.GetReply{Value: value.String(), Version: rpc.Tversion(version.Uint()), Err: errOf()}
}
