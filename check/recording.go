package check

import (
	"cmp"
	"slices"
	"time"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
)

// Clock is where a recorder reads the time: the simulator's virtual clock,
// or the time since the run began on the monotonic clock.
type Clock interface{ Now() time.Duration }

// moment is when something happened in a run: at a time (as the history's
// Call and Return, in nanoseconds) and as the seq-th event its Recording
// counted, which orders events at one instant. seq 0 is "never".
type moment struct {
	at  int64
	seq uint64
}

// before reports whether s happened before t.
func (s moment) before(t moment) bool {
	return s.at < t.at || s.at == t.at && s.seq < t.seq
}

// Recording is what a run recorded for the checks. Clients record into it
// (Client, Lock); the harness fills in the rest once the run is over.
type Recording struct {
	// Clients are the client names, by client index (KVOp.Client).
	Clients []string
	// KV is the key/value history, every operation as its Clerk returned
	// it; Ops says more of each (Ops[i] is KV[i]'s).
	KV  []models.KVOp
	Ops []OpInfo
	// attempts are the RPCs the Clerk sent for each operation (see
	// OpInfo), as the transport reported them.
	attempts []models.Attempt
	// Locks is the lock history, sections the critical sections, in the
	// order they began.
	Locks    []models.LockOpRecord
	sections []section
	// violations are what the workload saw go wrong as it ran.
	violations []failure
	// Counters are the counters incremented under a lock.
	Counters []Counter

	// PutMeans, if set, is what a Put's result means under the network's
	// delivery guarantee (an ErrVersion under at-least-once delivery may
	// answer a duplicate of a Put that was applied); nil is "what it says".
	PutMeans func(rpc.Err) rpc.Err
	// Stall says whether the run failed to finish; Interrupted that it was
	// stopped before its end (stress mode's Ctrl-C).
	Stall       Stall
	Interrupted bool
	// Read reads a key of the server after the run, for the checks that
	// read its state; Server is the server itself, for the memory check.
	// Nil when the harness cannot.
	Read   func(key string) (string, rpc.Tversion, rpc.Err)
	Server any

	seq uint64
}

// OpInfo is what the recorder knows of an operation beyond the history.
type OpInfo struct {
	// from and to delimit its attempts in Recording.attempts: the RPCs of
	// its own method (Get or Put), in the order they were sent.
	from, to int32
	// FirstDup: the network delivered the first of them twice, which only
	// the simulator knows.
	FirstDup bool
	// end is when it returned; zero if it never did.
	end moment
}

// section is one client's stay in a critical section: from its Acquire's
// return to its Release's call. to is zero while it is still held.
type section struct {
	client   int
	lock     string // the lock's name in the lock history, "" for a run's only lock
	from, to moment
}

// failure is a failure the workload saw as it ran: a scripted step that
// got the wrong answer, a counter that moved under its lock.
type failure struct {
	at     moment
	reason string
}

// Counter is a counter at Key that only holders of its lock write, and how
// many times they incremented it (Client.Increment). label starts what the
// checks say of it.
type Counter struct {
	label, Key string
	Increments int
}

// Stall is how a run failed to finish, as its harness saw it; the zero
// Stall is a run that finished.
type Stall struct {
	// Stuck: the run had to be over and was not.
	Stuck bool
	// The run had to be over Window after Since (when the faults
	// stopped), and was stopped at At; if At is not past Since, it ran out
	// of its budget before that, and Where alone says why.
	Since, Window, At time.Duration
	// Progress is when the last operation completed after Since, which
	// moved the deadline to Window after it, up to a cap: Deadline (zero
	// if none did).
	Progress, Deadline time.Duration
	// Where says what was still waiting, in the harness's words.
	Where string
	// Waiting are the clients still inside an operation, when the harness
	// knows them one by one (stress mode); they were stopped Window after
	// the deadline.
	Waiting []Waiting
}

// Waiting is a client stopped inside an operation.
type Waiting struct{ Client, In string }

// stamp is now, as the next event of r.
func (r *Recording) stamp(c Clock) moment {
	r.seq++
	return moment{at: int64(c.Now()), seq: r.seq}
}

// Violate records a failure the workload saw at the clock's time.
func (r *Recording) Violate(c Clock, reason string) {
	r.violations = append(r.violations, failure{at: r.stamp(c), reason: reason})
}

// AddCounter adds a counter at key, to be incremented under its lock
// (Client.Increment), and returns its index in Counters.
func (r *Recording) AddCounter(label, key string) int {
	r.Counters = append(r.Counters, Counter{label: label, Key: key})
	return len(r.Counters) - 1
}

// attemptsOf are the attempts of KV[i] (see OpInfo).
func (r *Recording) attemptsOf(i int) []models.Attempt {
	return r.attempts[r.Ops[i].from:r.Ops[i].to]
}

// putMeans is what a Put's result err means to the checks.
func (r *Recording) putMeans(err rpc.Err) rpc.Err {
	if r.PutMeans == nil {
		return err
	}
	return r.PutMeans(err)
}

// Reset empties r for another run, keeping its memory.
func (r *Recording) Reset() {
	clear(r.Clients)
	clear(r.KV)
	clear(r.attempts)
	clear(r.Locks)
	clear(r.sections)
	clear(r.violations)
	clear(r.Counters)
	*r = Recording{
		Clients: r.Clients[:0], KV: r.KV[:0], Ops: r.Ops[:0], attempts: r.attempts[:0],
		Locks: r.Locks[:0], sections: r.sections[:0], violations: r.violations[:0], Counters: r.Counters[:0],
	}
}

// Merge is one recording of clients that recorded apart, each into its own
// (goroutines that share nothing, so that recording adds no
// synchronization between them): the histories in order of call, the
// sections in order of beginning, the counters summed by key. Moments of
// different parts compare by time; the harness fills in the rest.
func Merge(parts []*Recording) Recording {
	var m Recording
	for _, p := range parts {
		base := int32(len(m.attempts))
		m.attempts = append(m.attempts, p.attempts...)
		for _, op := range p.Ops {
			op.from, op.to = op.from+base, op.to+base
			m.Ops = append(m.Ops, op)
		}
		m.KV = append(m.KV, p.KV...)
		m.Locks = append(m.Locks, p.Locks...)
		m.sections = append(m.sections, p.sections...)
		m.violations = append(m.violations, p.violations...)
		for _, c := range p.Counters {
			if i := slices.IndexFunc(m.Counters, func(d Counter) bool { return d.Key == c.Key }); i >= 0 {
				m.Counters[i].Increments += c.Increments
			} else {
				m.Counters = append(m.Counters, c)
			}
		}
	}
	order := make([]int, len(m.KV))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(m.KV[a].Call, m.KV[b].Call) })
	kv, ops := make([]models.KVOp, len(order)), make([]OpInfo, len(order))
	for i, from := range order {
		kv[i], ops[i] = m.KV[from], m.Ops[from]
	}
	m.KV, m.Ops = kv, ops
	slices.SortStableFunc(m.Locks, func(a, b models.LockOpRecord) int { return cmp.Compare(a.Call, b.Call) })
	slices.SortStableFunc(m.sections, func(a, b section) int { return compareStamps(a.from, b.from) })
	slices.SortStableFunc(m.violations, func(a, b failure) int { return compareStamps(a.at, b.at) })
	return m
}

func compareStamps(a, b moment) int {
	if c := cmp.Compare(a.at, b.at); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}
