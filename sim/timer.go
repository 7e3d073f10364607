package sim

import "time"

// Epoch is the time.Time of virtual time 0: Clock.Now is Epoch plus the
// run's virtual time.
var Epoch = time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC)

// Clock is package time's clock and timers in the world's virtual time:
// time.X(...) maps onto w.Clock().X(...) for Now, Since, Until, Sleep,
// After, Tick, NewTimer, NewTicker and AfterFunc. A timer fires at its
// instant exactly; timers and other events due at one instant go in an
// order drawn from the entropy. A timer made by a machine's goroutine
// never fires once the machine crashed.
type Clock struct{ w *World }

// Clock is the world's clock.
func (w *World) Clock() Clock { return Clock{w} }

// Now is time.Now: Epoch plus the virtual time.
func (c Clock) Now() time.Time { return Epoch.Add(c.w.now) }

// Since is time.Since in virtual time.
func (c Clock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// Until is time.Until in virtual time.
func (c Clock) Until(t time.Time) time.Duration { return t.Sub(c.Now()) }

// Sleep blocks the running goroutine for d of virtual time; d <= 0 is a
// scheduling point only.
func (c Clock) Sleep(d time.Duration) {
	w := c.w
	p := w.running()
	if d <= 0 {
		markDirty(p)
		w.yieldPoint(p)
		return
	}
	p = w.mustBlock(p, "Sleep", nil)
	id := p.beginPark("sleep", nil)
	w.schedule(w.now+d, evReady, p, id, 0, nil, nil)
	p.park()
}

// After is time.After: NewTimer(d).C.
func (c Clock) After(d time.Duration) *Chan[time.Time] { return c.NewTimer(d).C }

// Tick is time.Tick: NewTicker(d).C, or nil if d <= 0.
func (c Clock) Tick(d time.Duration) *Chan[time.Time] {
	if d <= 0 {
		return nil
	}
	return c.NewTicker(d).C
}

// Timer is time.Timer in virtual time, with Go 1.23's semantics: its
// channel has Len and Cap 0, and once Stop or Reset returns, no value
// from before it is received.
type Timer struct {
	C *Chan[time.Time]

	w      *World
	f      func() // AfterFunc's
	period time.Duration
	when   time.Duration
	slot   int32
	queued bool
	by     *Proc     // who made it, for the scheduler's picture of a tie
	ep     *endpoint // its owner: where AfterFunc's goroutine runs
	mach   *Machine
	gen    uint64 // the incarnation of mach that made it
}

// NewTimer is time.NewTimer: a timer whose channel receives the time
// once d has passed.
func (c Clock) NewTimer(d time.Duration) *Timer {
	t := c.newTimer()
	t.C = NewChan[time.Time](c.w, 1)
	t.C.timer = true
	t.arm(d)
	return t
}

// AfterFunc is time.AfterFunc: f runs in its own goroutine once d has
// passed, on the machine of whoever called AfterFunc.
func (c Clock) AfterFunc(d time.Duration, f func()) *Timer {
	t := c.newTimer()
	if t.ep == nil {
		panic("sim: AfterFunc outside a goroutine, a process, a handler or a machine's constructor: its function has nowhere to run")
	}
	t.f = f
	t.arm(d)
	return t
}

func (c Clock) newTimer() *Timer {
	w := c.w
	w.rt.used = true
	t := &Timer{w: w}
	p := w.running()
	t.by = p
	switch {
	case w.rt.building != nil, p != nil, w.handling != nil:
		t.ep, t.mach = w.owner("a timer")
	}
	if t.mach != nil {
		t.gen = t.mach.gen
	}
	markDirty(p)
	return t
}

// arm queues t to fire d from now.
func (t *Timer) arm(d time.Duration) {
	w := t.w
	t.when = w.now + max(d, 0)
	w.seq++
	slot, e := w.queue.push(t.when, w.seq)
	e.set(evTimer, t.by, 0, 0, nil, t)
	t.slot, t.queued = slot, true
}

// fire is t's event.
func (w *World) fireTimer(t *Timer) {
	t.queued = false
	if m := t.mach; m != nil && (m.gen != t.gen || !m.up) {
		return
	}
	w.recordG(RecTimer, t.by, uint64(t.when), "")
	if t.f != nil {
		w.spawnG("AfterFunc", t.ep, t.mach, t.f)
		return
	}
	v := Epoch.Add(t.when)
	if t.period > 0 {
		t.arm(t.period)
	}
	t.C.timerSend(v)
}

// Stop is Timer.Stop: it keeps the timer from firing and reports whether
// it did. As in Go 1.23, a value the timer sent and nobody received yet is
// discarded, and counts as not sent: Stop reports true, and no receive
// after Stop gets it. For an AfterFunc whose function started, false.
func (t *Timer) Stop() bool {
	w := t.w
	p := w.running()
	w.yieldPoint(p)
	markDirty(p)
	return t.stop()
}

func (t *Timer) stop() bool {
	active := t.queued
	if active {
		t.w.queue.cancel(t.slot)
		t.queued = false
	}
	if t.C != nil && t.C.drain() {
		active = true
	}
	return active
}

// Reset is Timer.Reset: the timer fires d from now, and no value from
// before is received; it reports whether the timer was active (as Stop
// would).
func (t *Timer) Reset(d time.Duration) bool {
	w := t.w
	p := w.running()
	w.yieldPoint(p)
	markDirty(p)
	active := t.stop()
	t.arm(d)
	return active
}

// Ticker is time.Ticker in virtual time: its channel receives the time
// every period; a tick nobody received yet makes the next one be dropped.
type Ticker struct {
	C *Chan[time.Time]
	t *Timer
}

// NewTicker is time.NewTicker; d must be positive.
func (c Clock) NewTicker(d time.Duration) *Ticker {
	if d <= 0 {
		panic("non-positive interval for NewTicker")
	}
	t := c.newTimer()
	t.C = NewChan[time.Time](c.w, 1)
	t.C.timer = true
	t.period = d
	t.arm(d)
	return &Ticker{C: t.C, t: t}
}

// Stop stops the ticker: no tick is sent after it returns.
func (tk *Ticker) Stop() { tk.t.Stop() }

// Reset stops the ticker and starts it again with period d.
func (tk *Ticker) Reset(d time.Duration) {
	if d <= 0 {
		panic("non-positive interval for Ticker.Reset")
	}
	tk.t.period = d
	tk.t.Reset(d)
}
