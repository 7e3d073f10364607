package check

import (
	"slices"
	"testing"
	"time"

	"github.com/kvsim/kvsim/clerk"
	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
)

// lossy calls a server directly, losing the replies it is told to and
// moving its clock on by one at each call.
type lossy struct {
	srv   rpc.Server
	clk   *clock
	lose  []bool // the next calls' replies lost, in order
	dup   bool   // says every call was duplicated
	calls int
}

func (n *lossy) Call(_, method string, args, reply any) bool {
	n.clk.t++
	n.calls++
	switch method {
	case rpc.MethodGet:
		n.srv.Get(args.(*rpc.GetArgs), reply.(*rpc.GetReply))
	case rpc.MethodPut:
		n.srv.Put(args.(*rpc.PutArgs), reply.(*rpc.PutReply))
	}
	if len(n.lose) > 0 {
		lost := n.lose[0]
		n.lose = n.lose[1:]
		return !lost
	}
	return true
}

func (n *lossy) CallDuplicated() bool { return n.dup }

// events is an Observer that notes what it hears.
type events struct {
	r    *Recording
	seen []string
}

func (e *events) KVEnded(i int) {
	e.seen = append(e.seen, "kv "+e.r.KV[i].Input.Op.String()+" "+string(e.r.KV[i].Output.Err))
}
func (e *events) LockCalled(i int) { e.seen = append(e.seen, "call "+e.r.Locks[i].Input.Op.String()) }
func (e *events) LockEnded(i int) {
	e.seen = append(e.seen, "end "+e.r.Locks[i].Input.Op.String())
	if e.r.Locks[i].Input.Op == models.LockAcquire && len(e.r.sections) == 0 {
		e.seen = append(e.seen, "no section yet")
	}
}

func newRecorded(lose ...bool) (*Recording, *Client, *lossy, *events) {
	r := &Recording{}
	clk := &clock{}
	net := &lossy{srv: kv.NewServer(), clk: clk, lose: lose}
	obs := &events{r: r}
	c := NewClient(r, 0, "c0", net, clk, obs)
	c.SetClerk(clerk.New(c, sleeper{clk}, "server", clerk.Options{RetryInterval: time.Nanosecond}))
	return r, c, net, obs
}

type sleeper struct{ c *clock }

func (s sleeper) Sleep(d time.Duration) { s.c.t += d }

// TestClientRecords: each operation with its call and return times, what
// the Clerk returned, and the attempts of its own method in order.
func TestClientRecords(t *testing.T) {
	r, c, _, obs := newRecorded(false, true, false)
	if err := c.Put("k", "a", 0); err != rpc.OK {
		t.Fatal(err)
	}
	// The Put's reply is lost; its resend finds the key moved on.
	if err := c.Put("k", "b", 1); err != rpc.ErrMaybe {
		t.Fatal(err)
	}
	if v, ver, err := c.Get("k"); v != "b" || ver != 2 || err != rpc.OK {
		t.Fatal(v, ver, err)
	}
	want := []models.KVOp{
		{Client: 0, Input: models.KVInput{Op: models.OpPut, Key: "k", Value: "a"}, Output: models.KVOutput{Err: rpc.OK}, Call: 0, Return: 1},
		{Client: 0, Input: models.KVInput{Op: models.OpPut, Key: "k", Value: "b", Version: 1}, Output: models.KVOutput{Err: rpc.ErrMaybe}, Call: 1, Return: 4},
		{Client: 0, Input: models.KVInput{Op: models.OpGet, Key: "k"}, Output: models.KVOutput{Value: "b", Version: 2, Err: rpc.OK}, Call: 4, Return: 5},
	}
	if !slices.Equal(r.KV, want) {
		t.Errorf("history\n%s\nwant\n%s", models.FormatKV(r.KV), models.FormatKV(want))
	}
	lost, refused := models.Attempt{}, models.Attempt{Replied: true, Err: rpc.ErrVersion}
	if got := r.attemptsOf(1); !slices.Equal(got, []models.Attempt{lost, refused}) {
		t.Errorf("the second Put's attempts %+v, want a lost one then ErrVersion", got)
	}
	if got := r.attemptsOf(2); !slices.Equal(got, []models.Attempt{{Replied: true, Err: rpc.OK, Value: "b", Version: 2}}) {
		t.Errorf("the Get's attempts %+v", got)
	}
	if !r.Ops[0].end.before(r.Ops[1].end) || r.Ops[2].end.at != 5 || c.last != 2 {
		t.Errorf("ends %+v, last %d", r.Ops, c.last)
	}
	if want := []string{"kv put OK", "kv put ErrMaybe", "kv get OK"}; !slices.Equal(obs.seen, want) {
		t.Errorf("the observer heard %q, want %q", obs.seen, want)
	}
}

// TestAttemptsOfItsOwnMethod: a Put's attempts are its Puts: a Get its
// Clerk makes along the way is not one of them.
func TestAttemptsOfItsOwnMethod(t *testing.T) {
	r := &Recording{}
	clk := &clock{}
	net := &lossy{srv: kv.NewServer(), clk: clk, dup: true}
	c := NewClient(r, 0, "c0", net, clk, nil)
	c.SetClerk(peeking{c})
	c.Put("k", "a", 0)
	if got := r.attemptsOf(0); len(got) != 1 || got[0].Err != rpc.OK || !r.Ops[0].FirstDup {
		t.Errorf("attempts %+v (first duplicated: %v), want the one Put, duplicated", got, r.Ops[0].FirstDup)
	}
}

// peeking is a clerk whose Put first reads the key.
type peeking struct{ c rpc.Caller }

func (p peeking) Get(string) (string, rpc.Tversion, rpc.Err) { return "", 0, "" }
func (p peeking) Put(key, value string, version rpc.Tversion) rpc.Err {
	p.c.Call("server", rpc.MethodGet, &rpc.GetArgs{Key: key}, &rpc.GetReply{})
	var reply rpc.PutReply
	p.c.Call("server", rpc.MethodPut, &rpc.PutArgs{Key: key, Value: value, Version: version}, &reply)
	return reply.Err
}

// TestUnfinishedOp: an operation under way is Unknown, with no end.
func TestUnfinishedOp(t *testing.T) {
	r := &Recording{}
	c := NewClient(r, 0, "c0", nil, &clock{}, nil)
	c.SetClerk(stuckClerk{r})
	c.Put("k", "a", 0)
}

type stuckClerk struct{ r *Recording }

func (s stuckClerk) Get(string) (string, rpc.Tversion, rpc.Err) { return "", 0, "" }
func (s stuckClerk) Put(string, string, rpc.Tversion) rpc.Err {
	if op := s.r.KV[0]; !op.Output.Unknown || s.r.Ops[0].end.seq != 0 {
		panic("an operation under way is not Unknown")
	}
	return rpc.OK
}

// TestLockRecords: acquisitions and releases go to the lock history under
// the lock's name, and the stay from an Acquire's return to the next
// Release's call is a critical section.
func TestLockRecords(t *testing.T) {
	r, c, _, obs := newRecorded()
	clk := c.clock.(*clock)
	l := c.Lock("la", &steppingLock{clk})
	l.Acquire()
	clk.t = 100
	l.Release()
	l.Acquire()
	wantLocks := []models.LockOpRecord{
		{Client: 0, Input: models.LockInput{Op: models.LockAcquire, Owner: "c0", Key: "la"}, Call: 0, Return: 10},
		{Client: 0, Input: models.LockInput{Op: models.LockRelease, Owner: "c0", Key: "la"}, Call: 100, Return: 110},
		{Client: 0, Input: models.LockInput{Op: models.LockAcquire, Owner: "c0", Key: "la"}, Call: 110, Return: 120},
	}
	if !slices.Equal(r.Locks, wantLocks) {
		t.Errorf("lock history %+v, want %+v", r.Locks, wantLocks)
	}
	if len(r.sections) != 2 || r.sections[0].from.at != 10 || r.sections[0].to.at != 100 || r.sections[0].lock != "la" ||
		r.sections[1].from.at != 120 || r.sections[1].to.seq != 0 {
		t.Errorf("sections %+v, want [10, 100] and [120, still held]", r.sections)
	}
	want := []string{"call acquire", "end acquire", "call release", "end release", "call acquire", "end acquire"}
	if !slices.Equal(obs.seen, want) {
		t.Errorf("the observer heard %q, want %q (each acquire's section recorded before its end is heard)", obs.seen, want)
	}
}

// steppingLock takes 10 of the clock per operation.
type steppingLock struct{ c *clock }

func (l *steppingLock) Acquire() { l.c.t += 10 }
func (l *steppingLock) Release() { l.c.t += 10 }

// ownReply is a server's own reply type: the course's fields and more.
type ownReply struct {
	Value   string
	Version uint64
	Err     rpc.Err
	Seq     int
}

type ownPut struct {
	Err rpc.Err
	ID  int64
}

// TestOwnWireTypes: replies of a server's own types are read by the
// course's field names.
func TestOwnWireTypes(t *testing.T) {
	got := models.ReplyAttempt(true, courseReply(&ownReply{Value: "x", Version: 3, Err: rpc.OK, Seq: 9}))
	if got != (models.Attempt{Replied: true, Err: rpc.OK, Value: "x", Version: 3}) {
		t.Errorf("a Get reply read as %+v", got)
	}
	if got := models.ReplyAttempt(true, courseReply(&ownPut{Err: rpc.ErrVersion})); got != (models.Attempt{Replied: true, Err: rpc.ErrVersion}) {
		t.Errorf("a Put reply read as %+v", got)
	}
}

// TestMerge: recordings made apart become one, in order of call, each
// operation with its own attempts, counters summed by key.
func TestMerge(t *testing.T) {
	var parts []*Recording
	for i, calls := range [][]int64{{0, 30}, {10, 20}} {
		r := &Recording{}
		clk := &clock{}
		c := NewClient(r, i, "c"+string(rune('0'+i)), &lossy{srv: kv.NewServer(), clk: clk}, clk, nil)
		c.SetClerk(clerk.New(c, sleeper{clk}, "server", clerk.Options{}))
		ctr := r.AddCounter("counter", "counter")
		for _, call := range calls {
			clk.t = time.Duration(call)
			c.Put("k", "c"+string(rune('0'+i)), rpc.Tversion(call))
		}
		r.Counters[ctr].Increments = i + 1
		parts = append(parts, r)
	}
	m := Merge(parts)
	var calls []int64
	for i, op := range m.KV {
		calls = append(calls, op.Call)
		if a := m.attemptsOf(i); len(a) != 1 || a[0].Err != op.Output.Err {
			t.Errorf("op %d (%+v) has attempts %+v", i, op, a)
		}
	}
	if !slices.Equal(calls, []int64{0, 10, 20, 30}) {
		t.Errorf("calls %v, want in order", calls)
	}
	if len(m.Counters) != 1 || m.Counters[0].Increments != 3 {
		t.Errorf("counters %+v, want one, summed", m.Counters)
	}
}

// unseenNet is lossy whose replies go, every other call, to a goroutine
// the clerk may have stopped waiting for (unseenCaller).
type unseenNet struct{ lossy }

func (n *unseenNet) ReplyUnseen() bool { return n.calls%2 == 0 }

// TestRepliesUnseen: an attempt whose reply went to a goroutine the clerk
// may have given up on is recorded as unseen (models.Attempt.Unseen), so
// that the contract takes it as a reply the clerk may or may not know; a
// lost reply is no unseen one.
func TestRepliesUnseen(t *testing.T) {
	r := &Recording{}
	clk := &clock{}
	net := &unseenNet{lossy{srv: kv.NewServer(), clk: clk, lose: []bool{false, false, true, false}}}
	c := NewClient(r, 0, "c0", net, clk, nil)
	c.SetClerk(clerk.New(c, sleeper{clk}, "server", clerk.Options{RetryInterval: time.Nanosecond}))
	c.Put("k", "a", 0) // seen
	c.Put("k", "b", 1) // unseen
	c.Put("k", "c", 2) // lost, then unseen
	var got []bool
	for i := range r.KV {
		for _, a := range r.attemptsOf(i) {
			got = append(got, a.Unseen)
		}
	}
	if want := []bool{false, true, false, true}; !slices.Equal(got, want) {
		t.Errorf("attempts unseen %v, want %v", got, want)
	}
}
