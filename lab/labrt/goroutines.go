package labrt

import (
	"cmp"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"time"

	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/sim"
)

// The functions and types below are what the rewriter maps the student's
// goroutines, channels, select and timers onto (see lab/rewrite.go): the
// simulator's runtime, on the world of the run in progress.

// Chan is a channel type of the rewritten code: chan T is *Chan[T].
type Chan[T any] = sim.Chan[T]

// Case is one case of a rewritten select.
type Case = sim.Case

// Timer and Ticker are time's, in virtual time.
type (
	Timer  = sim.Timer
	Ticker = sim.Ticker
)

// current is the world of the run in progress; student code that runs
// outside any run (package initialization) has none, and what needs one
// says so.
func current(what string) *sim.World {
	if world.w == nil {
		panic(fmt.Sprintf("kvsim lab: %s outside a run (in package initialization?): there is no simulated world to run it in", what))
	}
	return world.w
}

// Go is a go statement: f runs as a goroutine of the running process or
// machine, named by what the statement called.
func Go(name string, f func()) { current("a go statement").GoNamed(name, f) }

// WatchApplies is harness.WatchApplies, for a Raft's Make: the lab's
// rewriter starts the folder's Make with it.
func WatchApplies[M any](p *harness.Persister, applyCh *Chan[M]) { harness.WatchApplies(p, applyCh) }

// MakeChan is make(chan T, size).
func MakeChan[T any](size int) *Chan[T] { return sim.NewChan[T](current("make(chan)"), size) }

// Send is c <- v.
func Send[T any](c *Chan[T], v T) { sim.Send(current("a channel send"), c, v) }

// Recv is <-c.
func Recv[T any](c *Chan[T]) T { return sim.Recv(current("a channel receive"), c) }

// Recv2 is v, ok := <-c.
func Recv2[T any](c *Chan[T]) (T, bool) { return sim.Recv2(current("a channel receive"), c) }

// Range is for v := range c.
func Range[T any](c *Chan[T]) iter.Seq[T] { return sim.Range(current("a range over a channel"), c) }

// Close is close(c); closing a nil channel panics as Go's does.
func Close[T any](c *Chan[T]) { c.Close() }

// Len is len(c) of a channel; 0 for a nil one.
func Len[T any](c *Chan[T]) int {
	if c == nil {
		return 0
	}
	return c.Len()
}

// Cap is cap(c) of a channel; 0 for a nil one.
func Cap[T any](c *Chan[T]) int {
	if c == nil {
		return 0
	}
	return c.Cap()
}

// Select is a select statement over cases; it returns the index of the
// case that proceeded (see sim.World.Select).
func Select(cases ...Case) int { return current("a select statement").Select(cases...) }

// Default is a select's default case.
func Default() Case { return sim.Default() }

// Gosched is runtime.Gosched: a scheduling point.
func Gosched() {
	if w := world.w; w != nil && w.Running() != nil {
		w.Clock().Sleep(0)
	}
}

// After, AfterFunc, NewTimer, NewTicker and Tick are time's, in virtual
// time; a timer, as Sleep, fires late by a drawn slack (late).
func After(d time.Duration) *Chan[time.Time] {
	return current("time.After").Clock().After(late(d))
}

// AfterFunc is time.AfterFunc: f runs as a goroutine once d has passed.
func AfterFunc(d time.Duration, f func()) *Timer {
	return current("time.AfterFunc").Clock().AfterFunc(late(d), f)
}

// NewTimer is time.NewTimer.
func NewTimer(d time.Duration) *Timer { return current("time.NewTimer").Clock().NewTimer(late(d)) }

// TimerSlack bounds how late a timer or a Sleep of student code fires.
// Virtual time is exact, and real time is not: servers that start
// together and sleep a fixed period would stay in step forever (a Raft
// whose election ticks every 50ms, without a timer reset, splits every
// vote), where real timers, late by the kernel's slack and the
// scheduler's latency, drift apart within a few periods.
const TimerSlack = time.Millisecond

// late is d plus a slack drawn from the run's stream "lab/timer-slack"
// in [0, TimerSlack); a zero or negative d (a yield) stays as it is.
func late(d time.Duration) time.Duration {
	if d <= 0 || world.slack == nil {
		return d
	}
	return d + time.Duration(world.slack.Uint64N(uint64(TimerSlack)))
}

// NewTicker is time.NewTicker.
func NewTicker(d time.Duration) *Ticker { return current("time.NewTicker").Clock().NewTicker(d) }

// Tick is time.Tick.
func Tick(d time.Duration) *Chan[time.Time] { return current("time.Tick").Clock().Tick(d) }

// MapRange is for k, v := range m, in an order drawn from the run's
// source, as Go draws it from its own: code that depends on the order of
// a map is found by some seed, and the same seed gives the same order.
// The keys are put in a fixed order first (they are sorted when they are
// of an ordered kind, or a struct or array of such); a key k deleted
// before the loop reaches it is skipped, and each v is m[k] when the loop
// reaches k, as Go's are.
func MapRange[M ~map[K]V, K comparable, V any](m M) iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		if len(m) == 0 {
			return
		}
		keys := make([]K, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b K) int { return compareKeys(reflect.ValueOf(a), reflect.ValueOf(b)) })
		world.rand.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		for _, k := range keys {
			v, ok := m[k]
			if !ok {
				continue
			}
			if !yield(k, v) {
				return
			}
		}
	}
}

// compareKeys orders two map keys of one type by value. The rewriter lets
// only keys of an orderable kind through (see orderableKey), so every
// order it gives is the same from run to run.
func compareKeys(a, b reflect.Value) int {
	switch a.Kind() {
	case reflect.String:
		return cmp.Compare(a.String(), b.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return cmp.Compare(a.Int(), b.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return cmp.Compare(a.Uint(), b.Uint())
	case reflect.Float32, reflect.Float64:
		return cmp.Compare(a.Float(), b.Float())
	case reflect.Bool:
		return cmp.Compare(boolInt(a.Bool()), boolInt(b.Bool()))
	case reflect.Complex64, reflect.Complex128:
		ca, cb := a.Complex(), b.Complex()
		return cmp.Or(cmp.Compare(real(ca), real(cb)), cmp.Compare(imag(ca), imag(cb)))
	case reflect.Struct:
		for i := range a.NumField() {
			if c := compareKeys(a.Field(i), b.Field(i)); c != 0 {
				return c
			}
		}
		return 0
	case reflect.Array:
		for i := range a.Len() {
			if c := compareKeys(a.Index(i), b.Index(i)); c != 0 {
				return c
			}
		}
		return 0
	}
	panic(fmt.Sprintf("kvsim lab: a map keyed by %s ranged over: its order cannot be made the same from run to run", a.Type()))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
