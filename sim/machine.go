package sim

import (
	"bytes"
	"fmt"
	"slices"
	"time"
)

// Machine is a set of goroutines and a network endpoint that crash
// together and restart from a constructor, keeping only what they saved
// in their Persister. Its endpoint is a server (Server), whose handlers run
// each delivered request as a goroutine of the machine, so that a handler
// may wait on a lock, a channel or a condition; its goroutines call other
// endpoints from it (w.Running().Call), and partitions and pauses aim at
// it as at any endpoint.
//
// Crash stops every goroutine of the machine where it is: none runs again,
// not even its deferred calls (they are unwound when the run ends, where
// the runtime ignores them). The messages in flight to and from it are
// lost, as are requests that reach it while it is down; its timers never
// fire. Restart runs the constructor again, on fresh goroutines.
type Machine struct {
	w     *World
	srv   *Server
	build func(m *Machine)
	up    bool
	gen   uint64 // the incarnation, from 1
	store Persister
	// handling are the requests whose handlers run now, in arrival order.
	handling []Handling
}

// Handling is a request whose handler runs on a machine and has not
// returned.
type Handling struct {
	Method string        // the handler's method, "KVServer.Get"
	From   string        // the caller's endpoint
	Since  time.Duration // when the request arrived
	g      *Proc         // the handler's goroutine
}

// Goroutine is the handler's goroutine: what it is doing and where it
// waits.
func (h Handling) Goroutine() GoroutineInfo { return h.g.w.info(h.g) }

// Handling are the requests whose handlers run on m now and have not
// returned, oldest first: none on a machine that is down, whose handlers
// stopped with it.
func (m *Machine) Handling() []Handling { return slices.Clone(m.handling) }

// NewMachine makes a machine named name (its endpoint's name) and starts
// it: build runs at once, as Restart will run it again. build registers
// the handlers on m.Server(), reads m.Persister() and starts goroutines
// with w.Go; those belong to m. It must not block (a constructor that
// would panics), as the course's Make must return quickly; what it sets up
// it hands to the caller through its closure.
func (w *World) NewMachine(name string, build func(m *Machine)) *Machine {
	m := &Machine{w: w, build: build}
	m.srv = w.NewServer(name)
	m.srv.mach = m
	m.store.m = m
	w.rt.used = true
	m.start()
	return m
}

// Name is the machine's endpoint name.
func (m *Machine) Name() string { return m.srv.Name() }

// Server is the machine's endpoint, to register handlers on (Handle).
func (m *Machine) Server() *Server { return m.srv }

// Persister is what survives the machine's crashes.
func (m *Machine) Persister() *Persister { return &m.store }

// Up reports whether the machine runs (it has not crashed since it last
// started).
func (m *Machine) Up() bool { return m.up }

// Incarnation counts the machine's starts: 1 until its first restart.
func (m *Machine) Incarnation() int { return int(m.gen) }

func (m *Machine) start() {
	w := m.w
	m.up = true
	m.gen++
	w.record(RecStart, nil, m.srv.ep, 0, nil, machineText(w, "incarnation", m.gen))
	prev := w.rt.building
	w.rt.building = m
	defer func() { w.rt.building = prev }()
	m.build(m)
}

// Crash stops the machine: see Machine. Crashing a machine that is down
// does nothing; a goroutine of the machine that crashes it stops there.
func (m *Machine) Crash() {
	w := m.w
	if !m.up {
		return
	}
	if w.rt.building == m {
		panic("sim: machine " + m.Name() + " crashed inside its own constructor")
	}
	m.up = false
	w.record(RecCrash, nil, m.srv.ep, 0, nil, machineText(w, "incarnation", m.gen))
	cur := w.running()
	self := false
	for i := 0; i < len(w.rt.live); {
		p := w.rt.live[i]
		if p.rt.mach != m {
			i++
			continue
		}
		p.rt.crashed = true
		p.waitID++ // whatever would wake it is stale now
		self = self || p == cur
		w.dropLive(p)
		w.rt.crashed = append(w.rt.crashed, p)
		if e := p.rt.serving; e != nil {
			// On a network that tells callers (only there: elsewhere the
			// caller's timer is armed already), the call it handled fails.
			p.rt.serving = nil
			w.lostToCrash(e)
		}
	}
	w.dropInFlight(m)
	m.handling = m.handling[:0]
	if self {
		cur.stopHere()
	}
}

// Restart crashes the machine if it is up, then runs its constructor
// again with a fresh set of handlers. Only the Persister is kept.
func (m *Machine) Restart() {
	m.Crash()
	m.srv.methods = make(map[string]*method)
	m.start()
}

func machineText(w *World, what string, n uint64) any {
	if !w.opts.Trace {
		return nil
	}
	return fmt.Sprintf("%s %d", what, n)
}

// dropInFlight loses every message in flight to and from crashed machine
// m, and every event of its goroutines and timers.
func (w *World) dropInFlight(m *Machine) {
	q := &w.queue
	slots := w.rt.lost[:0]
	for _, h := range q.run {
		slots = append(slots, h.slot)
	}
	for _, h := range q.heap {
		slots = append(slots, h.slot)
	}
	w.rt.lost = slots
	for _, slot := range slots {
		e := &q.slots[slot]
		switch {
		case e.kind == evCancelled, e.kind == evSlowDone: // a slow service's end is the world's callback, as At's
			continue
		case e.kind == evTimer:
			t := e.msg.(*Timer)
			if t.mach != m {
				continue
			}
			t.queued = false
		case (e.kind == evRequest || e.kind == evReply) && e.m.server == m.srv.ep:
			w.lostToCrash(e)
		case e.proc != nil && e.proc.rt.crashed:
			if e.kind == evRequest {
				w.record(RecLost, e.proc.ep, e.m.server, e.call, e.m, "crash")
			}
		default:
			continue
		}
		q.cancel(slot) // e may be stale: lostToCrash may have queued a timer
	}
	for _, ep := range w.endpoints {
		if ep.srv == nil || len(ep.srv.held) == 0 {
			continue
		}
		held := ep.srv.held[:0]
		for i := range ep.srv.held {
			e := &ep.srv.held[i]
			switch {
			case e.m.server == m.srv.ep:
				w.lostToCrash(e)
			case e.proc.rt.crashed:
			default:
				held = append(held, *e)
			}
		}
		clear(ep.srv.held[len(held):])
		ep.srv.held = held
	}
}

// lostToCrash records that a message to or from a crashed machine is
// lost, and arms its caller's timer if the caller still waits.
func (w *World) lostToCrash(e *event) {
	if e.proc.rt.crashed {
		return
	}
	w.record(RecLost, e.proc.ep, e.m.server, e.call, e.m, "crash")
	w.lose(e)
}

// deliverOnMachine runs a request that reached a machine's server as a
// goroutine of the machine, which sends the reply when the handler
// returns; a request that reaches a machine that is down is lost.
func (w *World) deliverOnMachine(e *event) {
	m := e.m.server.srv.mach
	h := m.srv.methods[e.m.name] // this incarnation's handler
	if !m.up || h == nil {
		w.record(RecLost, e.proc.ep, e.m.server, e.call, e.m, "machine down")
		w.lose(e)
		return
	}
	w.armFor(e) // the handler may take any time, or never return if m crashes
	req := *e   // e's slot is reused once this returns
	req.m = h
	g := w.spawnG(h.name, m.srv.ep, m, func() {
		reply := h.ops.invoke(req.msg)
		self := w.running()
		self.rt.serving = nil
		m.handling = slices.DeleteFunc(m.handling, func(h Handling) bool { return h.g == self })
		w.sendReply(&req, reply)
	})
	m.handling = append(m.handling, Handling{Method: h.name, From: e.proc.ep.name, Since: w.now, g: g})
	if w.tells {
		g.rt.serving = &req
	}
}

// Persister is a machine's stable storage: Raft state and a snapshot,
// saved together, atomically (a crash never tears a completed Save), read
// as copies. Save is a scheduling point, so a crash can fall on either
// side of it.
type Persister struct {
	m               *Machine
	state, snapshot []byte
	// The arrays state and snapshot are kept in, reused by the next Save:
	// nothing outside sees them (reads are copies), and a Raft saves its
	// whole state on every change.
	stateBuf, snapBuf []byte
}

// Save replaces the state and the snapshot with copies of state and
// snapshot.
func (ps *Persister) Save(state, snapshot []byte) {
	w := ps.m.w
	p := w.running()
	w.yieldPoint(p)
	ps.state, ps.stateBuf = keepCopy(ps.stateBuf, state)
	ps.snapshot, ps.snapBuf = keepCopy(ps.snapBuf, snapshot)
	markDirty(p)
}

// keepCopy copies b into buf's array (a new one if it is too small) and
// returns the copy, nil for nil as bytes.Clone, and the array.
func keepCopy(buf, b []byte) (cp, array []byte) {
	if b == nil {
		return nil, buf
	}
	buf = append(buf[:0], b...)
	return buf, buf
}

// ReadState is a copy of the saved state.
func (ps *Persister) ReadState() []byte { return bytes.Clone(ps.state) }

// ReadSnapshot is a copy of the saved snapshot.
func (ps *Persister) ReadSnapshot() []byte { return bytes.Clone(ps.snapshot) }

// StateSize is the saved state's length in bytes.
func (ps *Persister) StateSize() int { return len(ps.state) }

// SnapshotSize is the saved snapshot's length in bytes.
func (ps *Persister) SnapshotSize() int { return len(ps.snapshot) }
