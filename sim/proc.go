package sim

import (
	"fmt"
	"runtime/debug"
	"time"
)

// Proc is a simulated client process: a coroutine that runs only when the
// scheduler resumes it and yields only inside Call and Sleep. It satisfies
// the lab's caller (Call) and a sleeper (Sleep).
type Proc struct {
	w     *World
	ep    *endpoint
	co    *coroutine
	yield func(struct{}) bool // its coroutine's

	waitID uint64 // identifies the current blocking operation
	// What the process asked the scheduler for when it last yielded
	// (beside the flags: a Proc fits in 512 bytes, an allocation class
	// below 576).
	op procOp

	running bool // the scheduler resumed it and it has not yielded yet
	onStack bool // resumed and not yet yielded: running, or dispatching events, or waiting for a process it resumed
	done    bool
	killed  bool

	rt goroutine // as a goroutine, or blocked on the goroutine runtime (goroutine.go)

	self  endpoint // what ep points to
	body  func(*Proc)
	ownCo coroutine // co, when there is no pool to borrow from
	sleep time.Duration
	call  pendingCall

	methods [2]*method // the methods of the last calls, newest first: tried before the lookup
}

type procOp uint8

const (
	opNone procOp = iota
	opCall
	opSleep
	opPark // blocked on the goroutine runtime: a channel, a lock, a timer
)

type pendingCall struct {
	id       uint64
	server   *endpoint
	serverID string
	method   string
	m        *method
	args     any
	reply    any
	deadline time.Duration // when the call times out
	timerSeq uint64        // the timeout event's sequence number
	armed    bool          // the timeout is queued, in slot timer
	timer    int32
	ok       bool
	dup      bool   // the network delivered the request twice
	misuse   string // set by the scheduler when the call is malformed
}

// start resets c for a new call field by field: a struct assignment would
// take the collector's bulk write barrier on every call while it runs.
// server and m are set when the call resolves.
func (c *pendingCall) start(server, method string, args, reply any) {
	if c.serverID != server || c.method != method { // mostly the same strings as last time
		c.serverID, c.method = server, method
	}
	c.args, c.reply = args, reply
	c.id, c.deadline, c.timerSeq, c.armed, c.timer, c.ok, c.dup = 0, 0, 0, false, 0, false, false
	if c.misuse != "" {
		c.misuse = ""
	}
}

// errKilled unwinds a process that the world ends while it is blocked.
type errKilledT struct{}

var errKilled any = errKilledT{}

// Spawn creates a process named name that runs body from the current
// virtual time. The name is also its network endpoint.
func (w *World) Spawn(name string, body func(p *Proc)) *Proc {
	p := &Proc{w: w, body: body}
	p.ep = w.addEndpoint(&p.self, name, nil)
	w.procs = append(w.procs, p)
	w.live++
	w.schedule(w.now, evStart, p, 0, 0, nil, nil)
	return p
}

// Name is the process's endpoint name.
func (p *Proc) Name() string { return p.ep.name }

// endpoint accepts nil, for records about no process.
func (p *Proc) endpoint() *endpoint {
	if p == nil {
		return nil
	}
	return p.ep
}

// RunShared says that a goroutine is the run's, not the memory of a
// server whose lock it holds.
func (p *Proc) RunShared() {}

// Now is the virtual time.
func (p *Proc) Now() time.Duration { return p.w.now }

// Sleep blocks the process for d of virtual time.
func (p *Proc) Sleep(d time.Duration) {
	p.enter("Sleep")
	p.op = opSleep
	p.sleep = max(d, 0)
	p.block()
}

// Call sends a request to server's method and blocks until the reply
// arrives (true, with reply filled in) or the call times out (false; the
// request may or may not have been executed). args and reply must be
// pointers of the types the method was registered with.
func (p *Proc) Call(server, method string, args, reply any) bool {
	p.enter("Call")
	p.op = opCall
	p.call.start(server, method, args, reply)
	p.block()
	if p.call.misuse != "" {
		panic(p.call.misuse)
	}
	return p.call.ok
}

// CallDuplicated reports whether the network duplicated the request of
// the process's last Call. The caller cannot know this; a test harness
// that judges the caller's conclusions needs to.
func (p *Proc) CallDuplicated() bool { return p.call.dup }

// enter checks that a simulator call is made by the process itself, on its
// own coroutine, while it is the one running.
func (p *Proc) enter(what string) {
	if p.killed {
		panic(errKilled)
	}
	if !p.running {
		panic(fmt.Sprintf("sim: %s called on process %s from outside it", what, p.ep.name))
	}
}

// block waits until the scheduler resumes the process: at once, when the
// events the process dispatches itself resume it (runInline), or else
// after a yield to whoever resumed it.
func (p *Proc) block() {
	p.waitID++
	p.wait()
}

// wait is block once the operation has its wait id. A parked process that
// is resumed only to note where it waits (World.whereIs) does, and parks
// again.
func (p *Proc) wait() {
	p.running = false
	p.rt.dirty = false
	if !p.w.yieldAtOnce && p.w.runInline(p) {
		p.op, p.running = opNone, true
		return
	}
	for {
		if !p.yield(struct{}{}) {
			p.killed = true
			panic(errKilled)
		}
		if p.w.rt.capture != p {
			return
		}
		p.noteStack()
	}
}

func (p *Proc) waiting(id uint64) bool { return !p.done && p.op != opNone && p.waitID == id }

func (p *Proc) state() string {
	switch p.op {
	case opCall:
		return "in Call " + p.call.serverID + " " + p.call.method
	case opSleep:
		return "in Sleep"
	case opPark:
		return "in " + p.rt.what
	}
	return "runnable"
}

// run runs the process's body on its coroutine, turning a panic into a
// failure of the run instead of a crash of the scheduler. A panic of the
// entropy on a draw made on the process's stack is not the process's: it
// leaves Run (see entropyPanic).
func (p *Proc) run(yield func(struct{}) bool) {
	p.yield = yield
	defer func() {
		r := recover()
		if ep, ok := r.(entropyPanic); ok {
			p.w.panicked = ep.v
			return
		}
		if r != nil && r != errKilled {
			if h := p.w.halted; h != nil {
				r = h
			}
			stack := string(debug.Stack())
			p.w.record(RecPanic, p.ep, nil, 0, nil, r)
			p.w.failure = &Result{Status: Panic, Reason: p.panicReason(r), Stack: stack}
		}
	}()
	p.body(p)
}

// resume makes p the running process. From the loop, or from a process
// dispatching events on its own stack (runInline), it switches to p's
// coroutine at once and comes back when p yields. When p is the process
// dispatching, it only notes that p goes on; when p is further up the chain
// of processes that resumed one another, still waiting for the one they
// resumed, it notes that the chain must unwind to p.
func (w *World) resume(p *Proc) {
	cur := w.current
	switch {
	case p == cur:
		w.selfResumed = true
	case p.onStack:
		w.handoff = p
	default:
		switch next := w.run(p); {
		case next == nil:
		case next == cur:
			w.selfResumed = true
		case cur == nil:
			panic("sim: internal error: " + p.ep.name + " handed over to " + next.ep.name + ", which no process below it resumed")
		default:
			w.handoff = next
		}
	}
}

// run resumes p until it yields and returns the process it handed over
// to, if any: one further up the chain of resumes.
func (w *World) run(p *Proc) *Proc {
	if p.co == nil {
		p.co = w.takeCoroutine(p)
		p.co.proc = p
		if p.rt.id == 0 {
			w.record(RecSpawn, p.ep, nil, 0, nil, nil)
		}
	}
	resumer := w.current
	w.current = p
	p.op, p.running, p.onStack = opNone, true, true
	_, alive := p.co.next()
	p.running, p.onStack = false, false
	w.current = resumer
	if v := w.panicked; v != nil && resumer == nil {
		w.panicked = nil
		panic(v)
	}
	if !alive || p.co.proc == nil {
		p.done = true
		if p.rt.id != 0 {
			w.goExited(p, alive)
			return nil
		}
		w.live--
		w.record(RecExit, p.ep, nil, 0, nil, nil)
		if alive {
			w.pool.giveCoroutine(p.co)
		}
		return nil
	}
	if w.yieldAtOnce {
		w.blocked(p)
		return nil
	}
	next := w.handoff
	w.handoff = nil
	return next
}

// blocked carries out what a process asked for as it blocked.
func (w *World) blocked(p *Proc) {
	switch p.op {
	case opSleep:
		w.record(RecSleep, p.ep, nil, 0, nil, nil)
		w.schedule(w.now+p.sleep, evWake, p, p.waitID, 0, nil, nil)
	case opCall:
		w.send(p)
	}
}

// kill unwinds a process that has not finished, so its coroutine ends.
func (p *Proc) kill() {
	if p.co != nil && !p.done {
		p.done = true
		p.co.stop()
	}
}

// coroutine runs processes' bodies: one, or one after another when pooled.
type coroutine struct {
	next   func() (struct{}, bool)
	stop   func()
	proc   *Proc // the process it runs; nil once that returned
	pooled bool
}

func (c *coroutine) loop(yield func(struct{}) bool) {
	for {
		c.proc.run(yield)
		c.proc = nil
		if !c.pooled || !yield(struct{}{}) {
			return
		}
	}
}
