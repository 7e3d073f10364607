package sim

import "fmt"

// Case is one case of a Select: a send (Chan.SendCase), a receive
// (Chan.RecvCase) or the default (Default). A case on a nil channel is
// never ready.
type Case struct {
	ch  selectable
	dir caseDir
	v   any // what a send case sends
}

type caseDir uint8

const (
	caseNil caseDir = iota // a case on a nil channel
	caseSend
	caseRecv
	caseDefault
)

// selectable is a channel's side of Select, for any element type.
type selectable interface {
	ready(dir caseDir) bool
	commit(dir caseDir, v any)
	enqueue(s *selectState, idx int, dir caseDir, v any, p *Proc, id uint64)
	peer(dir caseDir, self *Proc) (endpoint, goroutine int)
}

// SendCase is the case c <- v of a Select. v is evaluated where the case
// is made, as Go evaluates a select's send expressions on entering it.
func (c *Chan[T]) SendCase(v T) Case {
	if c == nil {
		return Case{}
	}
	return Case{ch: c, dir: caseSend, v: v}
}

// RecvCase is the case <-c of a Select; when Select picks it, Received
// has what it got.
func (c *Chan[T]) RecvCase() Case {
	if c == nil {
		return Case{}
	}
	return Case{ch: c, dir: caseRecv}
}

// Received is the value and ok of the receive from c that the Select
// that just returned picked: call it first thing in that case's branch.
func (c *Chan[T]) Received() (T, bool) {
	return c.got, c.gotOK
}

// Default is a select's default case.
func Default() Case { return Case{dir: caseDefault} }

// Select runs a select statement over cases and returns the index of the
// case that proceeded: among the ready cases, one drawn from the entropy
// (a named draw, DecideSelect, and a trace record), so that every
// strategy explores it; if none is ready, the default case if there is
// one; else it blocks until a case can proceed. A select with no cases,
// or only cases on nil channels, blocks forever.
//
// A rewriter maps
//
//	select {
//	case v, ok := <-a: A
//	case b <- x: B
//	default: D
//	}
//
// onto
//
//	ca, cb := a, b
//	switch w.Select(ca.RecvCase(), cb.SendCase(x), sim.Default()) {
//	case 0:
//		v, ok := ca.Received()
//		A
//	case 1:
//		B
//	default:
//		D
//	}
//
// where break, continue, goto and return keep their meaning.
func (w *World) Select(cases ...Case) int {
	p := w.running()
	w.yieldPoint(p)
	var buf [8]int
	ready, def := buf[:0], -1
	for i := range cases {
		switch cs := &cases[i]; cs.dir {
		case caseDefault:
			if def >= 0 {
				panic("sim: Select with two default cases")
			}
			def = i
		case caseSend, caseRecv:
			if cs.ch.ready(cs.dir) {
				ready = append(ready, i)
			}
		}
	}
	if len(ready) > 0 {
		pick := 0
		if len(ready) > 1 {
			pick = w.drawSelect(p, cases, ready)
		}
		i := ready[pick]
		w.recordG(RecSelect, p, uint64(i)<<32|uint64(len(ready)), w.selectText(i, len(ready)))
		markDirty(p)
		cases[i].ch.commit(cases[i].dir, cases[i].v)
		return i
	}
	if def >= 0 {
		w.recordG(RecSelect, p, uint64(def)<<32, w.selectText(def, 0))
		return def
	}
	p = w.mustBlock(p, "select", nil)
	s := &p.rt.sel
	s.done, s.chosen, s.ws = false, -1, s.ws[:0]
	id := p.beginPark("select", nil)
	for i := range cases {
		if cs := &cases[i]; cs.dir == caseSend || cs.dir == caseRecv {
			cs.ch.enqueue(s, i, cs.dir, cs.v, p, id)
		}
	}
	p.park()
	i := s.chosen
	closed := false
	for _, wt := range s.ws {
		closed = wt.settle(i) || closed
	}
	clear(s.ws)
	s.ws = s.ws[:0]
	if w.opts.Trace { // the operation that woke it decided the case
		w.traceG(RecSelect, p, fmt.Sprintf("case %d, woken", i))
	}
	if closed {
		panic(runtimeError("send on closed channel"))
	}
	return i
}

func (w *World) selectText(i, ready int) string {
	if !w.opts.Trace {
		return ""
	}
	if ready == 0 {
		return fmt.Sprintf("default (case %d)", i)
	}
	return fmt.Sprintf("case %d, of %d ready", i, ready)
}

// drawSelect draws which of a select's ready cases proceeds. A Chooser
// sees it as a tie between the goroutines on the other side of each case
// (the selecting one's own endpoint for a buffer or a closed channel).
func (w *World) drawSelect(p *Proc, cases []Case, ready []int) int {
	n := uint64(len(ready))
	var v uint64
	if w.chooser == nil {
		v = w.stream(streamSelect).Uint64N(n)
	} else {
		w.dueBuf = w.dueBuf[:0]
		for _, i := range ready {
			ep, g := cases[i].ch.peer(cases[i].dir, p)
			w.dueBuf = append(w.dueBuf, Due{Endpoint: ep, Goroutine: g, Kind: DueReady})
		}
		self := endpointIndex(p.endpoint())
		w.choice = Draw{Decision: DecideSelect, N: n, Endpoint: self, Due: w.dueBuf, Stream: streamNames[streamSelect]}
		v = w.ask()
	}
	return int(v)
}

// selectState is a goroutine's blocked select: its waiters on every
// channel of its cases, and the case that proceeded.
type selectState struct {
	done   bool
	chosen int
	ws     []selectWaiter
}

// selectWaiter is a waiter[T] of a select, for any T.
type selectWaiter interface {
	// settle takes the waiter back once the select is over, noting what
	// case chosen got, and reports whether that was a send ended by close.
	settle(chosen int) (closedSend bool)
}

// finish ends the select with case idx, whose waiter the operation that
// served it has taken out of its queue. Its other waiters stay in theirs
// until the select's goroutine settles them; meanwhile no operation takes
// them (waitQueue.first), as in Go's runtime.
func (s *selectState) finish(idx int) {
	s.done, s.chosen = true, idx
}

func (c *Chan[T]) ready(dir caseDir) bool {
	if dir == caseSend {
		return c.closed || c.recvq.first() != nil || c.n < len(c.buf)
	}
	return c.sendq.first() != nil || c.n > 0 || c.closed
}

// peer is the endpoint and number of the goroutine on the other side of
// a ready case, or self's when there is none (a buffer, a closed channel).
func (c *Chan[T]) peer(dir caseDir, self *Proc) (int, int) {
	q := &c.sendq
	if dir == caseSend {
		q = &c.recvq
	}
	p := self
	if wt := q.first(); wt != nil {
		p = wt.p
	}
	if p == nil {
		return -1, 0
	}
	return endpointIndex(p.ep), int(p.rt.id)
}

func (c *Chan[T]) commit(dir caseDir, v any) {
	if dir == caseSend {
		c.trySend(v.(T))
		return
	}
	c.got, c.gotOK, _ = c.tryRecv()
}

func (c *Chan[T]) enqueue(s *selectState, idx int, dir caseDir, v any, p *Proc, id uint64) {
	wt := c.waiter(p)
	wt.sel, wt.idx, wt.id, wt.recv = s, idx, id, dir == caseRecv
	if dir == caseSend {
		wt.v = v.(T)
		c.sendq.push(wt)
	} else {
		c.recvq.push(wt)
	}
	s.ws = append(s.ws, wt)
}

func (wt *waiter[T]) unlink() {
	if wt.queue != nil {
		wt.queue.remove(wt)
	}
}

func (wt *waiter[T]) settle(chosen int) bool {
	c := wt.c
	closed := false
	if wt.idx == chosen {
		if wt.recv {
			c.got, c.gotOK = wt.v, wt.ok
		} else {
			closed = wt.closed
		}
	}
	wt.unlink()
	c.release(wt)
	return closed
}
