package sim

import (
	"fmt"
	"iter"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// The semantics tests run each small program twice over: under real Go,
// with real goroutines, channels, locks and timers (in a synctest bubble,
// whose clock is fake, so nothing waits on the wall clock), and under the
// simulator, over many seeds. Each program says what it observed as a
// string; its case lists every outcome real Go can produce. Real Go must
// produce only those, and the simulator exactly those: each for some seed,
// and nothing else.

// goRuntime is what the programs run on.
type goRuntime interface {
	Go(f func())
	Chan(size int) goChan
	NilChan() goChan
	// Select runs a select statement and returns the case that proceeded
	// and, for a receive, what it got.
	Select(cases ...selCase) (i, v int, ok bool)
	Mutex() goMutex
	RWMutex() goRWMutex
	Cond(l goMutex) goCond
	WaitGroup() goWaitGroup
	Once() goOnce
	Gosched()
	Sleep(d time.Duration)
	Since() time.Duration // since the program started
	After(d time.Duration) goChan
	NewTimer(d time.Duration) goTimer
	NewTicker(d time.Duration) goTimer
	AfterFunc(d time.Duration, f func()) goTimer
}

// goChan is a chan int, or a timer's channel, whose values it gives as
// milliseconds since the program started.
type goChan interface {
	Send(v int)
	Recv2() (int, bool)
	Close()
	Len() int
	Cap() int
	All() iter.Seq[int]
}

type selCase struct {
	c    goChan
	send bool
	v    int
	dflt bool
}

func recvCase(c goChan) selCase        { return selCase{c: c} }
func sendCase(c goChan, v int) selCase { return selCase{c: c, send: true, v: v} }

var dfltCase = selCase{dflt: true}

type goMutex interface {
	Lock()
	Unlock()
	TryLock() bool
}

type goRWMutex interface {
	goMutex
	RLock()
	RUnlock()
	TryRLock() bool
}

type goCond interface {
	Wait()
	Signal()
	Broadcast()
}

type goWaitGroup interface {
	Add(int)
	Done()
	Wait()
}

type goOnce interface{ Do(func()) }

type goTimer interface {
	C() goChan
	Stop() bool
	Reset(d time.Duration) bool
}

// realGo is goRuntime in real Go.
type realGo struct{ start time.Time }

func (r realGo) Go(f func())                  { go f() }
func (r realGo) Chan(n int) goChan            { return realChan{c: make(chan int, n)} }
func (r realGo) NilChan() goChan              { return realChan{} }
func (r realGo) Mutex() goMutex               { return new(sync.Mutex) }
func (r realGo) RWMutex() goRWMutex           { return new(sync.RWMutex) }
func (r realGo) Cond(l goMutex) goCond        { return sync.NewCond(l) }
func (r realGo) WaitGroup() goWaitGroup       { return new(sync.WaitGroup) }
func (r realGo) Once() goOnce                 { return new(sync.Once) }
func (r realGo) Gosched()                     { runtime.Gosched() }
func (r realGo) Sleep(d time.Duration)        { time.Sleep(d) }
func (r realGo) Since() time.Duration         { return time.Since(r.start) }
func (r realGo) After(d time.Duration) goChan { return realChan{t: time.After(d), start: r.start} }

func (r realGo) NewTimer(d time.Duration) goTimer {
	t := time.NewTimer(d)
	return realTimer{stop: t.Stop, reset: t.Reset, c: realChan{t: t.C, start: r.start}}
}

func (r realGo) NewTicker(d time.Duration) goTimer {
	t := time.NewTicker(d)
	return realTimer{stop: func() bool { t.Stop(); return false }, reset: func(d time.Duration) bool { t.Reset(d); return false }, c: realChan{t: t.C, start: r.start}}
}

func (r realGo) AfterFunc(d time.Duration, f func()) goTimer {
	t := time.AfterFunc(d, f)
	return realTimer{stop: t.Stop, reset: t.Reset}
}

func (r realGo) Select(cases ...selCase) (int, int, bool) {
	rc := make([]reflect.SelectCase, len(cases))
	for i, c := range cases {
		switch {
		case c.dflt:
			rc[i].Dir = reflect.SelectDefault
		case c.send:
			rc[i] = reflect.SelectCase{Dir: reflect.SelectSend, Chan: c.c.(realChan).value(), Send: reflect.ValueOf(c.v)}
		default:
			rc[i] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: c.c.(realChan).value()}
		}
	}
	i, v, ok := reflect.Select(rc)
	if !ok || cases[i].send || cases[i].dflt {
		return i, 0, ok
	}
	if tm, isTime := v.Interface().(time.Time); isTime {
		return i, int(tm.Sub(cases[i].c.(realChan).start) / time.Millisecond), true
	}
	return i, int(v.Int()), true
}

type realChan struct {
	c     chan int
	t     <-chan time.Time
	start time.Time
}

func (c realChan) value() reflect.Value {
	if c.t != nil {
		return reflect.ValueOf(c.t)
	}
	return reflect.ValueOf(c.c)
}

func (c realChan) Send(v int) { c.c <- v }
func (c realChan) Close()     { close(c.c) }
func (c realChan) Len() int   { return len(c.c) + len(c.t) }
func (c realChan) Cap() int   { return cap(c.c) + cap(c.t) }

func (c realChan) Recv2() (int, bool) {
	if c.t != nil {
		tm, ok := <-c.t
		return int(tm.Sub(c.start) / time.Millisecond), ok
	}
	v, ok := <-c.c
	return v, ok
}

func (c realChan) All() iter.Seq[int] {
	return func(yield func(int) bool) {
		for v := range c.c {
			if !yield(v) {
				return
			}
		}
	}
}

type realTimer struct {
	stop  func() bool
	reset func(time.Duration) bool
	c     realChan
}

func (t realTimer) C() goChan                  { return t.c }
func (t realTimer) Stop() bool                 { return t.stop() }
func (t realTimer) Reset(d time.Duration) bool { return t.reset(d) }

// simGo is goRuntime under the simulator.
type simGo struct{ w *World }

func (s simGo) Go(f func())                  { s.w.Go(f) }
func (s simGo) Chan(n int) goChan            { return simChan{w: s.w, c: NewChan[int](s.w, n)} }
func (s simGo) NilChan() goChan              { return simChan{w: s.w} }
func (s simGo) Mutex() goMutex               { return NewMutex(s.w) }
func (s simGo) RWMutex() goRWMutex           { return NewRWMutex(s.w) }
func (s simGo) Cond(l goMutex) goCond        { return NewCond(s.w, l) }
func (s simGo) WaitGroup() goWaitGroup       { return NewWaitGroup(s.w) }
func (s simGo) Once() goOnce                 { return NewOnce(s.w) }
func (s simGo) Gosched()                     { s.w.Clock().Sleep(0) }
func (s simGo) Sleep(d time.Duration)        { s.w.Clock().Sleep(d) }
func (s simGo) Since() time.Duration         { return s.w.Now() }
func (s simGo) After(d time.Duration) goChan { return simChan{w: s.w, t: s.w.Clock().After(d)} }

func (s simGo) NewTimer(d time.Duration) goTimer {
	t := s.w.Clock().NewTimer(d)
	return simTimer{stop: t.Stop, reset: t.Reset, c: simChan{w: s.w, t: t.C}}
}

func (s simGo) NewTicker(d time.Duration) goTimer {
	t := s.w.Clock().NewTicker(d)
	return simTimer{stop: func() bool { t.Stop(); return false }, reset: func(d time.Duration) bool { t.Reset(d); return false }, c: simChan{w: s.w, t: t.C}}
}

func (s simGo) AfterFunc(d time.Duration, f func()) goTimer {
	t := s.w.Clock().AfterFunc(d, f)
	return simTimer{stop: t.Stop, reset: t.Reset}
}

func (s simGo) Select(cases ...selCase) (int, int, bool) {
	cs := make([]Case, len(cases))
	for i, c := range cases {
		switch {
		case c.dflt:
			cs[i] = Default()
		case c.send:
			cs[i] = c.c.(simChan).c.SendCase(c.v)
		case c.c.(simChan).t != nil:
			cs[i] = c.c.(simChan).t.RecvCase()
		default:
			cs[i] = c.c.(simChan).c.RecvCase()
		}
	}
	i := s.w.Select(cs...)
	if c := cases[i]; !c.dflt && !c.send {
		if t := c.c.(simChan).t; t != nil {
			tm, ok := t.Received()
			return i, int(tm.Sub(Epoch) / time.Millisecond), ok
		}
		v, ok := c.c.(simChan).c.Received()
		return i, v, ok
	}
	return i, 0, true
}

type simChan struct {
	w *World
	c *Chan[int]
	t *Chan[time.Time]
}

func (c simChan) Send(v int) { Send(c.w, c.c, v) }
func (c simChan) Close()     { c.c.Close() }
func (c simChan) Len() int   { return c.c.Len() + c.t.Len() }
func (c simChan) Cap() int   { return c.c.Cap() + c.t.Cap() }

func (c simChan) Recv2() (int, bool) {
	if c.t != nil {
		tm, ok := c.t.Recv2()
		return int(tm.Sub(Epoch) / time.Millisecond), ok
	}
	return Recv2(c.w, c.c)
}

func (c simChan) All() iter.Seq[int] { return Range(c.w, c.c) }

type simTimer struct {
	stop  func() bool
	reset func(time.Duration) bool
	c     simChan
}

func (t simTimer) C() goChan                  { return t.c }
func (t simTimer) Stop() bool                 { return t.stop() }
func (t simTimer) Reset(d time.Duration) bool { return t.reset(d) }

// logbook is what a program observed, in order. Its lock is real: under
// the simulator it is never contended, and it is no scheduling point.
type logbook struct {
	mu sync.Mutex
	xs []string
}

func (l *logbook) add(format string, args ...any) {
	l.mu.Lock()
	l.xs = append(l.xs, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

func (l *logbook) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.xs, ",")
}

// catch runs f and returns "panic: <value>" if it panics.
func catch(f func()) (out string) {
	defer func() {
		if r := recover(); r != nil {
			out = fmt.Sprint("panic: ", r)
		}
	}()
	f()
	return ""
}

type semanticsCase struct {
	name string
	prog func(r goRuntime) string
	want []string // every outcome real Go can produce
}

// racyCases are programs the race detector reports themselves (a close
// while another goroutine sends): under -race they run simulated only.
var racyCases = map[string]bool{"chan/close-panics-blocked-sender": true}

var semanticsCases = []semanticsCase{
	// Channels.
	{"chan/unbuffered-handoff", func(r goRuntime) string {
		var l logbook
		c, done := r.Chan(0), r.Chan(0)
		r.Go(func() { c.Send(1); l.add("sent"); done.Send(0) })
		v, _ := c.Recv2()
		l.add("got%d", v)
		done.Recv2()
		return l.String()
	}, []string{"sent,got1", "got1,sent"}},
	{"chan/buffered-fifo-len-cap", func(r goRuntime) string {
		c := r.Chan(3)
		c.Send(1)
		c.Send(2)
		a, _ := c.Recv2()
		b, _ := c.Recv2()
		return fmt.Sprint(c.Cap(), a, b, c.Len())
	}, []string{"3 1 2 0"}},
	{"chan/buffered-full-blocks", func(r goRuntime) string {
		var l logbook
		c, done := r.Chan(1), r.Chan(0)
		r.Go(func() { c.Send(1); c.Send(2); l.add("sent2"); done.Send(0) })
		a, _ := c.Recv2()
		l.add("got%d", a)
		b, _ := c.Recv2()
		l.add("got%d", b)
		done.Recv2()
		return l.String()
	}, []string{"got1,got2,sent2", "got1,sent2,got2", "sent2,got1,got2"}},
	{"chan/close-drains-then-zero", func(r goRuntime) string {
		c := r.Chan(2)
		c.Send(1)
		c.Send(2)
		c.Close()
		var out []string
		for range 3 {
			v, ok := c.Recv2()
			out = append(out, fmt.Sprint(v, ok))
		}
		return strings.Join(out, ",")
	}, []string{"1 true,2 true,0 false"}},
	{"chan/range", func(r goRuntime) string {
		c := r.Chan(0)
		r.Go(func() {
			for i := 1; i <= 3; i++ {
				c.Send(i)
			}
			c.Close()
		})
		sum := 0
		for v := range c.All() {
			sum += v
		}
		return fmt.Sprint(sum)
	}, []string{"6"}},
	{"chan/send-on-closed", func(r goRuntime) string {
		c := r.Chan(1)
		c.Close()
		return catch(func() { c.Send(1) })
	}, []string{"panic: send on closed channel"}},
	{"chan/close-of-closed", func(r goRuntime) string {
		c := r.Chan(0)
		c.Close()
		return catch(c.Close)
	}, []string{"panic: close of closed channel"}},
	{"chan/close-of-nil", func(r goRuntime) string {
		return catch(r.NilChan().Close)
	}, []string{"panic: close of nil channel"}},
	{"chan/close-wakes-receivers", func(r goRuntime) string {
		var l logbook
		c, wg := r.Chan(0), r.WaitGroup()
		wg.Add(2)
		for range 2 {
			r.Go(func() {
				v, ok := c.Recv2()
				l.add("%d %v", v, ok)
				wg.Done()
			})
		}
		c.Close()
		wg.Wait()
		return l.String()
	}, []string{"0 false,0 false"}},
	{"chan/close-panics-blocked-sender", func(r goRuntime) string {
		var l logbook
		c, done := r.Chan(0), r.Chan(0)
		r.Go(func() { l.add("%s", catch(func() { c.Send(1) })); done.Send(0) })
		r.Gosched()
		c.Close()
		done.Recv2()
		return l.String()
	}, []string{"panic: send on closed channel"}},
	{"chan/two-receivers-one-value", func(r goRuntime) string {
		var l logbook
		c, wg := r.Chan(0), r.WaitGroup()
		wg.Add(2)
		for _, name := range []string{"a", "b"} {
			r.Go(func() {
				if v, ok := c.Recv2(); ok {
					l.add("%s got %d", name, v)
				}
				wg.Done()
			})
		}
		c.Send(7)
		c.Close()
		wg.Wait()
		return l.String()
	}, []string{"a got 7", "b got 7"}},
	{"chan/nil-never-ready", func(r goRuntime) string {
		n := r.NilChan()
		i, _, _ := r.Select(recvCase(n), recvCase(r.After(time.Millisecond)))
		j, _, _ := r.Select(sendCase(n, 1), dfltCase)
		return fmt.Sprint(i, j)
	}, []string{"1 1"}},

	// Select.
	{"select/two-ready", func(r goRuntime) string {
		a, b := r.Chan(1), r.Chan(1)
		a.Send(1)
		b.Send(2)
		_, v, _ := r.Select(recvCase(a), recvCase(b))
		return fmt.Sprint(v)
	}, []string{"1", "2"}},
	{"select/default-only-when-none-ready", func(r goRuntime) string {
		a := r.Chan(1)
		i, _, _ := r.Select(recvCase(a), dfltCase)
		a.Send(5)
		j, v, _ := r.Select(recvCase(a), dfltCase)
		return fmt.Sprint(i, j, v)
	}, []string{"1 0 5"}},
	{"select/send-meets-receive", func(r goRuntime) string {
		var l logbook
		c1, c2, done := r.Chan(0), r.Chan(0), r.Chan(0)
		r.Go(func() {
			if i, _, _ := r.Select(recvCase(c1), sendCase(c2, 5)); i == 0 {
				l.add("g received")
			} else {
				l.add("g sent")
			}
			done.Send(0)
		})
		i, v, _ := r.Select(sendCase(c1, 1), recvCase(c2))
		done.Recv2()
		return fmt.Sprint(i, v, " ", l.String())
	}, []string{"0 0 g received", "1 5 g sent"}},
	{"select/woken-by-close", func(r goRuntime) string {
		a, b := r.Chan(0), r.Chan(0)
		r.Go(b.Close)
		i, v, ok := r.Select(recvCase(a), recvCase(b))
		return fmt.Sprint(i, v, ok)
	}, []string{"1 0 false"}},
	{"select/closed-send-case-is-ready", func(r goRuntime) string {
		c, d := r.Chan(0), r.Chan(1)
		c.Close()
		d.Send(3)
		var i, v int
		if p := catch(func() { i, v, _ = r.Select(sendCase(c, 1), recvCase(d)) }); p != "" {
			return p
		}
		return fmt.Sprint(i, v)
	}, []string{"panic: send on closed channel", "1 3"}},
	{"select/timeout-races-a-send", func(r goRuntime) string {
		c := r.Chan(0)
		r.Go(func() {
			r.Sleep(time.Millisecond)
			r.Select(sendCase(c, 1), dfltCase)
		})
		i, _, _ := r.Select(recvCase(c), recvCase(r.After(time.Millisecond)))
		return fmt.Sprint(i)
	}, []string{"0", "1"}},

	// Locks, conditions, wait groups, once.
	{"mutex/either-goes-first", func(r goRuntime) string {
		var l logbook
		mu, wg := r.Mutex(), r.WaitGroup()
		wg.Add(2)
		for _, name := range []string{"a", "b"} {
			r.Go(func() {
				mu.Lock()
				l.add("%s", name)
				mu.Unlock()
				wg.Done()
			})
		}
		wg.Wait()
		return l.String()
	}, []string{"a,b", "b,a"}},
	{"mutex/trylock-while-held", func(r goRuntime) string {
		mu, wg := r.Mutex(), r.WaitGroup()
		var got bool
		mu.Lock()
		wg.Add(1)
		r.Go(func() { got = mu.TryLock(); wg.Done() })
		wg.Wait()
		mu.Unlock()
		return fmt.Sprint(got, mu.TryLock())
	}, []string{"false true"}},
	{"rwmutex/readers-share", func(r goRuntime) string {
		rw, wg := r.RWMutex(), r.WaitGroup()
		rw.RLock()
		wg.Add(1)
		r.Go(func() { rw.RLock(); rw.RUnlock(); wg.Done() })
		wg.Wait()
		rw.RUnlock()
		return "ok"
	}, []string{"ok"}},
	{"rwmutex/waiting-writer-keeps-readers-out", func(r goRuntime) string {
		var l logbook
		rw, done := r.RWMutex(), r.Chan(0)
		rw.RLock()
		r.Go(func() { rw.Lock(); l.add("writer"); rw.Unlock(); done.Send(0) })
		for rw.TryRLock() { // until the writer waits
			rw.RUnlock()
			r.Gosched()
		}
		l.add("readers kept out")
		rw.RUnlock()
		done.Recv2()
		return l.String()
	}, []string{"readers kept out,writer"}},
	{"cond/signal-wakes-one-broadcast-all", func(r goRuntime) string {
		mu := r.Mutex()
		c, wg := r.Cond(mu), r.WaitGroup()
		waiting, woken, gen := 0, 0, 0
		wg.Add(3)
		for range 3 {
			r.Go(func() {
				mu.Lock()
				waiting++
				for my := gen; gen == my; {
					c.Wait()
				}
				woken++
				mu.Unlock()
				wg.Done()
			})
		}
		var afterSignal int
		for {
			mu.Lock()
			if waiting == 3 {
				gen++
				c.Signal()
				mu.Unlock()
				break
			}
			mu.Unlock()
			r.Gosched()
		}
		for {
			mu.Lock()
			if woken == 1 {
				afterSignal = woken
				c.Broadcast()
				mu.Unlock()
				break
			}
			mu.Unlock()
			r.Gosched()
		}
		wg.Wait()
		return fmt.Sprint(afterSignal, woken)
	}, []string{"1 3"}},
	{"waitgroup/wait-for-all", func(r goRuntime) string {
		mu, wg := r.Mutex(), r.WaitGroup()
		n := 0
		for range 3 {
			wg.Add(1)
			r.Go(func() { mu.Lock(); n++; mu.Unlock(); wg.Done() })
		}
		wg.Wait()
		return fmt.Sprint(n)
	}, []string{"3"}},
	{"waitgroup/negative-counter", func(r goRuntime) string {
		return catch(func() { r.WaitGroup().Add(-1) })
	}, []string{"panic: sync: negative WaitGroup counter"}},
	{"once/runs-once-and-others-wait", func(r goRuntime) string {
		var l logbook
		once, wg := r.Once(), r.WaitGroup()
		n := 0
		wg.Add(2)
		for range 2 {
			r.Go(func() {
				once.Do(func() { r.Gosched(); n++ })
				l.add("%d", n)
				wg.Done()
			})
		}
		wg.Wait()
		return l.String()
	}, []string{"1,1"}},

	// Time.
	{"time/sleep-order", func(r goRuntime) string {
		var l logbook
		wg := r.WaitGroup()
		wg.Add(2)
		for _, d := range []int{2, 1} {
			r.Go(func() { r.Sleep(time.Duration(d) * time.Millisecond); l.add("%d@%v", d, r.Since()); wg.Done() })
		}
		wg.Wait()
		return l.String()
	}, []string{"1@1ms,2@2ms"}},
	{"time/timer-stop-before-it-fires", func(r goRuntime) string {
		t := r.NewTimer(5 * time.Millisecond)
		stopped := t.Stop()
		i, _, _ := r.Select(recvCase(t.C()), recvCase(r.After(10*time.Millisecond)))
		return fmt.Sprint(stopped, i)
	}, []string{"true 1"}},
	{"time/timer-stop-after-it-fired", func(r goRuntime) string {
		t := r.NewTimer(time.Millisecond)
		r.Sleep(2 * time.Millisecond)
		stopped := t.Stop() // Go 1.23: its value, not received, is discarded, and Stop says true
		i, _, _ := r.Select(recvCase(t.C()), recvCase(r.After(time.Millisecond)))
		return fmt.Sprint(stopped, i)
	}, []string{"true 1"}},
	{"time/timer-stop-after-its-value-was-received", func(r goRuntime) string {
		t := r.NewTimer(time.Millisecond)
		t.C().Recv2()
		return fmt.Sprint(t.Stop())
	}, []string{"false"}},
	{"time/timer-reset", func(r goRuntime) string {
		t := r.NewTimer(5 * time.Millisecond)
		active := t.Reset(time.Millisecond)
		at, _ := t.C().Recv2()
		again := t.Reset(time.Millisecond)
		at2, _ := t.C().Recv2()
		return fmt.Sprint(active, at, again, at2)
	}, []string{"true 1 false 2"}},
	{"time/ticker", func(r goRuntime) string {
		t := r.NewTicker(2 * time.Millisecond)
		var out []int
		for range 3 {
			v, _ := t.C().Recv2()
			out = append(out, v)
		}
		t.Stop()
		i, _, _ := r.Select(recvCase(t.C()), recvCase(r.After(5*time.Millisecond)))
		return fmt.Sprint(out, i)
	}, []string{"[2 4 6] 1"}},
	{"time/afterfunc", func(r goRuntime) string {
		var l logbook
		r.AfterFunc(time.Millisecond, func() { l.add("f@%v", r.Since()) })
		g := r.AfterFunc(5*time.Millisecond, func() { l.add("g") })
		stopped := g.Stop()
		r.Sleep(10 * time.Millisecond)
		return fmt.Sprint(stopped, " ", l.String())
	}, []string{"true f@1ms"}},
	{"time/same-instant-timers", func(r goRuntime) string {
		var l logbook
		wg := r.WaitGroup()
		wg.Add(2)
		r.AfterFunc(time.Millisecond, func() { l.add("a"); wg.Done() })
		r.AfterFunc(time.Millisecond, func() { l.add("b"); wg.Done() })
		wg.Wait()
		return l.String()
	}, []string{"a,b", "b,a"}},
	{"time/now-and-since", func(r goRuntime) string {
		r.Sleep(3 * time.Millisecond)
		return fmt.Sprint(r.Since())
	}, []string{"3ms"}},
}

const (
	semanticsRealRuns = 100
	semanticsSeeds    = 300
)

func TestSemanticsAgainstRealGo(t *testing.T) {
	real, seeds := semanticsRealRuns, semanticsSeeds
	if testing.Short() {
		real, seeds = 20, 150
	}
	for _, c := range semanticsCases {
		t.Run(c.name, func(t *testing.T) {
			want := slices.Sorted(slices.Values(c.want))
			seen := map[string]int{}
			runs := real
			if racyCases[c.name] && raceEnabled {
				runs = 0
			}
			for range runs {
				var out string
				synctest.Test(t, func(*testing.T) { out = c.prog(realGo{start: time.Now()}) })
				seen[out]++
			}
			for out, n := range seen {
				if !slices.Contains(want, out) {
					t.Errorf("real Go produced %q (%d of %d runs), not among %q: the case is wrong", out, n, real, want)
				}
			}
			got := map[string]uint64{}
			for seed := range uint64(seeds) {
				var out string
				w := New(seed, Options{})
				w.Spawn("main", func(*Proc) { out = c.prog(simGo{w}) })
				if r := w.Run(); r.Status != Done {
					t.Fatalf("seed %d: %v %s", seed, r.Status, r.Reason)
				}
				if _, ok := got[out]; !ok {
					got[out] = seed
				}
			}
			for out, seed := range got {
				if !slices.Contains(want, out) {
					t.Errorf("the simulator produced %q (seed %d), which real Go cannot", out, seed)
				}
			}
			for _, out := range want {
				if _, ok := got[out]; !ok {
					t.Errorf("the simulator never produced %q in %d seeds (it produced %v)", out, seeds, got)
				}
			}
		})
	}
}
