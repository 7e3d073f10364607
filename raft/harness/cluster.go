package harness

import (
	"fmt"
	"reflect"
	"time"

	"github.com/kvsim/kvsim/raft/raftcheck"
	"github.com/kvsim/kvsim/sim"
)

// Config is what a Cluster runs.
type Config struct {
	// Servers is how many servers (3, 5, 7, ...).
	Servers int
	// Make starts one server.
	Make Make
	// Snapshots makes the harness act as the course's 3D tester: each
	// server's applier asks Raft for a snapshot every SnapshotEvery
	// applied commands (Raft.Snapshot, with the commands applied so far),
	// a restarted server starts from the snapshot its Persister holds,
	// and a snapshot on applyCh replaces what the server applied.
	Snapshots bool
	// PollEvery is how often the harness asks every server GetState, to
	// see leaders: election safety is checked on what it sees (with the
	// answers of every GetState and Start the scenario makes). Zero polls
	// only when the scenario asks.
	PollEvery time.Duration
	// Liveness bounds how long after faults stop (Quiet) a command Started
	// since must take to reach every server; zero is 10s, as the course's
	// one() waits.
	Liveness time.Duration
	// Observe, if set, sees every event the checks see, in order (an
	// Event the cluster reuses: copy it to keep it).
	Observe func(e *raftcheck.Event)
}

// SnapshotEvery is how often the 3D applier snapshots: after applying
// index i with (i+1) % SnapshotEvery == 0, as the course's tester does.
const SnapshotEvery = 10

// Cluster is N servers under one tester. Its methods that wait (GetState,
// Start, One, CheckOneLeader, ...) must be called from a goroutine or
// process of the simulation; those that change the cluster (Crash,
// Restart, Disconnect, ...) from one too, or before the world runs.
type Cluster struct {
	w       *sim.World
	cfg     Config
	names   []string
	servers []*server
	checks  *raftcheck.Set
	rng     sim.Entropy // the tester's draws
	rpcs    []int       // requests handled, by server

	connected []bool
	link      [][]bool // link[i][j]: i and j may talk (when both are up)
	cut       [][]bool // what the world's cuts say now

	failed  *raftcheck.Violation
	polling bool // Poll was called: every server runs a poller
	finish  bool

	afterReply func(from, to int, method string)

	ev    raftcheck.Event // the event the checks see now (observe)
	calls []*call         // answered calls, for reuse (onServer)
}

// server is one server: its machine and what its current incarnation
// left for the tester.
type server struct {
	m    *sim.Machine
	up   bool
	inc  *incarnation
	logs []any // what this incarnation applied (or holds from a snapshot), by index
	have []bool
}

// incarnation is what one start of a server's constructor made.
type incarnation struct {
	n    int
	rf   Raft
	ctl  *sim.Chan[*call]    // the tester's calls, made by a goroutine of the machine
	down *sim.Chan[struct{}] // closed when this incarnation crashes
}

// New makes the cluster's servers on w and starts them, connected. Call
// it before w runs, or from a goroutine of w.
func New(w *sim.World, cfg Config) *Cluster {
	if cfg.Liveness <= 0 {
		cfg.Liveness = 10 * time.Second
	}
	n := cfg.Servers
	c := &Cluster{w: w, cfg: cfg, rng: w.Stream("tester"), rpcs: make([]int, n), connected: make([]bool, n)}
	c.checks = raftcheck.NewSet(
		raftcheck.NewElectionSafety(),
		raftcheck.NewVoteOnce(),
		raftcheck.NewStateMachine(n),
		raftcheck.NewLeaderCompleteness(n),
		raftcheck.NewLiveness(n, cfg.Liveness),
		raftcheck.NewRPCCount(),
	)
	for i := range n {
		c.names = append(c.names, fmt.Sprintf("s%d", i))
		c.link = append(c.link, make([]bool, n))
		c.cut = append(c.cut, make([]bool, n))
	}
	for i := range n {
		s := &server{}
		c.servers = append(c.servers, s)
		s.m = w.NewMachine(c.names[i], func(m *sim.Machine) { c.build(i, m) })
	}
	c.ConnectAll() // the links are down until now, the world's too (nothing ran)
	return c
}

// build is server i's constructor: a fresh set of ends, Make, the
// handlers, the applier and the tester's goroutine.
func (c *Cluster) build(i int, m *sim.Machine) {
	w := c.w
	s := c.servers[i]
	s.m, s.up = m, true
	inc := &incarnation{n: m.Incarnation(), ctl: sim.NewChan[*call](w, 0), down: sim.NewChan[struct{}](w, 0)}
	s.inc = inc
	s.logs, s.have = s.logs[:0], s.have[:0]
	c.observe(raftcheck.Event{Kind: raftcheck.Restart, Server: i})
	node := NewNode(w, m, c.names, i)
	for j, end := range node.Ends {
		end.replied = func(method string, args, reply any) {
			if method == "Raft.RequestVote" {
				if term, granted, ok := voteOf(args, reply); ok && granted {
					c.observe(raftcheck.Event{Kind: raftcheck.Vote, Server: j, Term: term, Peer: i})
				}
			}
			if c.afterReply != nil {
				c.afterReply(i, j, method)
			}
		}
	}
	applyCh := sim.NewChan[ApplyMsg](w, 0)
	inc.rf = c.cfg.Make(node.Ends, i, node.Persister, applyCh)
	node.serve(inc.rf, func(method string) {
		c.rpcs[i]++
		c.observe(raftcheck.Event{Kind: raftcheck.RPC, Server: i, Method: method})
	})
	if c.cfg.Snapshots {
		if snap := m.Persister().ReadSnapshot(); len(snap) > 0 {
			c.ingest(i, snap, -1, 0) // as the course's tester does, before Raft says anything
		}
	}
	w.GoNamed("applier", func() { c.applier(i, inc, applyCh) })
	if c.polling {
		w.GoNamed("poll", func() { c.poll(i, inc) })
	}
	w.GoNamed("tester", func() {
		for k := range sim.Range(w, inc.ctl) {
			c.make(i, inc, k)
			k.done.Send(struct{}{})
		}
	})
}

// observe feeds e to the checks (stamped with the time and the server's
// incarnation) and ends the run at the first violation. The checks see
// it in the cluster's one Event, reused (an Event a call allocated, which
// escapes through the checks' interface, was a tenth of a run's
// allocations).
func (c *Cluster) observe(ev raftcheck.Event) {
	c.ev = ev
	e := &c.ev
	e.At = c.w.Now()
	if e.Server >= 0 && e.Incarnation == 0 {
		e.Incarnation = c.servers[e.Server].m.Incarnation()
	}
	if c.cfg.Observe != nil {
		c.cfg.Observe(e)
	}
	if v := c.checks.Observe(e); v != nil {
		c.fail(v)
	}
}

// errFailed is what the goroutine that found a violation halts the run
// with (sim.World.Halt: the student's deferred unlocks cannot replace it): it
// ends the run, whose failure is the violation (Violation).
type errFailed struct{ v *raftcheck.Violation }

func (e errFailed) Error() string { return e.v.Error() }

// fail records the run's first failure and ends the run.
func (c *Cluster) fail(v *raftcheck.Violation) {
	if c.failed == nil {
		c.failed = v
	}
	c.w.Halt(errFailed{c.failed})
}

// Fail ends the run with a failure of the tester's own expectations (a
// scenario's check that found no leader, an agreement that did not
// happen): a Violation of check "tester".
func (c *Cluster) Fail(format string, args ...any) {
	c.fail(&raftcheck.Violation{Check: "tester", At: c.w.Now(), Server: -1, Term: -1, Index: -1, What: fmt.Sprintf(format, args...)})
}

// Violation is the run's first failure: a check's violation, or the
// tester's; nil if none.
func (c *Cluster) Violation() *raftcheck.Violation { return c.failed }

// Finish ends the checks at the current time: what is judged only at the
// end (liveness past its deadline) fails the run now.
func (c *Cluster) Finish() {
	if v := c.checks.Finish(c.w.Now()); v != nil {
		c.fail(v)
	}
}

// Observe feeds an event of the scenario's own (a Window, a Quiet) to the
// checks.
func (c *Cluster) Observe(e raftcheck.Event) { c.observe(e) }

// Quiet tells the checks that faults stopped: every server is up and
// connected, and the network delivers every message from now on.
func (c *Cluster) Quiet() { c.observe(raftcheck.Event{Kind: raftcheck.Quiet, Server: -1}) }

// N is the number of servers.
func (c *Cluster) N() int { return len(c.servers) }

// Name is server i's endpoint name.
func (c *Cluster) Name(i int) string { return c.names[i] }

// World is the cluster's world.
func (c *Cluster) World() *sim.World { return c.w }

// Rand draws from the tester's stream: a value in [0, n).
func (c *Cluster) Rand(n int) int { return int(c.rng.Uint64N(uint64(n))) }

// Sleep sleeps the calling goroutine for d.
func (c *Cluster) Sleep(d time.Duration) { c.w.Clock().Sleep(d) }

// Up reports whether server i runs.
func (c *Cluster) Up(i int) bool { return c.servers[i].up }

// RPCCount is how many requests server i handled, over all its
// incarnations.
func (c *Cluster) RPCCount(i int) int { return c.rpcs[i] }

// RPCTotal is how many requests the servers handled.
func (c *Cluster) RPCTotal() (n int) {
	for _, k := range c.rpcs {
		n += k
	}
	return n
}

// LogSize is the largest Raft state a server's Persister holds.
func (c *Cluster) LogSize() (n int) {
	for _, s := range c.servers {
		n = max(n, s.m.Persister().StateSize())
	}
	return n
}

// call is one of the tester's calls on a server (GetState, Start(cmd), or
// starting its poller) and what it returned; the server's tester goroutine makes it (make) and
// answers on done. The cluster keeps answered calls for reuse, with their
// channel (onServer).
type call struct {
	op          callOp
	cmd         any
	index, term int
	ok          bool
	done        *sim.Chan[struct{}] // buffered: the answer
}

type callOp uint8

const (
	opGetState callOp = iota
	opStart
	opPoll
)

// make makes call k on server i's Raft rf, on its tester goroutine,
// reporting it to the checks there: a GetState that says it leads, a
// Start as it is called and as it returns (so in the order the server's
// Starts returned even when the tester's goroutines make them
// concurrently: the server's tester goroutine makes them one at a time).
func (c *Cluster) make(i int, inc *incarnation, k *call) {
	rf := inc.rf
	switch k.op {
	case opGetState:
		if k.term, k.ok = rf.GetState(); k.ok {
			c.observe(raftcheck.Event{Kind: raftcheck.Leader, Server: i, Term: k.term})
		}
		return
	case opPoll:
		c.w.GoNamed("poll", func() { c.poll(i, inc) })
		return
	}
	c.observe(raftcheck.Event{Kind: raftcheck.Call, Server: i})
	if k.index, k.term, k.ok = rf.Start(k.cmd); k.ok {
		c.observe(raftcheck.Event{Kind: raftcheck.Start, Server: i, Term: k.term, Index: k.index, Command: k.cmd})
	}
}

// onServer has server i's current incarnation make call k and waits for
// it; false if the server is down, or crashes before the call returns.
// On true, k holds what the call returned.
func (c *Cluster) onServer(i int, k *call) bool {
	s := c.servers[i]
	if !s.up {
		return false
	}
	inc := s.inc
	if c.w.Select(inc.ctl.SendCase(k), inc.down.RecvCase()) == 1 {
		return false
	}
	return c.w.Select(k.done.RecvCase(), inc.down.RecvCase()) == 0
}

// newCall is a call to make, reused if one is free.
func (c *Cluster) newCall(op callOp, cmd any) *call {
	var k *call
	if n := len(c.calls); n > 0 {
		k, c.calls = c.calls[n-1], c.calls[:n-1]
	} else {
		k = &call{done: sim.NewChan[struct{}](c.w, 1)}
	}
	k.op, k.cmd = op, cmd
	return k
}

// answered returns call k, answered (its answer received), for reuse.
// A call whose server crashed is never reused: its goroutine may hold it.
func (c *Cluster) answered(k *call) {
	k.cmd = nil
	c.calls = append(c.calls, k)
}

// GetState asks server i GetState; up is false if it is down.
func (c *Cluster) GetState(i int) (term int, leader, up bool) {
	k := c.newCall(opGetState, nil)
	if !c.onServer(i, k) {
		return 0, false, false
	}
	term, leader = k.term, k.ok
	c.answered(k)
	return term, leader, true
}

// Start asks server i to Start cmd; ok is false if it is down or not the
// leader. The checks see the call begin (Call) and the Start as it
// returns, on the server (make).
func (c *Cluster) Start(i int, cmd any) (index, term int, ok bool) {
	k := c.newCall(opStart, cmd)
	if !c.onServer(i, k) {
		return 0, 0, false
	}
	index, term, ok = k.index, k.term, k.ok
	c.answered(k)
	return index, term, ok
}

// Crash shuts server i down as the course's tester does: it is
// disconnected, its machine crashes (its goroutines stop where they are,
// its messages in flight are lost), and Kill is called on its Raft.
func (c *Cluster) Crash(i int) {
	s := c.servers[i]
	if !s.up {
		return
	}
	c.disconnect(i, c.all())
	s.up = false
	inc := s.inc
	s.m.Crash()
	inc.down.Close()
	c.sync()
	c.observe(raftcheck.Event{Kind: raftcheck.Crash, Server: i, Incarnation: inc.n})
	c.w.GoNamed(fmt.Sprintf("kill %s", c.names[i]), inc.rf.Kill)
}

// Restart starts server i again (crashing it first if it is up) from what
// its Persister holds, with fresh ends. Like the course's StartServer, it
// does not connect it.
func (c *Cluster) Restart(i int) {
	c.Crash(i)
	c.servers[i].m.Restart()
	c.sync()
}

// Bounce crashes server i and restarts it after down, connected again
// (to every connected server) if it was: a reboot its peers see as a
// moment of silence. A server another goroutine started meanwhile (a
// scenario bringing every server back as its faults stop) is left as
// that one left it: restarted again, it would be crashed and come back
// cut off from everyone, past the end of the faults.
func (c *Cluster) Bounce(i int, down time.Duration) {
	connected := c.connected[i]
	c.Crash(i)
	c.Sleep(down)
	if c.Up(i) {
		return
	}
	c.Restart(i)
	if connected {
		c.Connect(i)
	}
}

// all is every server's index.
func (c *Cluster) all() []int {
	all := make([]int, len(c.servers))
	for i := range all {
		all[i] = i
	}
	return all
}

// Connected reports whether server i is connected (the course's
// IsConnected).
func (c *Cluster) Connected(i int) bool { return c.connected[i] }

// Disconnect cuts server i off from every server (DisconnectAll).
func (c *Cluster) Disconnect(i int) {
	c.disconnect(i, c.all())
	c.sync()
}

// Connect connects server i to every connected server (ConnectOne).
func (c *Cluster) Connect(i int) {
	c.connect(i, c.all())
	c.sync()
}

// ConnectAll connects every server.
func (c *Cluster) ConnectAll() {
	for i := range c.servers {
		c.connect(i, c.all())
	}
	c.sync()
}

// Cut cuts the link between servers i and j alone: each still talks to
// the others, so two candidates that cannot hear each other share their
// voters. Connect of either heals it.
func (c *Cluster) Cut(i, j int) {
	c.link[i][j], c.link[j][i] = false, false
	c.sync()
}

// Partition splits the servers into p1 and p2, each connected within
// itself, as the course's Partition.
func (c *Cluster) Partition(p1, p2 []int) {
	for _, i := range p1 {
		c.disconnect(i, p2)
		c.connect(i, p1)
	}
	for _, i := range p2 {
		c.disconnect(i, p1)
		c.connect(i, p2)
	}
	c.sync()
}

func (c *Cluster) connect(i int, to []int) {
	c.connected[i] = true
	for _, j := range to {
		if c.connected[j] {
			c.link[i][j], c.link[j][i] = true, true
		}
	}
}

func (c *Cluster) disconnect(i int, from []int) {
	c.connected[i] = false
	for _, j := range from {
		c.link[i][j], c.link[j][i] = false, false
	}
}

// sync makes the world's cuts say what the links and the servers' being
// up say: two servers talk when their link is up and both run (a call to
// a server that is down fails as one to a disconnected server does, as
// over labrpc, where a shut-down server is deleted from the network).
func (c *Cluster) sync() {
	for i := range c.servers {
		for j := i; j < len(c.servers); j++ {
			cut := !(c.link[i][j] && c.servers[i].up && c.servers[j].up)
			if cut == c.cut[i][j] {
				continue
			}
			if cut {
				c.w.Cut(c.names[i], c.names[j])
			} else {
				c.w.Heal(c.names[i], c.names[j])
			}
			c.cut[i][j], c.cut[j][i] = cut, cut
		}
	}
}

// Poll starts asking every server GetState every Config.PollEvery, for
// the checks. A goroutine of each server's machine asks its Raft, so it
// stops when the server crashes and starts again with it (a poller of the
// tester's own, going through each server's tester goroutine, cost a
// Raft run a tenth of its time). Call it from the tester.
func (c *Cluster) Poll() {
	if c.cfg.PollEvery <= 0 || c.polling {
		return
	}
	c.polling = true
	for i := range c.servers {
		k := c.newCall(opPoll, nil)
		if c.onServer(i, k) {
			c.answered(k)
		}
	}
}

// poll is server i's poller for incarnation inc, a goroutine of its
// machine.
func (c *Cluster) poll(i int, inc *incarnation) {
	for {
		c.Sleep(c.cfg.PollEvery)
		if c.finish {
			return
		}
		if term, leader := inc.rf.GetState(); leader {
			c.observe(raftcheck.Event{Kind: raftcheck.Leader, Server: i, Term: term})
		}
	}
}

// voteOf reads a RequestVote's term and whether its reply grants the
// vote, by the paper's names (args.Term, reply.VoteGranted); ok is false
// for a Raft that names them otherwise, whose votes the vote-once check
// then does not see (election safety still sees what they lead to).
func voteOf(args, reply any) (term int, granted, ok bool) {
	term, ok = termOf(args)
	r := reflect.Indirect(reflect.ValueOf(reply))
	if !ok || r.Kind() != reflect.Struct {
		return 0, false, false
	}
	g := r.FieldByName("VoteGranted")
	if !g.IsValid() || g.Kind() != reflect.Bool {
		return 0, false, false
	}
	return term, g.Bool(), true
}

// termOf reads a request's term by the paper's name (args.Term); ok is
// false for a Raft that names it otherwise.
func termOf(args any) (term int, ok bool) {
	a := reflect.Indirect(reflect.ValueOf(args))
	if a.Kind() != reflect.Struct {
		return 0, false
	}
	t := a.FieldByName("Term")
	if !t.IsValid() || !t.CanInt() {
		return 0, false
	}
	return int(t.Int()), true
}

// AfterReply has f told, in the calling goroutine, of every call from
// server from to server to that came back with a reply: the moment a
// nemesis aimed at what a reply means acts (a vote, once its candidate
// has it, forgotten by a crash).
func (c *Cluster) AfterReply(f func(from, to int, method string)) { c.afterReply = f }

// Stop ends the pollers.
func (c *Cluster) Stop() { c.finish = true }
