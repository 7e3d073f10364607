package scenarios

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/check"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
	"github.com/kvsim/kvsim/sim"
)

// Env is one run in progress, as a scenario sees it: the world, the
// implementation under test and everything recorded for the checks. A
// scenario's Setup spawns clients on it; their operations are recorded
// (check.Recording) and checked whatever the scenario does with them.
type Env struct {
	w      *sim.World
	impl   kvsim.Impl
	server rpc.Server

	clients []*Client // spawned so far, then spare ones of earlier runs (Runner)
	spawned int
	ops     []randomOp // the random workloads' operations, all clients'

	rec      *check.Recording // kept from run to run on a Runner, as checks are
	checks   *checks          // the run's checks, and their memory
	hint     string           // the first fault that shaped the run unexpectedly
	delivery Delivery         // the profile's guarantee, which the checks assume
	holders  []lockHolder     // who is inside each lock's critical section
	nemesis  *nemesis         // nil unless the profile enables targeted faults
	workload string           // the drawn workload, if the scenario draws one
	slack    time.Duration    // extra virtual time the workload's own waits take
	live     liveness         // the run's deadline, moved on by operations completing
	final    *finalReads      // a server that blocks: read inside the run
	names    []string         // the servers' names (kvsim.ServerNames)
	replicas []rpc.Server     // a cluster's servers, each's latest start (cluster.go)
	// serverWarnings are the warnings of servers that ended (a crash)
	// and, once the run is over, of the last ones (cluster.go)
	serverWarnings []Warning
	machines       []*sim.Machine // a cluster's machines
}

// finalReads are the reads of a server that blocks (kvsim.Impl.ServerBlocks)
// that the checks make after the run: its handlers may wait on its own
// goroutines, which run only inside the run, so a process reads every key
// of the history, directly, once every client has returned.
type finalReads struct {
	clients *sim.WaitGroup
	got     map[string]finalRead
}

type finalRead struct {
	value   string
	version rpc.Tversion
	err     rpc.Err
}

// readAtEnd is the final reader's process.
func (e *Env) readAtEnd(*sim.Proc) {
	e.final.clients.Wait()
	if e.impl.Cluster() {
		e.readCluster()
		return
	}
	for _, op := range e.rec.KV {
		key := op.Input.Key
		if _, ok := e.final.got[key]; ok {
			continue
		}
		var reply rpc.GetReply
		e.server.Get(&rpc.GetArgs{Key: key}, &reply)
		e.final.got[key] = finalRead{reply.Value, reply.Version, reply.Err}
	}
}

// The service's codecs are worked out once, not in every run.
var (
	getCodec = sim.NewCodec[rpc.GetArgs, rpc.GetReply]()
	putCodec = sim.NewCodec[rpc.PutArgs, rpc.PutReply]()
)

// newEnv is the Env of a run on w, reusing spare's memory if it is not nil.
func newEnv(w *sim.World, impl kvsim.Impl, spare *Env) *Env {
	e := spare
	if e == nil {
		e = &Env{}
	}
	if e.rec == nil {
		e.rec, e.checks = &check.Recording{}, &checks{}
	}
	e.w, e.impl = w, impl
	n := impl.Servers
	if n == kvsim.DrawnServers {
		sizes := kvsim.ClusterSizes()
		n = sizes[w.Stream("cluster/size").Uint64N(uint64(len(sizes)))]
	}
	e.names = kvsim.ServerNames(n)
	if impl.Cluster() {
		e.startCluster(w)
	} else if impl.ServerBlocks {
		w.NewMachine(kvsim.ServerName, func(m *sim.Machine) { e.serve(m.Server()) })
		e.final = &finalReads{clients: sim.NewWaitGroup(w), got: map[string]finalRead{}}
		w.Spawn("final-reads", e.readAtEnd)
	} else {
		e.serve(w.NewServer(kvsim.ServerName))
	}
	return e
}

// serve builds the implementation's server and registers its handlers on
// srv.
func (e *Env) serve(srv *sim.Server) {
	e.server = e.impl.NewServer()
	register(srv, e.server)
}

// register registers server's handlers on srv.
func register(srv *sim.Server, server rpc.Server) {
	if own, ok := server.(OwnHandlers); ok {
		own.Handlers(srv)
	} else {
		sim.HandleCodec(srv, rpc.MethodGet, getCodec, server.Get)
		sim.HandleCodec(srv, rpc.MethodPut, putCodec, server.Put)
	}
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
func (e *Env) reserve(n int) {
	e.rec.KV = slices.Grow(e.rec.KV, n)
	e.rec.Ops = slices.Grow(e.rec.Ops, n)
}

// Entropy is the run's entropy, for drawing the workload in Setup.
func (e *Env) Entropy() sim.Entropy { return e.w.Entropy() }

// World is the run's world, for scripted faults (At, Isolate, Pause).
func (e *Env) World() *sim.World { return e.w }

// Server is the server under test, for final checks that read its state
// after the run; nil for a cluster (ServerNames).
func (e *Env) Server() rpc.Server { return e.server }

// ServerNames are the names of the service's servers: kvsim.ServerName,
// or each server of a cluster.
func (e *Env) ServerNames() []string { return e.names }

// History is the key/value history recorded so far.
func (e *Env) History() []models.KVOp { return e.rec.KV }

// DescribeWorkload says which workload shape Setup drew, to be printed
// with the result as the drawn fault model is.
func (e *Env) DescribeWorkload(shape string) { e.workload = shape }

// AddSlack extends the run's liveness deadline by d: the virtual time the
// workload spends waiting on purpose (critical sections, think times),
// which no fault causes and no implementation can shorten.
func (e *Env) AddSlack(d time.Duration) { e.slack += max(d, 0) }

// Violate records a failure the workload saw as it ran; the run's verdict
// is then a violation, with the first such reason unless another check
// failed earlier in the run.
func (e *Env) Violate(format string, args ...any) {
	e.rec.Violate(e.w, fmt.Sprintf(format, args...))
}

// AddCheck adds a check of the scenario's own to the run's (see package
// check), run after the common ones.
func (e *Env) AddCheck(c check.Check) { e.checks.own = append(e.checks.own, c) }

// counter adds a counter at key, which holders of its lock increment
// (Client.Increment) and which the counter check reads after the run;
// label starts what the checks say of it.
func (e *Env) counter(label, key string) int { return e.rec.AddCounter(label, key) }

// Warning is something the implementation did that its contract allows
// but a precise implementation avoids: printed and reported, never a
// failure. Count is how many times the run did it; Text is the first.
type Warning = check.Warning

// noteHint records, once, a fault that shaped the run in a way its
// implementation might not expect; a failure's text carries the first.
func (e *Env) noteHint(format string, args ...any) {
	if e.hint == "" {
		e.hint = fmt.Sprintf(format, args...)
	}
}

// Client is one simulated client: a process with a recorded clerk
// (check.Client). Its Get and Put are the implementation's clerk's,
// recorded for the checks.
type Client struct {
	e     *Env
	rc    check.Client
	id    int
	name  string
	p     *sim.Proc
	body  func(c *Client)
	start func(p *sim.Proc) // c.run
	// A random workload's operations, and the version it last saw of each
	// key.
	ops  []randomOp
	seen versions
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
		c = e.clients[id] // a spare one, reset by Runner.giveEnv
	} else {
		c = &Client{id: id, name: "c" + strconv.Itoa(id)}
		c.start = c.run // made once, not in every run
		e.clients = append(e.clients, c)
	}
	c.e, c.body = e, body
	e.rec.Clients = append(e.rec.Clients, c.name)
	if e.final != nil {
		e.final.clients.Add(1)
	}
	e.w.Spawn(c.name, c.start)
	return c
}

// run is the client's process.
func (c *Client) run(p *sim.Proc) {
	c.p = p
	var caller rpc.Caller = p
	if c.e.impl.ServerBlocks || c.e.impl.Cluster() {
		// Code that blocks may call from goroutines of its own.
		caller = &goroutineCaller{w: c.e.w, clerk: p}
	}
	c.rc.Init(c.e.rec, c.id, c.name, caller, p, (*hooks)(c))
	if c.e.impl.Cluster() {
		c.rc.SetClerk(c.e.impl.NewClusterClerk(&c.rc, p, c.e.names))
	} else {
		c.rc.SetClerk(c.e.impl.NewClerk(&c.rc, p, kvsim.ServerName))
	}
	c.body(c)
	if c.e.final != nil {
		c.e.final.clients.Done()
	}
}

// recycle clears what a run left in c, keeping its name, buffers and start.
func (c *Client) recycle() {
	clear(c.seen[:cap(c.seen)])
	c.rc.Init(nil, 0, "", nil, nil, nil) // keeps its buffers only
	*c = Client{id: c.id, name: c.name, start: c.start, seen: c.seen[:0], rc: c.rc}
}

// Call is the Caller the client's clerk uses: the process's Call, noted so
// the clerk's contract can be checked against what really happened.
func (c *Client) Call(server, method string, args, reply any) bool {
	return c.rc.Call(server, method, args, reply)
}

// Name is the client's name, also its network endpoint.
func (c *Client) Name() string { return c.name }

// ID is the client's index, from 0 in spawn order.
func (c *Client) ID() int { return c.id }

// Sleep waits d of virtual time.
func (c *Client) Sleep(d time.Duration) { c.p.Sleep(d) }

// Get performs a recorded Get.
func (c *Client) Get(key string) (string, rpc.Tversion, rpc.Err) { return c.rc.Get(key) }

// Put performs a recorded Put. It is what a lock built on this client
// sees.
func (c *Client) Put(key, value string, version rpc.Tversion) rpc.Err {
	return c.rc.Put(key, value, version)
}

// PutSeen is Put for workloads that judge the outcome: it returns what the
// Put's result means under the run's delivery guarantee. Under
// at-least-once an ErrVersion may answer a duplicate of a request that was
// applied, so it means ErrMaybe.
func (c *Client) PutSeen(key, value string, version rpc.Tversion) rpc.Err {
	return c.rc.PutSeen(key, value, version)
}

// Increment adds one to counter ctr (Env.counter) under its lock, which
// the client holds (check.Client.Increment).
func (c *Client) Increment(ctr int) bool { return c.rc.Increment(ctr) }

// Lock returns a recorded lock at key owned by this client. The recording
// notes its critical sections, from Acquire's return to Release's call,
// for the mutual exclusion check.
func (c *Client) Lock(key string) rpc.Locker {
	name := key
	if key == lockKey {
		name = "" // the lock model partitions by key; one lock needs none
	}
	return c.rc.Lock(name, c.e.impl.NewLock(&c.rc, c.p, key, c.name))
}

// hooks is the client as the observer of its recorder: what the client
// observes is folded into the trace hash, and the lock's holders are known
// to the nemesis.
type hooks Client

func (h *hooks) KVEnded(i int) {
	e := h.e
	op := &e.rec.KV[i]
	noteOp(e.w, h.p, *op)
	e.live.progressed(e.w)
	if op.Input.Op == models.OpPut && e.delivery.judge(op.Output.Err) != op.Output.Err && e.rec.Ops[i].FirstDup {
		in := op.Input
		e.noteHint("%s's Put(%q, %q, %d) returned ErrVersion after the network delivered its first request twice: the other copy may have been applied (profile with at-least-once delivery)", h.name, in.Key, in.Value, in.Version)
	}
}

func (h *hooks) LockCalled(i int) {
	e := h.e
	if op := &e.rec.Locks[i]; op.Input.Op == models.LockRelease && e.holderOf(op.Input.Key) == h.name {
		e.setHolder(op.Input.Key, "")
	}
}

func (h *hooks) LockEnded(i int) {
	e := h.e
	op := &e.rec.Locks[i]
	e.w.Note(h.p, op.Input.Op.String())
	e.live.progressed(e.w)
	if op.Input.Op == models.LockAcquire {
		e.setHolder(op.Input.Key, h.name)
		if e.nemesis != nil {
			e.nemesis.acquired(h.name)
		}
	}
}

// lockHolder is who is inside the critical section of the lock at key (its
// name in the lock history), for the nemesis.
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

// goroutineCaller calls from whichever goroutine runs: a clerk's process,
// or a goroutine it started to make the call, whose reply the clerk may
// not wait for (ReplyUnseen, which check.Client asks of its Caller).
type goroutineCaller struct {
	w      *sim.World
	clerk  *sim.Proc
	unseen bool // the last Call was another goroutine's
}

func (g *goroutineCaller) Call(server, method string, args, reply any) bool {
	p := g.w.Running()
	ok := p.Call(server, method, args, reply)
	g.unseen = p != g.clerk
	return ok
}

func (g *goroutineCaller) CallDuplicated() bool { return g.w.Running().CallDuplicated() }

func (g *goroutineCaller) ReplyUnseen() bool { return g.unseen }
