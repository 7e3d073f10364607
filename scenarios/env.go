package scenarios

import (
	"fmt"
	"runtime/debug"
	"slices"
	"strconv"
	"time"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
	"github.com/kvsim/kvsim/sim"
)

// ServerName is the endpoint of the key/value server in every scenario.
const ServerName = "server"

// Env is one run in progress, as a scenario sees it: the world, the
// implementation under test and everything recorded for the checks. A
// scenario's Setup spawns clients on it; their operations are recorded and
// checked whatever the scenario does with them.
type Env struct {
	w      *sim.World
	impl   Impl
	server rpc.Server
	names  []string // client names, by client index

	clients []*Client // spawned so far, then spare ones of earlier runs (Pool)
	spawned int
	ops     []randomOp // the random workloads' operations, all clients'
	checker models.KVChecker

	kv         []models.KVOp
	locks      []models.LockOpRecord
	violations []string
	warnings   []Warning
	hint       string        // the first fault that shaped the run unexpectedly
	delivery   Delivery      // the profile's guarantee, which the checks assume
	holders    []lockHolder  // who is inside each lock's critical section
	nemesis    *nemesis      // nil unless the profile enables targeted faults
	workload   string        // the drawn workload, if the scenario draws one
	slack      time.Duration // extra virtual time the workload's own waits take
}

// The service's codecs are worked out once, not in every run.
var (
	getCodec = sim.NewCodec[rpc.GetArgs, rpc.GetReply]()
	putCodec = sim.NewCodec[rpc.PutArgs, rpc.PutReply]()
)

// newEnv is the Env of a run on w, reusing spare's memory if it is not nil.
func newEnv(w *sim.World, impl Impl, spare *Env) *Env {
	e := spare
	if e == nil {
		e = &Env{}
	}
	e.w, e.impl, e.server = w, impl, impl.NewServer()
	srv := w.NewServer(ServerName)
	if own, ok := e.server.(OwnHandlers); ok {
		own.Handlers(srv)
	} else {
		sim.HandleCodec(srv, rpc.MethodGet, getCodec, e.server.Get)
		sim.HandleCodec(srv, rpc.MethodPut, putCodec, e.server.Put)
	}
	return e
}

// OwnHandlers is a server whose RPCs carry wire types of its own (a course
// folder that adds a request id to PutArgs, say): it registers its Get and
// Put handlers itself, and its clerk sends those types. Its Get and Put
// methods serve direct calls (a scenario's final reads).
type OwnHandlers interface {
	Handlers(srv *sim.Server)
}

// reserve makes room in the history for n more operations, for a workload
// that knows its length: the history then grows once, not by doubling.
func (e *Env) reserve(n int) { e.kv = slices.Grow(e.kv, n) }

// Entropy is the run's entropy, for drawing the workload in Setup.
func (e *Env) Entropy() sim.Entropy { return e.w.Entropy() }

// World is the run's world, for scripted faults (At, Isolate, Pause).
func (e *Env) World() *sim.World { return e.w }

// Server is the server under test, for final checks that read its state
// after the run.
func (e *Env) Server() rpc.Server { return e.server }

// History is the key/value history recorded so far.
func (e *Env) History() []models.KVOp { return e.kv }

// DescribeWorkload says which workload shape Setup drew, to be printed
// with the result as the drawn fault model is.
func (e *Env) DescribeWorkload(shape string) { e.workload = shape }

// AddSlack extends the run's liveness deadline by d: the virtual time the
// workload spends waiting on purpose (critical sections, think times),
// which no fault causes and no implementation can shorten.
func (e *Env) AddSlack(d time.Duration) { e.slack += max(d, 0) }

// Violate records a failed check; the run's verdict is then a violation
// with the first such reason.
func (e *Env) Violate(format string, args ...any) {
	e.violations = append(e.violations, fmt.Sprintf(format, args...))
}

// Warning is something the implementation did that its contract allows
// but a precise implementation avoids: printed and reported, never a
// failure. Count is how many times the run did it; Text is the first.
type Warning struct {
	Name  string `json:"name"`
	Text  string `json:"text"`
	Count int    `json:"count"`
}

func (e *Env) warn(name, text string) {
	for i := range e.warnings {
		if e.warnings[i].Name == name {
			e.warnings[i].Count++
			return
		}
	}
	e.warnings = append(e.warnings, Warning{Name: name, Text: text, Count: 1})
}

// noteHint records, once, a fault that shaped the run in a way its
// implementation might not expect; a failure's text carries the first.
func (e *Env) noteHint(format string, args ...any) {
	if e.hint == "" {
		e.hint = fmt.Sprintf(format, args...)
	}
}

// safely runs a final check that calls into the SUT outside the simulator,
// reporting a panic as the check's failure.
func (e *Env) safely(what string, check func() string) (reason string) {
	defer func() {
		if r := recover(); r != nil {
			reason = fmt.Sprintf("%s panicked: %v\n%s", what, r, debug.Stack())
		}
	}()
	return check()
}

// Client is one simulated client: a process with a recorded clerk. Its
// Get and Put are the implementation's clerk's, recorded for the checks.
type Client struct {
	e     *Env
	id    int
	name  string
	p     *sim.Proc
	ck    rpc.Clerk
	body  func(c *Client)
	start func(p *sim.Proc) // c.run
	// A random workload's operations, and the version it last saw of each
	// key.
	ops  []randomOp
	seen versions
	// attempts made by the clerk during the current operation.
	attempts []attempt
	judged   []models.Attempt // scratch for attemptsOf
	// Room for an operation's attempts through a few retries, in the
	// client's own allocation.
	attemptBuf [4]attempt
	judgedBuf  [4]models.Attempt
}

// attempt is one Call the clerk made, as the network saw it, with what its
// reply (if any) carried.
type attempt struct {
	method string
	dup    bool // the network duplicated the request: a retransmission the clerk cannot see
	models.Attempt
}

// Spawn starts a client process, named c0, c1, ... in order, running body.
func (e *Env) Spawn(body func(c *Client)) { e.spawn(body) }

// spawnOps starts a client that runs the random workload ops.
func (e *Env) spawnOps(ops []randomOp) { e.spawn(runOps).ops = ops }

func (e *Env) spawn(body func(c *Client)) *Client {
	id := e.spawned
	e.spawned++
	var c *Client
	if id < len(e.clients) {
		c = e.clients[id] // a spare one, reset by Pool.giveEnv
	} else {
		c = &Client{id: id, name: "c" + strconv.Itoa(id)}
		c.start = c.run // made once, not in every run
		c.attempts, c.judged = c.attemptBuf[:0], c.judgedBuf[:0]
		e.clients = append(e.clients, c)
	}
	c.e, c.body = e, body
	e.names = append(e.names, c.name)
	e.w.Spawn(c.name, c.start)
	return c
}

// run is the client's process.
func (c *Client) run(p *sim.Proc) {
	c.p = p
	c.ck = c.e.impl.NewClerk(c, p, ServerName)
	c.body(c)
}

// recycle clears what a run left in c, keeping its name, buffers and start.
func (c *Client) recycle() {
	clear(c.attempts[:cap(c.attempts)])
	clear(c.judged[:cap(c.judged)])
	clear(c.seen[:cap(c.seen)])
	*c = Client{id: c.id, name: c.name, start: c.start, seen: c.seen[:0], attempts: c.attempts[:0], judged: c.judged[:0]}
}

// Call is the Caller the client's clerk uses: the process's Call, recorded
// so the clerk's contract can be checked against what really happened.
func (c *Client) Call(server, method string, args, reply any) bool {
	ok := c.p.Call(server, method, args, reply)
	c.attempts = append(c.attempts, attempt{method: method, dup: c.p.CallDuplicated(), Attempt: models.ReplyAttempt(ok, courseReply(reply))})
	return ok
}

// Name is the client's name, also its network endpoint.
func (c *Client) Name() string { return c.name }

// ID is the client's index, from 0 in spawn order.
func (c *Client) ID() int { return c.id }

// Sleep waits d of virtual time.
func (c *Client) Sleep(d time.Duration) { c.p.Sleep(d) }

func (c *Client) now() int64 { return int64(c.p.Now()) }

// begin records the call of an operation whose outcome is unknown until end.
func (c *Client) begin(in models.KVInput) int {
	c.attempts = c.attempts[:0]
	c.e.kv = append(c.e.kv, models.KVOp{Client: c.id, Input: in, Output: models.KVOutput{Unknown: true}, Call: c.now()})
	return len(c.e.kv) - 1
}

func (c *Client) end(i int, out models.KVOutput) {
	op := &c.e.kv[i]
	op.Output, op.Return = out, c.now()
	noteOp(c.e.w, c.p, *op)
}

// Get performs a recorded Get and checks the clerk's contract for it.
func (c *Client) Get(key string) (string, rpc.Tversion, rpc.Err) {
	i := c.begin(models.KVInput{Op: models.OpGet, Key: key})
	v, ver, err := c.ck.Get(key)
	c.end(i, models.KVOutput{Value: v, Version: ver, Err: err})
	if breach := models.ClerkGetContract(key, c.attemptsOf(rpc.MethodGet), v, ver, err); breach != "" {
		c.e.Violate("clerk contract: %s: %s", c.name, breach)
	}
	return v, ver, err
}

// Put performs a recorded Put and checks the clerk's contract for it. It is
// what a lock built on this client sees.
func (c *Client) Put(key, value string, version rpc.Tversion) rpc.Err {
	err, _ := c.put(key, value, version)
	return err
}

// PutSeen is Put for workloads that judge the outcome: it returns what the
// Put's result means under the run's delivery guarantee. Under
// at-least-once an ErrVersion may answer a duplicate of a request that was
// applied, so it means ErrMaybe.
func (c *Client) PutSeen(key, value string, version rpc.Tversion) rpc.Err {
	_, seen := c.put(key, value, version)
	return seen
}

// put returns the clerk's error, which the history records as it is, and
// what it means under the run's delivery guarantee.
func (c *Client) put(key, value string, version rpc.Tversion) (err, seen rpc.Err) {
	i := c.begin(models.KVInput{Op: models.OpPut, Key: key, Value: value, Version: version})
	err = c.ck.Put(key, value, version)
	c.end(i, models.KVOutput{Err: err})
	seen = c.e.delivery.judge(err)
	if seen != err {
		if c.firstPutDuplicated() {
			c.e.noteHint("%s's Put(%q, %q, %d) returned ErrVersion after the network delivered its first request twice: the other copy may have been applied (profile with at-least-once delivery)", c.name, key, value, version)
		}
	}
	attempts := c.attemptsOf(rpc.MethodPut)
	if breach := models.ClerkPutContract(key, value, version, attempts, err); breach != "" {
		c.e.Violate("clerk contract: %s: %s", c.name, breach)
	} else if warning := models.ClerkPutWarning(key, value, version, attempts, err); warning != "" {
		c.e.warn(models.WarnMaybeImprecise, c.name+": "+warning)
	}
	return err, seen
}

// attemptsOf is what the network did with the current operation's calls of
// method, for the clerk contract. The slice is reused by the next call.
func (c *Client) attemptsOf(method string) []models.Attempt {
	as := c.judged[:0]
	for i := range c.attempts {
		if a := &c.attempts[i]; a.method == method {
			as = append(as, a.Attempt)
		}
	}
	c.judged = as
	return as
}

func (c *Client) firstPutDuplicated() bool {
	for _, a := range c.attempts {
		if a.method == rpc.MethodPut {
			return a.dup
		}
	}
	return false
}

// Lock returns a recorded lock at key owned by this client. The recording
// checks mutual exclusion directly: the critical section runs from
// Acquire's return to Release's call.
func (c *Client) Lock(key string) rpc.Locker {
	l := &recordedLock{c: c, key: key, l: c.e.impl.NewLock(c, c.p, key, c.name)}
	if key != lockKey {
		l.modelKey = key // the lock model partitions by key; one lock needs none
	}
	return l
}

type recordedLock struct {
	c             *Client
	key, modelKey string
	l             rpc.Locker
}

// lockHolder is who is inside the critical section of the lock at key.
type lockHolder struct{ key, name string }

// holderOf is who holds the lock at key, "" if nobody.
func (e *Env) holderOf(key string) string {
	for _, h := range e.holders {
		if h.key == key {
			return h.name
		}
	}
	return ""
}

func (e *Env) setHolder(key, name string) {
	for i := range e.holders {
		if e.holders[i].key == key {
			e.holders[i].name = name
			return
		}
	}
	e.holders = append(e.holders, lockHolder{key, name})
}

// holds reports whether name is inside some critical section.
func (e *Env) holds(name string) bool {
	for _, h := range e.holders {
		if h.name == name {
			return true
		}
	}
	return false
}

func (l *recordedLock) record(op models.LockOp, body func()) {
	c := l.c
	e := c.e
	e.locks = append(e.locks, models.LockOpRecord{Client: c.id, Input: models.LockInput{Op: op, Owner: c.name, Key: l.modelKey}, Call: c.now(), Unknown: true})
	i := len(e.locks) - 1
	body()
	e.locks[i].Return, e.locks[i].Unknown = c.now(), false
	e.w.Note(c.p, op.String())
}

func (l *recordedLock) Acquire() {
	l.record(models.LockAcquire, l.l.Acquire)
	e := l.c.e
	if holder := e.holderOf(l.key); holder != "" {
		what := "the lock"
		if l.modelKey != "" {
			what = fmt.Sprintf("the lock at %q", l.key)
		}
		e.Violate("lock mutual exclusion: %s acquired %s at %v while %s was inside the critical section", l.c.name, what, l.c.p.Now(), holder)
	}
	e.setHolder(l.key, l.c.name)
	if e.nemesis != nil {
		e.nemesis.acquired(l.c.name)
	}
}

func (l *recordedLock) Release() {
	if e := l.c.e; e.holderOf(l.key) == l.c.name {
		e.setHolder(l.key, "")
	}
	l.record(models.LockRelease, l.l.Release)
}

// noteOp folds what the client observed into the trace hash (and, when
// tracing, the trace), without formatting or boxing anything otherwise.
func noteOp(w *sim.World, p *sim.Proc, op models.KVOp) {
	in, out := op.Input, op.Output
	if in.Op == models.OpGet {
		w.NoteFields(p, uint64(models.OpGet), []string{in.Key, out.Value, string(out.Err)}, []uint64{uint64(out.Version)}, func() string {
			return fmt.Sprintf("get %s -> %q@%d %s", in.Key, out.Value, out.Version, out.Err)
		})
		return
	}
	w.NoteFields(p, uint64(models.OpPut), []string{in.Key, in.Value, string(out.Err)}, []uint64{uint64(in.Version)}, func() string {
		return fmt.Sprintf("put %s %q@%d -> %s", in.Key, in.Value, in.Version, out.Err)
	})
}
