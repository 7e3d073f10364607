// Package sim is a deterministic, single-threaded simulator for testing
// distributed programs written in ordinary blocking style.
//
// A World owns a virtual clock, an event queue ordered by (time, sequence
// number), a fake network of named endpoints and the run's Entropy. Client
// code runs in processes (Spawn): coroutines that the scheduler resumes one
// at a time and that yield only inside simulator calls (Proc.Call,
// Proc.Sleep). A process that blocks dispatches events itself, on its own
// stack, until one resumes a process: itself, which then goes on without a
// coroutine switch; another, which it switches to directly; or one up the
// chain of processes that resumed one another, to which the chain unwinds.
// The events run in the same order as if every process yielded to one
// scheduler loop. A caller that runs worlds one after another makes them
// on a Runner, so that a process does not pay for starting a coroutine nor
// a short run for allocating its event queue and requests. Servers are
// passive endpoints whose handlers (Handle) run
// when a request is delivered. Every random choice (message delay, drop,
// duplicate, partition, pause, and the order of events that fall on the same
// virtual instant) is drawn from the Entropy, on the scheduler's goroutine,
// so a run is a pure function of its entropy and options: the same seed gives
// the same trace and the same trace hash on every machine.
//
// Entropy has three backends: a seeded PRNG for campaigns and replay
// (NewPCG), fuzzer bytes for go test -fuzz (NewBytes), and rapid's *rapid.T
// for shrinking (package simrapid). Draws are keyed by name: the seeded
// PRNG is Keyed, a stream of its own per name (the ties', each fault
// kind's, swarm's draw of each kind, each client's workload: World.Stream),
// so that adding a fault, a draw or a client leaves every other stream of
// every seed as it was; fuzzer bytes, rapid and replays keep one recorded
// stream. Every draw the world makes names what it decides (Decision) and
// its stream (Draw.Stream); entropy that implements Chooser is told, so
// that exploration strategies (package sim/explore) can treat a tie
// differently from a dropped message. Faults are set per run in Faults; their zero
// value is a reliable network.
//
// Partitions are scripted too: Cut and Heal a link, Isolate and Rejoin
// an endpoint, and CutFrom and HealFrom one direction of a link (a
// one-way cut: a call's handler runs and its reply is lost, as a
// half-broken link does).
//
// The package knows nothing of what the processes do: it moves opaque
// messages between endpoints as net/rpc with gob would, so that no two
// endpoints ever share memory and a reply leaves the fields it does not
// send (its zero fields) as the caller's struct had them.
//
// Each kind of fault is one registered value (FaultKind): its name, its
// setting and the setting's text, its swarm draw, the decisions it asks a
// Chooser (of a DecisionClass, which is all a strategy needs to know), and
// the record kinds it emits, each of which says how a report draws it
// (RecordKind.Drawing: a point, a message's fate, a span). Faults.String,
// SwarmFaults, Decision names and a report's layout follow from the
// registry; each record kind is also its Stats counter (Stats.Count).
// Besides kvsim's own faults, CourseNet and CourseReorder are the network
// of the course's labs (labrpc), numbers and all: a network that tells a
// caller at once that its message was lost, where calls have no timeout
// and a call to a cut-off endpoint fails after a long drawn delay.
// Every tie-break is a trace record, and
// Options.OnFold sees every word of the trace hash, so FirstDifference can
// find where two runs part.
//
// # Ordinary concurrent Go
//
// Code written with goroutines, channels, select, sync and time runs under
// the simulator as deterministically as processes do. A goroutine
// (World.Go) is a coroutine of the scheduler (iter.Pull) like a process:
// exactly one runs at a time, resumed by the scheduler and yielding back
// to it only inside the runtime's operations, on any number of cores; and
// nothing reads the wall clock or a global source of randomness. A
// process made by Spawn is a goroutine
// too, and the run lasts until every process has returned, as a Go
// program lasts as long as main: goroutines still alive then are
// Result.Leaked, each with where it waits (a failure of the run with
// Options.FailOnLeak).
//
// The primitives have Go's semantics: Chan (unbuffered and buffered,
// Recv2, Close and Go's panics as runtime.Errors, Len, Cap, All for range;
// a nil *Chan is a nil channel: Close panics, and the package functions
// Send, Recv, Recv2 and Range block forever on it), World.Select (send,
// receive and default cases), Mutex (a woken waiter competes with
// newcomers until one has waited 1ms, as sync.Mutex does), RWMutex (a
// waiting writer keeps new readers out), Cond, WaitGroup (with Go), Once,
// and a Clock whose Now, Since, Until, Sleep, After, Tick, NewTimer,
// NewTicker and AfterFunc run on virtual time, with Timer.Stop and Reset
// as of Go 1.23 (no stale value is received after them). A table test runs
// one small program per behaviour under real Go and under the simulator:
// the simulator produces exactly the outcomes real Go can.
//
// Scheduling. Every operation on a primitive is a scheduling point: a
// goroutine that did something others can see since the scheduler last
// chose it lets every event due at the same instant (another goroutine
// that may go on, a timer, a message) go first if the entropy so decides.
// The choice is a tie like any other (DecideTie, whose Draw.Due names the
// goroutines' endpoints, DueReady for a goroutine that goes on), decided
// where the goroutine stands: when it is chosen it goes on without a
// switch. Among a select's ready cases the choice is a draw of its own
// (DecideSelect, a tie between the goroutines on the other side of each
// case, on the stream "select"). So priority exploration, exhaustive
// enumeration, rapid's shrinking and replay of recorded choices apply to
// goroutine code unchanged, and every order of two goroutines'
// operations at one instant can happen. The trace hash folds each choice,
// each goroutine made (RecGo) and returned (RecGoExit), each wait
// (RecPark), each timer that fires and each crash and start of a machine,
// so FirstDifference finds where goroutine code parts too; yields, the
// ends of waits and a blocked select's case, which the hashed records
// around them already decide, are traced but not hashed.
//
// Time passes between two steps of a goroutine only under the scheduling
// faults: Preempt holds back a goroutine being woken, Deschedule stops a
// running one, holding no lock, at a scheduling point. Without them a
// window between two critical sections (an index from Raft's Start, then
// a waiter registered for it) stays shut while messages take time.
// Neither holds back a goroutine that holds a lock: one stopped inside a
// critical section, or handed a starving mutex and not yet running, makes
// every waiter pay its delay in turn, a convoy no real scheduler makes
// (Go's Unlock yields to the goroutine it hands the mutex to).
//
// A goroutine that blocks runs the scheduler on its own stack, as a
// process does, until an event resumes a goroutine: itself, one it then
// switches to, or one up the chain of goroutines that resumed one
// another. A deadlock (every process blocked with nothing left to wake
// anyone) ends the run as Stuck, naming every blocked goroutine and
// process, the file:line where it waits, what it waits in, and for a lock
// who holds it (each parked goroutine is resumed just long enough to note
// its place: nothing is recorded on the way in). A goroutine's panic ends
// the run naming the goroutine and the line that panicked.
//
// Machines. NewMachine makes a set of goroutines and an endpoint that
// crash together: Crash stops every goroutine of the machine where it is
// (none runs again, not even its deferred calls), loses the messages in
// flight to and from it and every request that reaches it while it is
// down, and its timers never fire; Restart runs its constructor again,
// keeping only its Persister (Save writes state and snapshot at once;
// reads are copies). A request delivered to a machine's server runs as a
// goroutine of the machine, so a handler may lock, wait on a channel or a
// condition, sleep or call another machine; a server made by NewServer
// runs each handler at once, on the scheduler, and an operation of it
// that would block fails the run.
//
// What a source rewriter maps onto. The API is shaped so that a rewriter
// (the lab's, for the course's goroutine labs) can map student code
// mechanically, with one world per process supplying w (as package
// labrt does for time.Sleep today):
//
//	go f(x)                    a := x; w.Go(func() { f(a) })
//	make(chan T, n)            sim.NewChan[T](w, n)
//	c <- v, <-c, v, ok := <-c  sim.Send(w, c, v), sim.Recv(w, c), sim.Recv2(w, c)
//	close(c), len(c), cap(c)   c.Close(), c.Len(), c.Cap()
//	for v := range c           for v := range sim.Range(w, c)
//	select { ... }             switch w.Select(cases...) { ... } (see Select)
//	sync.Mutex, RWMutex, ...   *sim.Mutex made on first use by a stand-in
//	time.Now, time.Sleep, ...  w.Clock().Now(), w.Clock().Sleep(d), ...
//	time.Timer, time.Ticker    *sim.Timer, *sim.Ticker (C is *sim.Chan[time.Time])
//
// Zero-value sync types and nil channels carry no world, so their
// operations take it from the rewriter's stand-ins; everything made by a
// constructor carries its own.
package sim
