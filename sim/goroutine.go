package sim

import (
	"fmt"
	"iter"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"time"
)

// goroutine is what a Proc needs to run ordinary concurrent Go: to be a
// goroutine (Go), to block on the runtime's channels, selects, locks and
// timers, and to be named in reports. A process made by Spawn has one
// too, with id 0.
type goroutine struct {
	id      uint64 // from 1 for goroutines; 0 for a process made by Spawn
	dirty   bool   // it did something others can see since the scheduler last chose it
	holds   int    // locks it holds (a Mutex, an RWMutex to write or to read), for the deschedule fault
	crashed bool   // its machine crashed: it never runs again
	what    string // what it is blocked in (op opPark)
	on      any    // the primitive it waits on, for reports

	f       func()     // the goroutine's function, until it returns
	label   string     // what it runs, when told: a handler's method, GoNamed's label
	name    string     // its name, once asked for
	mach    *Machine   // the machine it belongs to; nil for a process's goroutines
	live    int        // its index in the world's live goroutines
	created [3]uintptr // where its go statement is, as runtime.Callers says (zero for a handler's): the caller of Go and two frames up, enough to pass the lab's wrapper (each frame costs a walk of the stack at every go statement)
	stack   []uintptr
	sel     selectState
	cond    condWaiter
	// serving is, for a goroutine that handles a request on a machine,
	// the request, until it replies: a crash of the machine loses it.
	serving *event
}

// runtimeState is the world's part of the goroutine runtime.
type runtimeState struct {
	used     bool // goroutines, channels, locks, timers or machines were used: reports say more
	gids     uint64
	live     []*Proc // live goroutines, in no particular order
	crashed  []*Proc // goroutines of crashed machines, parked until the end of the run
	idle     []*coroutine
	building *Machine // the machine whose constructor is running
	capture  *Proc    // the goroutine asked to note where it waits
	ending   bool     // the run is over: goroutines are being unwound
	hidden   []string // function name prefixes of a runtime over this one (HideFrames)
	lost     []int32  // scratch for a crash's in-flight messages
	// forced is the slot of the event a yield point took out of the
	// queue for the next step to run (hasForced).
	forced    int32
	hasForced bool
	// createdAt is where the goroutines of each function were made, by
	// the function's code (noteCreated).
	createdAt map[uintptr][3]uintptr
}

// Go starts f as a new goroutine, as a go statement does. It belongs to
// the machine of the goroutine or process that starts it (the machine whose
// constructor is running, during NewMachine and Restart; the server's,
// from a handler that runs at once) and makes its calls from that
// endpoint. It first runs at the current virtual instant, after its
// starter reaches a scheduling point.
//
// A go statement's arguments are evaluated where it stands: a rewriter
// maps go f(x, y) onto a, b := x, y; w.Go(func() { f(a, b) }).
func (w *World) Go(f func()) { w.goLabeled("", f) }

// GoNamed is Go with a label that reports and traces show beside the
// goroutine's name.
func (w *World) GoNamed(label string, f func()) { w.goLabeled(label, f) }

func (w *World) goLabeled(label string, f func()) {
	ep, m := w.owner("Go")
	p := w.spawnG(label, ep, m, f)
	w.noteCreated(&p.rt.created, f, 4)
}

// noteCreated fills created with where the go statement that starts a
// goroutine of f stands: runtime.Callers from skip (0 being Callers, 1
// noteCreated). The runtime is asked once per run and function, by its
// code, a closure's being its go statement's (a walk of the stack at
// every go statement was a twentieth of a Raft run's time); a function
// started by go statements in two places is reported made at the first.
func (w *World) noteCreated(created *[3]uintptr, f func(), skip int) {
	code := reflect.ValueOf(f).Pointer()
	if pcs, ok := w.rt.createdAt[code]; ok {
		*created = pcs
		return
	}
	runtime.Callers(skip, created[:])
	if w.rt.createdAt == nil {
		w.rt.createdAt = make(map[uintptr][3]uintptr)
	}
	w.rt.createdAt[code] = *created
}

// owner is the endpoint and machine that a goroutine or timer made now
// belongs to.
func (w *World) owner(what string) (*endpoint, *Machine) {
	if m := w.rt.building; m != nil {
		return m.srv.ep, m
	}
	if p := w.running(); p != nil {
		return p.ep, p.rt.mach
	}
	if h := w.handling; h != nil {
		return h.server, h.server.srv.mach
	}
	panic("sim: " + what + " outside a goroutine, a process, a handler or a machine's constructor: it has nowhere to run")
}

// spawnG makes a goroutine that runs f on ep, part of machine m.
func (w *World) spawnG(label string, ep *endpoint, m *Machine, f func()) *Proc {
	w.rt.used = true
	w.rt.gids++
	p := &Proc{w: w, ep: ep, body: runGoroutine}
	p.rt.id, p.rt.f, p.rt.label, p.rt.mach = w.rt.gids, f, label, m
	p.rt.live = len(w.rt.live)
	w.rt.live = append(w.rt.live, p)
	w.recordG(RecGo, p, 0, label)
	w.schedule(w.runsAt(p), evStart, p, 0, 0, nil, nil)
	markDirty(w.running())
	return p
}

func runGoroutine(p *Proc) { p.rt.f() }

// Running is the goroutine or process running now, nil outside any (on
// the scheduler: a handler that runs at once, a callback of At). A
// goroutine makes its calls through it: w.Running().Call(...).
func (w *World) Running() *Proc { return w.running() }

// AnyRunning calls and sleeps for whichever goroutine or process of W
// runs (an rpc Caller and Sleeper): code given it may call from
// goroutines of its own, as a course folder's clerk does.
type AnyRunning struct{ W *World }

func (r AnyRunning) Call(server, method string, args, reply any) bool {
	return r.W.Running().Call(server, method, args, reply)
}

func (r AnyRunning) Sleep(d time.Duration) { r.W.Clock().Sleep(d) }

func (w *World) running() *Proc {
	if w.rt.ending {
		panic(errKilled)
	}
	if p := w.current; p != nil && p.running {
		return p
	}
	return nil
}

// held counts a lock p took (delta 1) or let go (-1); a lock let go by
// another goroutine than the one that took it may leave a count off by
// one, never below zero.
func (p *Proc) held(delta int) {
	if p != nil {
		p.rt.holds = max(0, p.rt.holds+delta)
	}
}

func markDirty(p *Proc) {
	if p != nil {
		p.rt.dirty = true
	}
}

// yieldPoint is where a goroutine about to act on a channel, lock or
// timer lets whatever else is due at this instant go first, the entropy
// choosing among them as among any events due together: so every order
// of two goroutines' operations at one instant can happen. It yields only
// if the goroutine did something since the scheduler last chose it (else
// that choice already covered this one) and something else is due now;
// under the deschedule fault it may instead stop for a while.
func (w *World) yieldPoint(p *Proc) {
	if p != nil && p.rt.dirty && !w.descheduled(p) {
		w.mayYield(p)
	}
}

func (w *World) mayYield(p *Proc) {
	p.rt.dirty = false
	if w.rt.building != nil || !w.dueNow() {
		return
	}
	p.waitID++
	p.op, p.rt.what = opPark, "yield"
	if w.opts.Trace { // the tie that follows is what the hash keeps
		w.traceG(RecYield, p, "")
	}
	w.seq++
	if w.steps >= w.opts.MaxSteps { // the loop's next step says so
		w.queueReady(p)
		p.park()
		return
	}
	// The scheduler's next choice, made here as its next step would make
	// it: a tie between the events due now and p. If it picks p, p goes
	// on at once, the step counted. A Chooser sees each event (Draw.Due),
	// so p's is queued first; plain entropy draws the same from n alone,
	// and p's is queued only if another goes first.
	q := &w.queue
	if w.chooser != nil {
		slot := w.queueReady(p)
		if next := w.next(); next != slot {
			w.rt.forced, w.rt.hasForced = next, true // the next step runs it
			p.park()
			return
		}
		q.release(slot)
	} else {
		if len(q.run) == 0 {
			q.gather()
		}
		if len(q.run) > 1 {
			q.compact()
		}
		if pick := w.tie(len(q.run) + 1); pick < len(q.run) {
			w.rt.forced, w.rt.hasForced = q.take(pick), true
			w.queueReady(p)
			p.park()
			return
		}
	}
	w.steps++
	if w.steps%yieldEvery == 0 {
		runtime.Gosched()
	}
	p.op = opNone
}

// queueReady queues p's going on at the current instant, with the
// sequence number its yield reserved, and returns its slot.
func (w *World) queueReady(p *Proc) int32 {
	slot, e := w.queue.push(w.now, w.seq)
	e.set(evReady, p, p.waitID, 0, nil, nil)
	return slot
}

// dueNow reports whether an event is due at the current instant.
func (w *World) dueNow() bool {
	q := &w.queue
	q.dropCancelled()
	if len(q.run) > 0 {
		return q.run[0].at == w.now
	}
	return len(q.heap) > 0 && q.heap[0].at == w.now
}

// mustBlock returns p, which is about to block in what, or panics when
// there is no goroutine to block.
func (w *World) mustBlock(p *Proc, what string, on any) *Proc {
	if p != nil && w.rt.building == nil {
		return p
	}
	where := "outside any goroutine"
	switch {
	case w.rt.building != nil:
		where = "in the constructor of machine " + w.rt.building.Name() + ", which must not block"
	case w.handling != nil:
		where = "in handler " + w.handling.name + " of server " + w.handling.server.name + ", which runs at once (a server on a machine runs each request as a goroutine that may block)"
	}
	msg := fmt.Sprintf("sim: %s would block %s", what, where)
	if h := holderOf(on); h != "" {
		msg += "; " + h
	}
	panic(msg)
}

// beginPark starts a blocking operation of p (what, on what primitive)
// and returns its wait id, for whoever ends it to pass to ready.
func (p *Proc) beginPark(what string, on any) uint64 {
	p.w.rt.used = true
	p.waitID++
	p.op, p.rt.what, p.rt.on = opPark, what, on
	p.w.recordG(RecPark, p, 0, what)
	return p.waitID
}

// park blocks p until ready(p, id) for the id of its last beginPark.
// What it waited on stays in p.rt.on, read only while it is parked.
func (p *Proc) park() { p.wait() }

// ready makes p, blocked in the operation with wait id id, runnable at the
// current instant (later, under the preempt fault).
func (w *World) ready(p *Proc, id uint64) {
	if w.opts.Trace { // the choices and waits around it are what the hash keeps
		w.traceG(RecReady, p, "")
	}
	w.schedule(w.runsAt(p), evReady, p, id, 0, nil, nil)
}

// handOff makes p runnable at the current instant, never later: the
// running goroutine gives p its time slice, as Go's runtime does for a
// lock handed over (runtime_Semrelease with handoff), so the preempt
// fault does not apply.
func (w *World) handOff(p *Proc, id uint64) {
	if w.opts.Trace {
		w.traceG(RecReady, p, "")
	}
	w.schedule(w.now, evReady, p, id, 0, nil, nil)
}

func (w *World) dispatchReady(e *event) {
	if e.proc.waiting(e.wait) {
		w.resume(e.proc)
	}
}

// stopHere parks the running goroutine of a machine that crashed for
// good: it never runs again, and is unwound when the run ends.
func (p *Proc) stopHere() {
	p.op, p.rt.what = opPark, "crashed"
	p.wait()
	panic("sim: internal error: a crashed goroutine ran again")
}

// blockForever parks the running goroutine for good, as a nil channel's
// send or receive does.
func (w *World) blockForever(what string) {
	p := w.mustBlock(w.running(), what, nil)
	p.beginPark(what, nil)
	p.park()
	panic("sim: internal error: a goroutine blocked forever ran again")
}

// recordG folds an event of goroutine p (nil for none) into the hash: the
// kind and the time, then p's endpoint and id mixed with arg; with p's
// name and text when tracing.
func (w *World) recordG(kind RecordKind, p *Proc, arg uint64, text string) {
	w.stats.counts[kind]++
	who := arg * 0x9e3779b97f4a7c15
	if p != nil {
		who ^= uint64(p.ep.idx)<<32 | p.rt.id&0xffffffff
	}
	what := recordCodes[kind] ^ uint64(w.now)
	if w.opts.OnFold == nil {
		h := w.hash // in a register across the two folds
		h.add(what)
		h.add(who)
		w.hash = h
	} else {
		w.fold(kind, what)
		w.fold(kind, who)
	}
	if w.opts.Trace {
		w.traceG(kind, p, text)
	}
}

func (w *World) traceG(kind RecordKind, p *Proc, text string) {
	r := Record{At: w.now, Kind: kind, Text: text}
	if p != nil {
		r.Proc = p.gname()
	}
	w.records = append(w.records, r)
}

// gname is p's name: a process's endpoint name, or for a goroutine its
// owner's and its number, as n1/g7.
func (p *Proc) gname() string {
	if p.rt.id == 0 {
		return p.ep.name
	}
	if p.rt.name == "" {
		p.rt.name = fmt.Sprintf("%s/g%d", p.ep.name, p.rt.id)
	}
	return p.rt.name
}

// takeCoroutine is a coroutine for p: a process's from the pool, or its
// own; a goroutine's from the pool, or else from the world's idle ones.
func (w *World) takeCoroutine(p *Proc) *coroutine {
	if p.rt.id == 0 || w.pool != nil {
		return w.pool.takeCoroutine(&p.ownCo)
	}
	if n := len(w.rt.idle); n > 0 {
		c := w.rt.idle[n-1]
		w.rt.idle = w.rt.idle[:n-1]
		return c
	}
	c := &coroutine{pooled: true}
	c.next, c.stop = iter.Pull(c.loop)
	return c
}

// goExited accounts for a goroutine that returned: its coroutine, alive,
// goes back for the next goroutine.
func (w *World) goExited(p *Proc, alive bool) {
	w.dropLive(p)
	p.rt.f = nil
	w.recordG(RecGoExit, p, 0, "")
	if !alive {
		return
	}
	if w.pool != nil {
		w.pool.giveCoroutine(p.co)
	} else {
		w.rt.idle = append(w.rt.idle, p.co)
	}
}

func (w *World) dropLive(p *Proc) {
	live := w.rt.live
	i, last := p.rt.live, len(live)-1
	live[i] = live[last]
	live[i].rt.live = i
	live[last] = nil
	w.rt.live = live[:last]
	p.rt.live = -1
}

// killGoroutines unwinds every goroutine that has not returned and ends
// the idle coroutines, as the run ends. Whatever their deferred calls do
// through the runtime panics at once, so they change nothing.
func (w *World) killGoroutines() {
	w.rt.ending = true
	for _, list := range [][]*Proc{w.rt.live, w.rt.crashed} {
		for _, p := range list {
			p.kill()
		}
	}
	for _, c := range w.rt.idle {
		c.stop()
	}
	w.rt.live, w.rt.crashed, w.rt.idle = nil, nil, nil
	// Code that runs after the run (a scenario's final read through a
	// server's handler) is code outside any goroutine again.
	w.rt.ending = false
}

// GoroutineInfo describes a goroutine or process for a report: a
// deadlock, a leak.
type GoroutineInfo struct {
	Name    string // n1/g7 for a goroutine, a process's endpoint name
	Label   string // what it runs, when known: a handler's method, GoNamed's label
	Func    string // its function (a closure's name says little: Created says where it was made)
	State   string // what it is doing: blocked in chan receive, sleeping, runnable, ...
	At      string // file:line where it waits
	Created string // file:line of its go statement
	Holder  string // for one waiting on a lock: who holds it
}

func (g GoroutineInfo) String() string {
	var b strings.Builder
	b.WriteString(g.Name)
	if g.Label != "" {
		fmt.Fprintf(&b, " (%s)", g.Label)
	}
	if g.State != "" {
		b.WriteString(" " + g.State)
	}
	if g.At != "" {
		b.WriteString(" at " + g.At)
	}
	if g.Holder != "" {
		b.WriteString(", " + g.Holder)
	}
	if g.Created != "" {
		b.WriteString(", created at " + g.Created)
	}
	return b.String()
}

// info describes p, asking it where it waits.
func (w *World) info(p *Proc) GoroutineInfo {
	g := GoroutineInfo{Name: p.gname(), Label: p.rt.label, State: p.stateG(), At: w.whereIs(p)}
	if p.op == opPark {
		g.Holder = holderOf(p.rt.on)
	}
	if p.rt.f != nil {
		g.Func = funcName(reflect.ValueOf(p.rt.f).Pointer())
	}
	g.Created = w.userFrame(p.rt.created[:])
	return g
}

func (p *Proc) stateG() string {
	switch {
	case p.co == nil:
		return "not started"
	case p.op == opPark && p.rt.what == "yield":
		return "runnable"
	case p.op == opPark:
		return "blocked in " + p.rt.what
	case p.op == opCall:
		return "in Call " + p.call.serverID + " " + p.call.method
	case p.op == opSleep:
		return "sleeping"
	}
	return "runnable"
}

// whereIs resumes p, parked, just long enough for it to note where it
// waits, and returns that place in the program (outside the simulator).
func (w *World) whereIs(p *Proc) string {
	if p.co == nil || p.done || p.onStack {
		return ""
	}
	w.rt.capture = p
	p.co.next()
	w.rt.capture = nil
	at := w.userFrame(p.rt.stack)
	p.rt.stack = nil
	return at
}

// noteStack is what a parked p does when whereIs resumes it.
func (p *Proc) noteStack() {
	pcs := make([]uintptr, 64)
	p.rt.stack = pcs[:runtime.Callers(2, pcs)]
}

// simDir is the directory of this package's source, to tell the
// simulator's frames from the program's.
var simDir = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}()

func (w *World) internalFrame(f runtime.Frame) bool {
	if strings.HasPrefix(f.Function, "runtime.") || strings.HasPrefix(f.Function, "iter.") {
		return true
	}
	for _, prefix := range w.rt.hidden {
		if strings.HasPrefix(f.Function, prefix) {
			return true
		}
	}
	return filepath.Dir(f.File) == simDir && !strings.HasSuffix(f.File, "_test.go")
}

// HideFrames says that functions whose names start with one of prefixes
// are a runtime layered over this package's (a source rewriter's, whose
// wrappers the program calls for go statements, locks and sleeps), not the
// program: where a goroutine waits, panicked or was made is the first
// frame outside them and outside this package.
func (w *World) HideFrames(prefixes ...string) { w.rt.hidden = prefixes }

// userFrame is file:line of the first frame of pcs in the program under
// simulation.
func (w *World) userFrame(pcs []uintptr) string {
	if len(pcs) == 0 {
		return ""
	}
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if f.File != "" && !w.internalFrame(f) {
			return fmt.Sprintf("%s:%d", filepath.Base(f.File), f.Line)
		}
		if !more {
			return ""
		}
	}
}

func funcName(pc uintptr) string {
	if f := runtime.FuncForPC(pc); f != nil {
		name := f.Name()
		if i := strings.LastIndex(name, "/"); i >= 0 {
			name = name[i+1:]
		}
		return name
	}
	return ""
}

// labelled is p's name and, if it has one, its label.
func (p *Proc) labelled() string {
	if p.rt.label != "" {
		return p.gname() + " (" + p.rt.label + ")"
	}
	return p.gname()
}

// panicReason is the Reason of a run that p's panic r ends.
func (p *Proc) panicReason(r any) string {
	if p.rt.id == 0 {
		return fmt.Sprintf("process %s panicked: %v", p.ep.name, r)
	}
	pcs := make([]uintptr, 64)
	at := p.w.userFrame(pcs[:runtime.Callers(3, pcs)])
	if at != "" {
		at = " at " + at
	}
	label := ""
	if p.rt.label != "" {
		label = " (" + p.rt.label + ")"
	}
	return fmt.Sprintf("goroutine %s%s panicked: %v%s", p.gname(), label, r, at)
}

// maxListed bounds how many goroutines a report lists.
const maxListed = 32

// explain adds to a stuck run's reason every blocked goroutine and
// process, where it waits and who holds what it waits for, when the run
// used the goroutine runtime.
func (w *World) explain(reason string) string {
	if !w.rt.used {
		return reason
	}
	var b strings.Builder
	b.WriteString(reason)
	n := 0
	list := func(p *Proc) {
		if n++; n <= maxListed {
			b.WriteString("\n\t" + w.info(p).String())
		}
	}
	for _, p := range w.procs {
		if !p.done {
			list(p)
		}
	}
	for _, p := range w.sortedLive() {
		list(p)
	}
	if n > maxListed {
		fmt.Fprintf(&b, "\n\tand %d more", n-maxListed)
	}
	return b.String()
}

// sortedLive is the live goroutines in the order they were made.
func (w *World) sortedLive() []*Proc {
	live := append([]*Proc(nil), w.rt.live...)
	for i := 1; i < len(live); i++ { // few, mostly in order already
		for j := i; j > 0 && live[j].rt.id < live[j-1].rt.id; j-- {
			live[j], live[j-1] = live[j-1], live[j]
		}
	}
	return live
}

// leaks fills in r's Leaked goroutines, those still alive when the last
// process returned, and fails the run for them if asked to.
func (w *World) leaks(r *Result) {
	if len(w.rt.live) == 0 || r.Status != Done || w.opts.IgnoreLeaks && !w.opts.FailOnLeak {
		return
	}
	for _, p := range w.sortedLive() {
		r.Leaked = append(r.Leaked, w.info(p))
	}
	if w.opts.FailOnLeak {
		var b strings.Builder
		fmt.Fprintf(&b, "goroutine leak: %d goroutines still alive when the last process returned:", len(r.Leaked))
		for i, g := range r.Leaked {
			if i == maxListed {
				fmt.Fprintf(&b, "\n\tand %d more", len(r.Leaked)-maxListed)
				break
			}
			b.WriteString("\n\t" + g.String())
		}
		r.Status, r.Reason = Stuck, b.String()
	}
}

// The goroutine runtime's record kinds and decision, registered beside the
// built-in ones.
var (
	RecGo     = newRecordKind("go", Drawing{})      // a goroutine was made (Text: its label)
	RecGoExit = newRecordKind("go-exit", Drawing{}) // a goroutine returned
	RecPark   = newRecordKind("park", Drawing{})    // a goroutine blocked (Text: in what)
	RecReady  = newRecordKind("ready", Drawing{})   // another's operation ended a goroutine's wait (traced, not hashed)
	RecYield  = newRecordKind("yield", Drawing{})   // a goroutine let what else is due at the instant go first (traced, not hashed: the tie after it is)
	RecSelect = newRecordKind("select", Drawing{})  // a select went on with a case (Text: which, of how many ready)
	RecTimer  = newRecordKind("timer", Drawing{})   // a Timer or Ticker fired
	RecCrash  = newRecordKind("crash", Drawing{})   // a machine crashed
	RecStart  = newRecordKind("start", Drawing{})   // a machine started or restarted

	// DecideSelect picks which of a select's ready cases proceeds: a tie
	// between the cases (Draw.Due has one entry per ready case, the
	// goroutine on its other side, if any).
	DecideSelect = newDecision("select", ClassTie)
	streamSelect = newStream("select")
)
