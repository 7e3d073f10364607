package sim

import "iter"

// Chan is a channel of T for goroutines under the simulator, with Go's
// semantics: unbuffered or buffered, FIFO, closable; a send on a closed
// channel, a close of a closed or nil channel panic as Go's do (with a
// runtime.Error of Go's message). Make one with NewChan. A nil *Chan is a
// nil channel: Len and Cap are 0, Close panics, and the package functions
// Send, Recv, Recv2 and Range block forever on it, as Select never picks
// its cases; its methods Send, Recv, Recv2 and All, which have no world to
// block in, panic.
//
// Every operation is a scheduling point: what else is due at the instant
// may go first, in an order drawn from the entropy.
type Chan[T any] struct {
	w      *World
	buf    []T // a ring of cap(c) values, n of them from head
	head   int
	n      int
	closed bool
	timer  bool // a timer's channel: Len and Cap are 0, as in Go 1.23
	recvq  waitQueue[T]
	sendq  waitQueue[T]
	free   *waiter[T]
	got    T // what a receive case of the last Select that chose one got
	gotOK  bool
	sent   func(T) // OnSend's observer, or nil
}

// OnSend has f see every value sent on c as its send completes (handed
// to a receiver or put in the buffer), in the order the sends complete:
// for a checker that reads what one goroutine hands another without
// standing between them, which would change when each send completes. f
// runs in the goroutine whose operation completed the send and must not
// block.
func (c *Chan[T]) OnSend(f func(T)) { c.sent = f }

// NewChan makes a channel of T with room for size values: make(chan T,
// size).
func NewChan[T any](w *World, size int) *Chan[T] {
	if size < 0 {
		panic(runtimeError("makechan: size out of range"))
	}
	w.rt.used = true
	return &Chan[T]{w: w, buf: make([]T, size)}
}

// waiter is a goroutine blocked on a channel: in a send, a receive or a
// select (sel).
type waiter[T any] struct {
	prev, next *waiter[T]
	queue      *waitQueue[T] // the queue it is in, nil when in none
	c          *Chan[T]
	p          *Proc
	id         uint64       // p's wait id
	sel        *selectState // nil for a send or receive
	idx        int          // its case in sel
	recv       bool         // a receive case of sel
	v          T            // the value sent, or received
	ok         bool         // a receive got a value (false: closed)
	closed     bool         // a send was ended by close
}

type waitQueue[T any] struct{ head, tail *waiter[T] }

func (q *waitQueue[T]) push(wt *waiter[T]) {
	wt.queue, wt.prev, wt.next = q, q.tail, nil
	if q.tail == nil {
		q.head = wt
	} else {
		q.tail.next = wt
	}
	q.tail = wt
}

func (q *waitQueue[T]) remove(wt *waiter[T]) {
	if wt.prev == nil {
		q.head = wt.next
	} else {
		wt.prev.next = wt.next
	}
	if wt.next == nil {
		q.tail = wt.prev
	} else {
		wt.next.prev = wt.prev
	}
	wt.queue, wt.prev, wt.next = nil, nil, nil
}

// first is the longest-waiting goroutine that still waits, dropping the
// others: a crashed machine's goroutines, and selects another case ended.
func (q *waitQueue[T]) first() *waiter[T] {
	for wt := q.head; wt != nil; wt = q.head {
		if wt.p.waiting(wt.id) && (wt.sel == nil || !wt.sel.done) {
			return wt
		}
		q.remove(wt)
	}
	return nil
}

func (q *waitQueue[T]) pop() *waiter[T] {
	for wt := q.head; wt != nil; wt = q.head {
		q.head = wt.next
		if q.head == nil {
			q.tail = nil
		} else {
			q.head.prev = nil
		}
		wt.queue, wt.next = nil, nil
		if wt.p.waiting(wt.id) && (wt.sel == nil || !wt.sel.done) {
			return wt
		}
	}
	return nil
}

// waiter is a spare waiter of c, for p.
func (c *Chan[T]) waiter(p *Proc) *waiter[T] {
	wt := c.free
	if wt != nil {
		c.free, wt.next = wt.next, nil
	} else {
		wt = &waiter[T]{c: c}
	}
	wt.p = p
	return wt
}

func (c *Chan[T]) release(wt *waiter[T]) {
	var zero T
	wt.p, wt.sel, wt.v, wt.ok, wt.closed, wt.recv = nil, nil, zero, false, false, false
	wt.next, c.free = c.free, wt
}

// complete ends the wait of wt, which an operation on c just served.
func (c *Chan[T]) complete(wt *waiter[T]) {
	if s := wt.sel; s != nil {
		s.finish(wt.idx)
	}
	c.w.ready(wt.p, wt.id)
}

// Send sends v on c: c <- v.
func (c *Chan[T]) Send(v T) {
	if c == nil {
		panic(nilChan("Send"))
	}
	w := c.w
	p := w.running()
	w.yieldPoint(p)
	if c.trySend(v) {
		markDirty(p)
		return
	}
	p = w.mustBlock(p, "chan send", nil)
	wt := c.waiter(p)
	wt.v = v
	wt.id = p.beginPark("chan send", c)
	c.sendq.push(wt)
	p.park()
	closed := wt.closed
	c.release(wt)
	if closed {
		panic(runtimeError("send on closed channel"))
	}
}

// trySend sends v if it can without blocking.
func (c *Chan[T]) trySend(v T) bool {
	if c.closed {
		panic(runtimeError("send on closed channel"))
	}
	if r := c.recvq.pop(); r != nil {
		r.v, r.ok = v, true
		c.complete(r)
		c.observe(v)
		return true
	}
	if c.n < len(c.buf) {
		c.buf[(c.head+c.n)%len(c.buf)] = v
		c.n++
		c.observe(v)
		return true
	}
	return false
}

func (c *Chan[T]) observe(v T) {
	if c.sent != nil {
		c.sent(v)
	}
}

// Recv receives from c: <-c.
func (c *Chan[T]) Recv() T {
	v, _ := c.Recv2()
	return v
}

// Recv2 receives from c and reports whether the value came from a send
// (false: c is closed and drained): v, ok := <-c.
func (c *Chan[T]) Recv2() (T, bool) {
	if c == nil {
		panic(nilChan("Recv"))
	}
	w := c.w
	p := w.running()
	w.yieldPoint(p)
	if v, ok, done := c.tryRecv(); done {
		markDirty(p)
		return v, ok
	}
	p = w.mustBlock(p, "chan receive", nil)
	wt := c.waiter(p)
	wt.id = p.beginPark("chan receive", c)
	c.recvq.push(wt)
	p.park()
	v, ok := wt.v, wt.ok
	c.release(wt)
	return v, ok
}

// tryRecv receives if it can without blocking (done).
func (c *Chan[T]) tryRecv() (v T, ok, done bool) {
	if s := c.sendq.pop(); s != nil {
		if len(c.buf) == 0 {
			v = s.v
		} else { // full: take the oldest, and the sender's goes last
			v = c.buf[c.head]
			c.buf[c.head] = s.v
			c.head = (c.head + 1) % len(c.buf)
		}
		c.complete(s)
		c.observe(s.v)
		return v, true, true
	}
	if c.n > 0 {
		var zero T
		v, c.buf[c.head] = c.buf[c.head], zero
		c.head = (c.head + 1) % len(c.buf)
		c.n--
		return v, true, true
	}
	if c.closed {
		return v, false, true
	}
	return v, false, false
}

// Close closes c: close(c). Blocked receivers get the zero value and
// false, blocked senders panic.
func (c *Chan[T]) Close() {
	if c == nil {
		panic(runtimeError("close of nil channel"))
	}
	w := c.w
	p := w.running()
	w.yieldPoint(p)
	if c.closed {
		panic(runtimeError("close of closed channel"))
	}
	c.closed = true
	var zero T
	for r := c.recvq.pop(); r != nil; r = c.recvq.pop() {
		r.v, r.ok = zero, false
		c.complete(r)
	}
	for s := c.sendq.pop(); s != nil; s = c.sendq.pop() {
		s.closed = true
		c.complete(s)
	}
	markDirty(p)
}

// Len is the number of values buffered in c: len(c).
func (c *Chan[T]) Len() int {
	if c == nil || c.timer {
		return 0
	}
	c.w.yieldPoint(c.w.running())
	return c.n
}

// Cap is c's buffer size: cap(c).
func (c *Chan[T]) Cap() int {
	if c == nil || c.timer {
		return 0
	}
	return len(c.buf)
}

// All receives from c until it is closed and drained: for v := range c
// is for v := range c.All().
func (c *Chan[T]) All() iter.Seq[T] {
	if c == nil {
		panic(nilChan("All"))
	}
	return func(yield func(T) bool) {
		for {
			v, ok := c.Recv2()
			if !ok || !yield(v) {
				return
			}
		}
	}
}

// Send sends v on c, blocking forever if c is nil: c <- v for a channel
// that may be nil.
func Send[T any](w *World, c *Chan[T], v T) {
	if c == nil {
		w.blockForever("chan send (nil chan)")
	}
	c.Send(v)
}

// Recv receives from c, blocking forever if c is nil.
func Recv[T any](w *World, c *Chan[T]) T {
	v, _ := Recv2(w, c)
	return v
}

// Recv2 is v, ok := <-c for a channel that may be nil.
func Recv2[T any](w *World, c *Chan[T]) (T, bool) {
	if c == nil {
		w.blockForever("chan receive (nil chan)")
	}
	return c.Recv2()
}

// Range is for v := range c for a channel that may be nil.
func Range[T any](w *World, c *Chan[T]) iter.Seq[T] {
	if c == nil {
		return func(func(T) bool) { w.blockForever("chan receive (nil chan)") }
	}
	return c.All()
}

func nilChan(method string) string {
	return "sim: Chan." + method + " on a nil channel, which would block forever: use sim." + method + "(w, c, ...), which does"
}

// runtimeError is a panic the runtime raises where Go's runtime does,
// with Go's message: it is a runtime.Error, as Go's are.
type runtimeError string

func (e runtimeError) Error() string { return string(e) }

// RuntimeError marks it as a runtime.Error.
func (runtimeError) RuntimeError() {}

// timerSend delivers a timer's tick: to a waiting receiver, else into
// the buffer if there is room, else nowhere (a ticker's missed tick).
func (c *Chan[T]) timerSend(v T) {
	if r := c.recvq.pop(); r != nil {
		r.v, r.ok = v, true
		c.complete(r)
		return
	}
	if c.n < len(c.buf) {
		c.buf[(c.head+c.n)%len(c.buf)] = v
		c.n++
	}
}

// drain empties the buffer, as stopping a timer does, and reports
// whether it held a value.
func (c *Chan[T]) drain() bool {
	had := c.n > 0
	clear(c.buf)
	c.head, c.n = 0, 0
	return had
}
