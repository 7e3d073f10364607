package sim

import (
	"fmt"
	"time"
)

// endpoint is a named place on the network: a process or a server.
type endpoint struct {
	name     string
	idx      int
	srv      *Server
	isolated int // how many active cuts isolate this endpoint
}

// index and label accept nil so that records can name "no endpoint".
func (e *endpoint) index() int {
	if e == nil {
		return 0xffff
	}
	return e.idx
}

func (e *endpoint) label() string {
	if e == nil {
		return ""
	}
	return e.name
}

// addEndpoint names ep, which lives inside its process or server, and puts
// it on the network.
func (w *World) addEndpoint(ep *endpoint, name string, srv *Server) *endpoint {
	if _, dup := w.byName[name]; dup {
		panic(fmt.Sprintf("sim: endpoint %q already exists", name))
	}
	*ep = endpoint{name: name, idx: len(w.endpoints), srv: srv}
	w.endpoints = append(w.endpoints, ep)
	w.byName[name] = ep
	return ep
}

// Server is a passive endpoint: its handlers run, one at a time on the
// scheduler, when a request is delivered to it.
type Server struct {
	w       *World
	ep      *endpoint
	self    endpoint // what ep points to
	methods map[string]*method
	paused  bool
	busy    int      // faults holding the server busy (World.occupy)
	held    []event  // requests that arrived while paused or busy, in arrival order
	mach    *Machine // the machine it is the endpoint of, if any: each request runs as a goroutine
}

// stopped reports whether the server handles no requests now: they wait.
func (s *Server) stopped() bool { return s.paused || s.busy > 0 }

// NewServer creates a server endpoint named name.
func (w *World) NewServer(name string) *Server {
	s := &Server{w: w, methods: make(map[string]*method)}
	s.ep = w.addEndpoint(&s.self, name, s)
	return s
}

// Name is the server's endpoint name.
func (s *Server) Name() string { return s.ep.name }

// method is a registered handler with the typed operations the network
// needs on its arguments and replies, so that no reflection runs per call
// for plain types.
type method struct {
	name   string
	server *endpoint
	ops    methodOps
}

// methodOps are a handler's typed operations; *handler[A, R] has them.
type methodOps interface {
	// request checks a call's types and returns the server's copy of
	// args with a fresh reply.
	request(args, reply any) (any, error)
	invoke(req any) (reply any)
	args(req any) any // the arguments inside a request
	copyReply(dst, src any) error
}

// Handle registers fn as the handler of method on s. Calls must pass args
// of type *A and reply of type *R. Values cross the network as over net/rpc
// with gob: the handler gets a fresh copy of the arguments and fills a
// fresh zero reply, and only the reply's non-zero exported fields reach the
// caller's reply struct, whose other fields keep what they held. Endpoints
// never share memory.
//
// Handle works out how to copy A and R on every call; HandleCodec takes
// a Codec worked out once.
func Handle[A, R any](s *Server, name string, fn func(args *A, reply *R)) {
	HandleCodec(s, name, NewCodec[A, R](), fn)
}

// Codec is how a method's arguments (A) and replies (R) cross the network,
// worked out from their types once. It never changes, so one Codec can serve
// every world: keep it in a variable and register it with HandleCodec,
// which then costs a run no reflection.
type Codec[A, R any] struct {
	args  *wire[A]
	reply *wire[R]
}

// NewCodec works out the Codec of A and R.
func NewCodec[A, R any]() *Codec[A, R] {
	return &Codec[A, R]{args: newWire[A](), reply: newWire[R]()}
}

// HandleCodec is Handle with the copying worked out beforehand in c.
func HandleCodec[A, R any](s *Server, name string, c *Codec[A, R], fn func(args *A, reply *R)) {
	if _, dup := s.methods[name]; dup {
		panic(fmt.Sprintf("sim: method %s already registered on %s", name, s.ep.name))
	}
	h := &handler[A, R]{codec: c, fn: fn}
	if s.w.memory != nil {
		h.spare = requestsFor[A, R](s.w.memory)
	}
	s.methods[name] = &method{name: name, server: s.ep, ops: h}
}

// handler is one registered method's handler and the requests made for it.
type handler[A, R any] struct {
	codec *Codec[A, R]
	fn    func(args *A, reply *R)
	slab  []request[A, R]
	used  int
	spare *requestSlabs[A, R] // the pool's, if the world has its memory
}

func (h *handler[A, R]) request(args, reply any) (any, error) {
	a, ok := args.(*A)
	if !ok || a == nil {
		return nil, fmt.Errorf("args is %T, want %T", args, (*A)(nil))
	}
	if r, ok := reply.(*R); !ok || r == nil {
		return nil, fmt.Errorf("reply is %T, want %T", reply, (*R)(nil))
	}
	// Requests are carved from slabs that start at firstSlab and double up
	// to maxSlab, so short runs allocate little and long ones rarely, or
	// from the slabs of earlier worlds, kept by a Runner. A handler that
	// keeps its arguments keeps their slab alive, which costs memory, never
	// correctness; a runner reuses a slab only once it makes the next
	// world.
	if h.used == len(h.slab) {
		n := min(max(2*len(h.slab)+1, firstSlab), maxSlab)
		if h.spare != nil {
			h.slab = h.spare.take(n)
		} else {
			h.slab = make([]request[A, R], n)
		}
		h.used = 0
	}
	req := &h.slab[h.used]
	h.used++
	return req, h.codec.args.intoZero(&req.args, a)
}

func (h *handler[A, R]) args(req any) any { return &req.(*request[A, R]).args }

func (h *handler[A, R]) invoke(req any) any {
	r := req.(*request[A, R])
	h.fn(&r.args, &r.reply)
	return &r.reply
}

func (h *handler[A, R]) copyReply(dst, src any) error {
	return h.codec.reply.into(dst.(*R), src.(*R))
}

// A kv-random run sends each method about 30 requests.
const (
	firstSlab = 16
	maxSlab   = 63
)

// request is what a server decodes from one delivery: fresh arguments and
// a fresh reply, in one allocation.
type request[A, R any] struct {
	args  A
	reply R
}

// Format prints the arguments, for the trace.
func (r *request[A, R]) Format(f fmt.State, verb rune) { fmt.Fprintf(f, "%+v", &r.args) }

// send carries out a Call: it resolves the method, copies the arguments and
// hands the request to the network. The server's copy of the arguments is
// made as the request leaves, not for a call the network fails first (a
// call to a server cut off, a request lost): it is the call's dearest
// part, a Raft's entries, and on the course's network most calls of a
// cut-off leader go nowhere. With a trace it is made at once, for the
// record's text; a copy that fails fails the call only if the request
// leaves, either way.
func (w *World) send(p *Proc) {
	c := &p.call
	if err := w.resolve(p, c); err != nil {
		w.misuse(p, err)
		return
	}
	var args any
	var copyErr error
	if w.opts.Trace {
		args, copyErr = c.m.ops.request(c.args, c.reply)
	}
	w.callSeq++
	c.id = w.callSeq
	w.record(RecSend, p.ep, c.server, c.id, c.m, args)
	w.seq++ // the timer's place among events due at its instant
	c.timerSeq, c.deadline = w.seq, w.now+w.opts.CallTimeout
	nf := w.nemesisRequest(p)
	if nf.Drop {
		w.loseCall(p)
		return
	}
	f := &w.opts.Faults
	if w.faultsOn && f.DropRequest > 0 && chance(w.src(streamDropReq, DecideDropRequest, p.ep), f.DropRequest) {
		w.record(RecDropReq, p.ep, c.server, c.id, c.m, nil)
		w.loseCall(p)
		return
	}
	var extra time.Duration
	for _, k := range w.onSend {
		taken, d := k.send(w, k, p)
		if taken {
			return
		}
		extra += d
	}
	if args == nil && copyErr == nil {
		args, copyErr = c.m.ops.request(c.args, c.reply)
	}
	if copyErr != nil {
		w.misuse(p, copyErr)
		return
	}
	w.transmitRequest(p, args, nf, extra)
	if nf.Duplicate {
		c.dup = true
		w.transmitRequest(p, w.copyArgs(c), nf, extra)
	}
	if w.faultsOn && f.Duplicate > 0 && chance(w.src(streamDup, DecideDuplicate, p.ep), f.Duplicate) {
		c.dup = true
		w.record(RecDup, p.ep, c.server, c.id, c.m, nil)
		w.transmitRequest(p, w.copyArgs(c), MessageFault{}, extra)
	}
}

// copyArgs is a second server-side copy of c's arguments, for a duplicate.
func (w *World) copyArgs(c *pendingCall) any {
	dup, err := c.m.ops.request(c.args, c.reply)
	if err != nil {
		panic(fmt.Sprintf("sim: copying args a second time failed: %v", err))
	}
	return dup
}

// misuse fails p's malformed call: the process panics with err when it
// resumes, at once.
func (w *World) misuse(p *Proc, err error) {
	c := &p.call
	c.misuse = fmt.Sprintf("sim: Call(%q, %q) from %s: %v", c.serverID, c.method, p.ep.name, err)
	w.schedule(w.now, evWake, p, p.waitID, 0, nil, nil)
}

// resolve finds the call's server and method (c.server, c.m).
// p's last two methods are checked first: a process mostly calls one or two.
func (w *World) resolve(p *Proc, c *pendingCall) error {
	m := p.methods[0]
	switch {
	case m != nil && m.name == c.method && m.server.name == c.serverID:
	case p.methods[1] != nil && p.methods[1].name == c.method && p.methods[1].server.name == c.serverID:
		m = p.methods[1]
		p.methods[0], p.methods[1] = m, p.methods[0]
	default:
		ep := w.byName[c.serverID]
		if ep == nil || ep.srv == nil {
			return fmt.Errorf("no server named %q", c.serverID)
		}
		if m = ep.srv.methods[c.method]; m == nil {
			return fmt.Errorf("server %q has no method %q", c.serverID, c.method)
		}
		p.methods[0], p.methods[1] = m, p.methods[0]
	}
	c.server, c.m = m.server, m
	return nil
}

// armTimer queues the timeout of p's current call, once the call may still
// be waiting at its deadline: a message of it was lost, held or delayed past
// the deadline. A call whose reply arrives in time never queues its timer.
// The timer keeps the sequence number reserved when the call was sent, so
// the order of events is the same as if it had been queued then.
func (w *World) armTimer(p *Proc) {
	c := &p.call
	if c.armed {
		return
	}
	if c.deadline < w.now {
		panic("sim: internal error: a call's timer armed after its deadline")
	}
	c.armed = true
	var e *event
	c.timer, e = w.queue.push(c.deadline, c.timerSeq)
	e.set(evTimeout, p, p.waitID, c.id, nil, nil)
}

// armFor arms the timer of the call that e belongs to, if it is still
// waiting.
func (w *World) armFor(e *event) {
	if p := e.proc; p.op == opCall && p.call.id == e.call && p.waiting(e.wait) {
		w.armTimer(p)
	}
}

// lose is what becomes of the call whose message e was lost: it times out
// at its deadline, or, on a network that tells callers (FaultKind.tells),
// fails now.
func (w *World) lose(e *event) {
	if p := e.proc; p.op == opCall && p.call.id == e.call && p.waiting(e.wait) {
		w.loseCall(p)
	}
}

// loseCall is lose for p's current call.
func (w *World) loseCall(p *Proc) {
	if w.tells {
		w.failCallAt(p, w.now)
		return
	}
	w.armTimer(p)
}

// failCallAt makes p's current call fail at virtual time at, if that is
// before its deadline and it is still waiting then.
func (w *World) failCallAt(p *Proc, at time.Duration) {
	c := &p.call
	if at < c.deadline {
		if c.armed {
			w.queue.cancel(c.timer)
			c.armed = false
		}
		c.deadline = at
	}
	w.armTimer(p)
}

func (w *World) transmitRequest(p *Proc, args any, nf MessageFault, extra time.Duration) {
	at := nf.arrival(w.now+extra+w.delay(p.ep, p.call.server, p.call.id, p.call.m), p, p.call.id)
	if at >= p.call.deadline {
		w.armTimer(p)
	}
	w.schedule(at, evRequest, p, p.waitID, p.call.id, p.call.m, args).sent = w.now
}

// deliverRequest runs the handler on a request that reached its server, and
// sends the reply back.
func (w *World) deliverRequest(e *event) {
	p, srv := e.proc, e.m.server
	if w.linkDown(p.ep, srv) {
		w.record(RecLost, p.ep, srv, e.call, e.m, nil)
		w.lose(e)
		return
	}
	if srv.srv.stopped() {
		w.record(RecHeld, p.ep, srv, e.call, e.m, nil)
		srv.srv.held = append(srv.srv.held, *e)
		w.armFor(e)
		return
	}
	for _, k := range w.onDeliver {
		if w.faultsOn && k.deliver(w, k, e) {
			w.armFor(e)
			return
		}
	}
	w.handle(e)
}

// handle runs the handler on a request that reached its server, and sends
// the reply back.
func (w *World) handle(e *event) {
	srv := e.m.server
	if e.sent < w.maxSent {
		w.stats.Reordered++
	}
	w.maxSent = max(w.maxSent, e.sent)
	if srv.srv.mach != nil {
		w.deliverOnMachine(e)
		return
	}
	w.handling = e.m // a panic in the handler ends the run in loop
	reply := e.m.ops.invoke(e.msg)
	w.handling = nil
	w.sendReply(e, reply)
}

// sendReply sends back the reply to request e that its handler returned.
func (w *World) sendReply(e *event, reply any) {
	p, srv := e.proc, e.m.server
	w.record(RecDeliver, p.ep, srv, e.call, e.m, reply)
	nf := w.nemesisReply(e, reply)
	if nf.Drop {
		w.lose(e)
		return
	}
	if w.faultsOn && w.opts.Faults.DropReply > 0 && chance(w.src(streamDropReply, DecideDropReply, p.ep), w.opts.Faults.DropReply) {
		w.record(RecDropReply, p.ep, srv, e.call, e.m, nil)
		w.lose(e)
		return
	}
	var extra time.Duration
	for _, k := range w.onReply {
		drop, d := k.reply(w, k, e)
		if drop {
			w.lose(e)
			return
		}
		extra += d
	}
	at := nf.arrival(w.now+extra+w.delay(p.ep, srv, e.call, e.m), p, e.call)
	if at >= p.call.deadline {
		w.armFor(e)
	}
	w.schedule(at, evReply, p, e.wait, e.call, e.m, reply)
}

func (w *World) deliverReply(e *event) {
	p, srv := e.proc, e.m.server
	if w.linkDown(srv, p.ep) {
		w.record(RecLost, p.ep, srv, e.call, e.m, replyMark)
		w.lose(e)
		return
	}
	if !p.waiting(e.wait) || p.op != opCall || p.call.id != e.call {
		w.record(RecLate, p.ep, srv, e.call, e.m, nil)
		return
	}
	if err := e.m.ops.copyReply(p.call.reply, e.msg); err != nil {
		p.call.misuse = fmt.Sprintf("sim: reply of %s: %v", e.m.name, err)
	}
	w.record(RecReply, p.ep, srv, e.call, e.m, nil)
	if p.call.armed {
		w.queue.cancel(p.call.timer)
	}
	p.call.ok = true
	w.resume(p)
}

// delay draws a one-way message latency: the base latency, uniform jitter,
// and, with probability TailProb, an extra delay up to Tail, long enough for
// messages to overtake each other. The arguments name the message for the
// trace.
func (w *World) delay(proc, peer *endpoint, call uint64, m *method) time.Duration {
	f := &w.opts.Faults
	// A fault that is off draws nothing, and needs no stream.
	d := f.Latency
	if f.Jitter > 0 {
		d += upTo(w.src(streamJitter, DecideJitter, proc), f.Jitter)
	}
	if w.faultsOn && f.TailProb > 0 && chance(w.src(streamTail, DecideTail, proc), f.TailProb) {
		w.record(RecTail, proc, peer, call, m, nil)
		d += upTo(w.src(streamTail, DecideTailDelay, proc), f.Tail)
	}
	return d
}
