package sim

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"time"
)

// Options configure a World. The zero value is a reliable network with the
// default latency, timeouts and budgets.
type Options struct {
	// Entropy overrides the PRNG seeded by New's seed (for fuzzing and rapid).
	Entropy Entropy
	// Faults is the fault model of the run.
	Faults Faults
	// CallTimeout is how long Call waits for a reply, in virtual time.
	// Zero means 100ms.
	CallTimeout time.Duration
	// MaxSteps bounds the number of events a run may process. Zero means 10M.
	MaxSteps int
	// MaxTime bounds the virtual time a run may reach. Zero means one hour.
	MaxTime time.Duration
	// Trace keeps a readable record of every event (Records); the hash is
	// kept either way.
	Trace bool
	// Nemesis, if set, aims faults at particular messages while faults are
	// on.
	Nemesis Nemesis
	// OnFold, if set, sees every word folded into the trace hash, to find
	// where two runs that should be equal diverge (FoldLog, FirstDifference).
	OnFold func(Fold)
	// FailOnLeak makes goroutines still alive when the last process
	// returns (Result.Leaked) a failure of the run (Stuck).
	FailOnLeak bool
	// IgnoreLeaks leaves Result.Leaked empty, for a caller that does not
	// look at it: asking each goroutine still alive where it waits is the
	// end of a run's dearest part when servers keep hundreds (a Raft's
	// calls to cut-off peers). FailOnLeak overrides it.
	IgnoreLeaks bool
}

// yieldEvery is how many events the scheduler runs between visits to the
// Go scheduler. Coroutine switches never enter it, so without these visits
// a collection in progress waits for the next preemption (10ms) to finish
// marking, and every pointer store pays a write barrier meanwhile. A visit
// costs a few microseconds when another P is idle (it wakes a thread), so
// they are spaced about a millisecond apart; a campaign's worker also
// visits between runs.
const yieldEvery = 16384

const (
	defaultCallTimeout = 100 * time.Millisecond
	defaultMaxSteps    = 10_000_000
	defaultMaxTime     = time.Hour
)

// Status is how a run ended.
type Status uint8

const (
	// Done: every process returned.
	Done Status = iota
	// Stuck: the step or time budget ran out, or every live process is
	// blocked with nothing left to wake it.
	Stuck
	// Panic: a process or a server handler panicked.
	Panic
)

func (s Status) String() string {
	switch s {
	case Done:
		return "done"
	case Stuck:
		return "stuck"
	case Panic:
		return "panic"
	}
	return fmt.Sprintf("Status(%d)", s)
}

// Stats counts what happened on the network during a run. The named
// fields are the common counts; Count gives any record kind's, every fault
// kind included.
type Stats struct {
	Calls      int // Call invocations
	Delivered  int // requests handed to a handler (duplicates included)
	DroppedReq int // requests dropped by the network
	DroppedRep int // replies dropped by the network
	Duplicated int // extra copies of requests sent
	Lost       int // messages lost to a partition
	Held       int // requests that waited for a paused server
	Replies    int // replies that reached their waiting caller
	Late       int // replies that arrived after their call ended
	Timeouts   int // calls that returned false
	Reordered  int // requests delivered after one sent strictly later
	Ties       int // instants at which several events were due
	Partitions int // cuts, one-way cuts and isolations, scripted or by the fault schedule
	Pauses     int // server pauses, scripted or by the fault schedule

	counts [maxRecordKinds]int
}

// Count is how many records of kind k the run made (traced or not).
func (s *Stats) Count(k RecordKind) int {
	if int(k) >= len(s.counts) {
		return 0
	}
	return s.counts[k]
}

func (s *Stats) fillNamed() {
	c := &s.counts
	s.Calls, s.Delivered, s.Replies, s.Late, s.Timeouts = c[RecSend], c[RecDeliver], c[RecReply], c[RecLate], c[RecTimeout]
	s.DroppedReq, s.DroppedRep, s.Duplicated = c[RecDropReq], c[RecDropReply], c[RecDup]
	s.Lost, s.Held, s.Ties, s.Partitions, s.Pauses = c[RecLost], c[RecHeld], c[RecTie], c[RecCut]+c[RecCutFrom], c[RecPause]
}

// Result is the outcome of Run.
type Result struct {
	// Seed is the seed the world was made with (it replays the run when
	// the entropy was the default PCG).
	Seed   uint64
	Status Status
	// Reason explains Stuck and Panic; Stack is the panicking goroutine's stack.
	Reason string
	Stack  string
	Steps  int
	Time   time.Duration
	// Hash is the running hash of every scheduling decision and message
	// event: equal hashes mean equal runs.
	Hash  uint64
	Stats Stats
	// Leaked lists the goroutines still alive when the last process
	// returned, with where each waits (see Options.FailOnLeak).
	Leaked []GoroutineInfo
}

// World is one simulated run. It is not safe for concurrent use; run many
// worlds in parallel instead.
type World struct {
	seed     uint64
	opts     Options
	ent      Entropy
	chooser  Chooser             // ent, when it wants to know what it decides
	streams  [maxStreams]Entropy // the world's own streams, once drawn on
	choice   Draw                // the draw being made, for chooser
	named    namedEntropy
	dueBuf   []Due
	now      time.Duration
	seq      uint64
	queue    eventQueue
	due      []int // scratch for tie-breaking
	dueArr   [8]int
	hash     traceHash
	folds    int     // words folded so far, for OnFold
	steps    int     // events dispatched so far
	handling *method // the handler running, if any
	records  []Record
	stats    Stats

	endpoints []*endpoint
	byName    map[string]*endpoint
	cuts      map[linkKey]bool
	procs     []*Proc
	live      int
	callSeq   uint64
	maxSent   time.Duration // latest send time of a request delivered so far
	faultsOn  bool
	ran       bool

	msg Message // the nemesis's view of a message, reused

	// onDeliver are the fault kinds on in this run that see requests as
	// they reach their server (FaultKind.deliver); onSend and onReply
	// those that see calls as they leave and replies as their handlers
	// return; tells, whether one of them tells callers of lost messages.
	onDeliver, onSend, onReply []*FaultKind
	tells                      bool

	failure *Result // set when a panic ends the run

	pool   *pool // the Runner's that made the world, nil for New's
	memory *pool // pool, when it lent its memory to this world
	inRun  bool  // inside Run

	stuck string // why the run cannot go on, once it cannot
	// current is the process running or dispatching events on its own stack
	// (runInline), nil on the loop. While it dispatches: whether an event
	// resumed it; or else the process up the chain of resumes an event
	// resumed; and a panic to raise on the loop's stack.
	current     *Proc
	selfResumed bool
	handoff     *Proc
	panicked    any // also a panic of the entropy (entropyPanic's value)
	halted      any // Halt's value: the run's panic, whatever unwinding raises
	// yieldAtOnce makes every process yield to the loop as it blocks, as
	// before runInline: the reference that tests hold runInline to.
	yieldAtOnce bool

	rt runtimeState // goroutines, machines (goroutine.go)
}

// RunShared says that the world is every part of the run's, not the
// memory of a server whose locks and channels point at it.
func (w *World) RunShared() {}

// New returns a world whose entropy is a PCG seeded with seed, unless
// opts.Entropy is set. A Runner makes worlds that reuse the memory of
// those it made before.
func New(seed uint64, opts Options) *World { return newWorld(seed, opts, nil) }

func newWorld(seed uint64, opts Options, p *pool) *World {
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = defaultCallTimeout
	}
	if opts.MaxSteps <= 0 {
		opts.MaxSteps = defaultMaxSteps
	}
	if opts.MaxTime <= 0 {
		opts.MaxTime = defaultMaxTime
	}
	opts.Faults = opts.Faults.withDefaults()
	ent := opts.Entropy
	if ent == nil {
		ent = NewPCG(seed)
	}
	ent = markPanics(ent)
	w := &World{
		seed: seed,
		opts: opts,
		ent:  ent,
		hash: fnvOffset,
		// Room for a typical run's endpoints, grown once rather than by
		// doubling.
		byName:    make(map[string]*endpoint, 8),
		endpoints: make([]*endpoint, 0, 8),
		procs:     make([]*Proc, 0, 8),
		pool:      p,
	}
	if q, ok := p.lend(w); ok {
		w.queue, w.memory = q, p
	}
	if w.queue.slots == nil {
		// Room for a small run's events at once (a kv-random run has 8
		// queued on average), so that the queue does not grow by doubling
		// in every world.
		w.queue = eventQueue{heap: make([]queued, 0, 16), slots: make([]event, 0, 16), free: make([]int32, 0, 16)}
	}
	w.due = w.dueArr[:0] // a tie is a few events
	w.chooser, _ = ent.(Chooser)
	w.named.w = w
	w.hookFaults()
	w.fold(0, seed)
	return w
}

// SetMaxTime changes Options.MaxTime before Run, for a workload that
// learns while it is set up how long it legitimately takes.
func (w *World) SetMaxTime(d time.Duration) {
	if d > 0 {
		w.opts.MaxTime = d
	}
}

// Now is the virtual time since the start of the run.
func (w *World) Now() time.Duration { return w.now }

// Stream is the run's stream named name (see Keyed), for drawing a
// workload before Run, and for code that decides while the world runs (a
// Nemesis, through Decide and Chance). Give each thing drawn a stream of
// its own (each client's workload, each targeted fault), so that adding
// one leaves the others' draws as they were. A process's workload should
// take choices made beforehand. When the entropy itself panics on a draw
// (rapid's data running out), the panic leaves Run with its own value,
// whoever drew (see entropyPanic): it never counts as the failure of a
// process or a handler.
func (w *World) Stream(name string) Entropy { return Stream(w.ent, name) }

// Entropy is the run's stream named "workload" (Stream).
func (w *World) Entropy() Entropy { return w.Stream("workload") }

// Records returns the readable trace (empty unless Options.Trace).
func (w *World) Records() []Record { return w.records }

// At schedules fn to run on the scheduler at virtual time t (or now, if t is
// in the past). Use it for scripted faults and scenario hooks.
func (w *World) At(t time.Duration, fn func()) {
	if t < w.now {
		t = w.now
	}
	w.schedule(t, evFunc, nil, 0, 0, nil, fn)
}

// Halt ends the run from the running goroutine, as a panic with v does,
// and v stays the run's panic whatever the goroutine's deferred calls
// raise as it unwinds (code that releases a lock around a call and
// unlocks it again in a defer panics a second time): for a checker that
// stops the run inside code it does not own.
func (w *World) Halt(v any) {
	if w.halted == nil {
		w.halted = v
	}
	panic(v)
}

// Note adds a line about process p (nil for none) to the trace and folds
// it into the hash, so that what the processes observed is part of the
// determinism check.
func (w *World) Note(p *Proc, text string) {
	ep := p.endpoint()
	w.stats.counts[RecNote]++
	w.fold(RecNote, uint64(ep.index()))
	w.foldString(text)
	if w.opts.Trace {
		w.records = append(w.records, Record{At: w.now, Kind: RecNote, Proc: ep.label(), Text: text})
	}
}

// schedule queues an event and returns it, for a request to note when it
// was sent.
func (w *World) schedule(at time.Duration, kind eventKind, p *Proc, wait, call uint64, m *method, msg any) *event {
	w.seq++
	_, e := w.queue.push(at, w.seq)
	e.set(kind, p, wait, call, m, msg)
	return e
}

// replyMark is the payload of a record about a reply that is not a reply
// kind's (a reply lost to a cut, a targeted fault on a reply): the trace
// says "reply", and Record.Reply is set.
const replyMark = "reply"

// record folds an event into the hash and, when tracing, keeps it readable.
// payload is formatted only when tracing.
func (w *World) record(kind RecordKind, proc, peer *endpoint, call uint64, m *method, payload any) {
	w.stats.counts[kind]++
	what, who := recordCodes[kind]^uint64(w.now), uint64(proc.index())<<32|uint64(peer.index())
	if w.opts.OnFold == nil {
		h := w.hash // in a register across the three folds
		h.add(what)
		h.add(who)
		h.add(call)
		w.hash = h
	} else {
		w.fold(kind, what)
		w.fold(kind, who)
		w.fold(kind, call)
	}
	if !w.opts.Trace {
		return
	}
	r := Record{At: w.now, Kind: kind, Call: call, Proc: proc.label(), Peer: peer.label()}
	if m != nil {
		r.Method = m.name
	}
	if payload != nil {
		r.Text = fmt.Sprintf("%+v", payload)
	}
	r.Reply = kind.isReply() || payload == replyMark
	w.records = append(w.records, r)
}

// Run runs the world until every process has returned, a process or handler
// panics, or the budget runs out. Processes still blocked at the end are
// unwound, so a run leaves no goroutine behind.
// A world runs once.
func (w *World) Run() Result {
	if w.ran {
		panic("sim: Run called twice on one World")
	}
	w.ran, w.inRun = true, true
	defer w.finish()
	w.startFaults()
	if reason := w.loop(); reason != "" {
		r := Result{Status: Stuck, Reason: w.explain(reason)}
		w.fill(&r)
		return r
	}
	r := Result{Status: Done}
	if w.failure != nil {
		r = *w.failure
	}
	w.leaks(&r)
	w.fill(&r)
	return r
}

// loop dispatches events until the run ends, and says why if it is stuck.
// A handler's panic unwinds the loop and becomes the run's failure:
// recovering here rather than around each handler keeps a deferred call off
// every request.
func (w *World) loop() (stuck string) {
	defer func() {
		if h := w.handling; h != nil {
			r := recover()
			if ep, ok := r.(entropyPanic); ok {
				w.handling = nil
				panic(ep) // not the handler's: Run raises its value
			}
			w.handlerPanicked(h, r)
		}
	}()
	for w.live > 0 && w.failure == nil && w.stuck == "" {
		w.step()
	}
	return w.stuck
}

// step dispatches the next event, or says in w.stuck why there is none
// to dispatch.
func (w *World) step() {
	if w.queue.len() == 0 {
		w.stuck = fmt.Sprintf("deadlock: %d processes blocked with nothing to wake them: %s", w.live, w.blockedNames())
		return
	}
	if w.steps >= w.opts.MaxSteps {
		w.stuck = fmt.Sprintf("no progress: step budget of %d events used up with %d processes still running: %s", w.opts.MaxSteps, w.live, w.blockedNames())
		return
	}
	slot := w.next()
	e := &w.queue.slots[slot] // stays valid while the slots grow: the old array is only read
	if e.at > w.opts.MaxTime {
		w.stuck = fmt.Sprintf("no progress: virtual time budget %v passed with %d processes still running: %s", w.opts.MaxTime, w.live, w.blockedNames())
		return
	}
	w.steps++
	if w.steps%yieldEvery == 0 {
		runtime.Gosched()
	}
	w.now = e.at
	w.dispatch(e)
	w.queue.release(slot)
}

// handlerPanicked makes a handler's panic the run's failure.
func (w *World) handlerPanicked(h *method, r any) {
	w.handling = nil
	w.record(RecPanic, nil, h.server, 0, h, r)
	w.failure = &Result{
		Status: Panic,
		Reason: fmt.Sprintf("server %s: handler %s panicked: %v", h.server.name, h.name, r),
		Stack:  string(debug.Stack()),
	}
}

// runInline carries out what p asked for as it blocked, then dispatches
// events on p's own stack until the run ends or an event resumes a process.
// When that process is p, runInline reports so and p goes on at once,
// without a coroutine switch. A process that is not running is switched to
// from here, and p dispatches on when it yields (resume). A process further
// up the chain of resumes is handed over to: p yields to whoever resumed
// it, and so on up to that process. The events and records are the same, in
// the same order, as if every process yielded to the loop at once.
//
// A panic raised here belongs to the scheduler, not to p: a handler's
// becomes the run's failure, as in loop, and any other is raised again on
// the loop's stack, so that no deferred call of a process's code sees it.
// It keeps its value, which an entropy's own panics need: rapid tells a
// draw past its data from a failure by the panic's type.
func (w *World) runInline(p *Proc) (self bool) {
	defer func() {
		if r := recover(); r != nil {
			if ep, ok := r.(entropyPanic); ok {
				w.handling, w.panicked = nil, ep.v // whoever drew, not a handler's
			} else if h := w.handling; h != nil {
				w.handlerPanicked(h, r)
			} else {
				w.panicked = r
			}
		}
	}()
	w.blocked(p)
	for w.live > 0 && w.failure == nil && w.stuck == "" && w.handoff == nil && w.panicked == nil && !w.selfResumed {
		w.step() // a goroutine may dispatch after the last process returned: the run is over then
	}
	self, w.selfResumed = w.selfResumed, false
	return self
}

func (w *World) fill(r *Result) {
	r.Seed = w.seed
	r.Steps = w.steps
	r.Time = w.now
	r.Hash = uint64(w.hash)
	r.Stats = w.stats
	r.Stats.fillNamed()
}

// next takes the earliest event out of the queue and returns its slot. When several are due at the same instant,
// the entropy picks one (0 is the earliest scheduled), so tie order is
// explored rather than fixed.
func (w *World) next() int32 {
	if w.rt.hasForced { // a yield point made this step's choice (yieldPoint)
		w.rt.hasForced = false
		return w.rt.forced
	}
	q := &w.queue
	q.dropCancelled()
	if len(q.run) == 0 {
		// One event at the heap's earliest instant, as mostly: it runs
		// straight from the heap, without a stay in the run. The root's
		// children hold the next earliest.
		if n := len(q.heap); n == 1 || q.heap[1].at != q.heap[0].at && (n == 2 || q.heap[2].at != q.heap[0].at) {
			return q.unlink(0)
		}
		q.gather()
	}
	if len(q.run) > 1 {
		q.compact()
	}
	if len(q.run) == 1 {
		return q.take(0)
	}
	return q.take(w.tie(len(q.run)))
}

// tie draws which of n events due at once goes first, the first n of the
// run (but for a yield point, whose last is the yielding goroutine's, not
// queued yet), and records the tie.
func (w *World) tie(n int) int {
	if n <= len(runPositions) {
		w.due = runPositions[:n]
	} else {
		w.due = make([]int, n)
		for i := range w.due {
			w.due[i] = i
		}
	}
	pick := w.pickTie(w.due)
	w.record(RecTie, nil, nil, 0, nil, nil)
	w.fold(RecTie, uint64(n)<<32|uint64(pick))
	if w.opts.Trace {
		w.records[len(w.records)-1].Text = fmt.Sprintf("picked %d of %d due", pick, n)
	}
	return pick
}

func (w *World) dispatch(e *event) {
	switch e.kind {
	case evStart:
		w.resume(e.proc)
	case evWake:
		if e.proc.waiting(e.wait) {
			w.record(RecWake, e.proc.ep, nil, 0, nil, nil)
			w.resume(e.proc)
		}
	case evTimeout:
		p := e.proc
		if p.waiting(e.wait) {
			w.record(RecTimeout, p.ep, p.call.server, e.call, p.call.m, nil)
			p.call.ok = false
			w.resume(p)
		}
	case evRequest:
		w.deliverRequest(e)
	case evReply:
		w.deliverReply(e)
	case evFunc:
		e.msg.(func())()
	case evReady:
		w.dispatchReady(e)
	case evTimer:
		w.fireTimer(e.msg.(*Timer))
	case evWorld:
		w.act(worldAction(e.call), e.msg)
	case evSlowDone:
		w.serviceDone(e)
	}
}

func (w *World) blockedNames() string {
	var names []string
	for _, p := range w.procs {
		if !p.done {
			names = append(names, p.ep.name+" ("+p.state()+")")
		}
	}
	const most = 8
	if len(names) > most {
		names = append(names[:most], fmt.Sprintf("and %d more", len(names)-most))
	}
	return fmt.Sprint(names)
}

// finish ends Run: it unwinds the processes still blocked, and raises a
// panic of the entropy's with the entropy's own value.
func (w *World) finish() {
	w.inRun = false
	w.killAll()
	if r := recover(); r != nil {
		if ep, ok := r.(entropyPanic); ok {
			panic(ep.v)
		}
		panic(r)
	}
}

func (w *World) killAll() {
	for _, p := range w.procs {
		p.kill()
	}
	w.killGoroutines()
}
