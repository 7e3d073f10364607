package sim

import "time"

// Nemesis aims faults at particular messages. The simulator knows no roles;
// the scenario layer does (which process holds a lock, which Put created a
// key), and decides here what happens to each message.
//
// Its methods run on the scheduler, only while faults are on (before
// Faults.Until), once for each request as it is sent and once for each
// reply as its handler returns. They may draw from World.Entropy, call
// Isolate, Rejoin, Pause and Resume, and schedule with At (check FaultsOn
// there). The Message is valid only during the call.
type Nemesis interface {
	Request(m *Message) MessageFault
	Reply(m *Message) MessageFault
}

// Message is a read-only view of a message about to cross the network.
type Message struct {
	Caller string // the calling process
	Server string
	Method string
	Call   uint64 // the call's id, as in the trace
	// Args is the call's arguments (*A); Reply, for replies only, the
	// handler's reply (*R). Do not modify them.
	Args, Reply any
	// Deadline is when the caller's call times out (0 for the reply to a
	// call that is already over, such as a duplicate's).
	Deadline time.Duration
}

// MessageFault is what a Nemesis does to a message; the zero value lets it
// through. Each fault that applies is a trace record (nemesis-drop,
// nemesis-dup, nemesis-delay, nemesis-hold) and a Stats count.
type MessageFault struct {
	Drop      bool          // lose the message
	Duplicate bool          // deliver a request twice (ignored for replies)
	Delay     time.Duration // add to the message's delay
	// Hold delivers the message just after the caller's call times out (if
	// it would arrive earlier): a held request runs after the caller gave
	// up, a held reply races the caller's retry.
	Hold bool
}

// FaultsOn reports whether faults are on (the run has not reached
// Faults.Until).
func (w *World) FaultsOn() bool { return w.faultsOn }

// nemesisRequest asks the nemesis about p's request, and records what it
// decides.
func (w *World) nemesisRequest(p *Proc) MessageFault {
	if w.opts.Nemesis == nil || !w.faultsOn {
		return MessageFault{}
	}
	return w.askRequest(p)
}

func (w *World) askRequest(p *Proc) MessageFault {
	c := &p.call
	w.setMessage(p.ep, c.m, c.id, c.args, nil, c.deadline)
	f := w.opts.Nemesis.Request(&w.msg)
	w.recordNemesis(f, p.ep, c.server, c.id, c.m, nil)
	return f
}

// nemesisReply asks the nemesis about the reply to request e.
func (w *World) nemesisReply(e *event, reply any) MessageFault {
	if w.opts.Nemesis == nil || !w.faultsOn {
		return MessageFault{}
	}
	return w.askReply(e, reply)
}

func (w *World) askReply(e *event, reply any) MessageFault {
	p := e.proc
	deadline := p.call.deadline
	if p.call.id != e.call {
		deadline = 0 // the call is over
	}
	w.setMessage(p.ep, e.m, e.call, e.m.ops.args(e.msg), reply, deadline)
	f := w.opts.Nemesis.Reply(&w.msg)
	f.Duplicate = false
	w.recordNemesis(f, p.ep, e.m.server, e.call, e.m, replyMark)
	return f
}

// setMessage fills the world's Message field by field: assigning a whole
// struct would take the collector's bulk write barrier while it runs. The
// previous message's values stay until overwritten, which keeps nothing
// alive past the world.
func (w *World) setMessage(caller *endpoint, m *method, call uint64, args, reply any, deadline time.Duration) {
	msg := &w.msg
	msg.Caller, msg.Server, msg.Method = caller.name, m.server.name, m.name
	msg.Call, msg.Args, msg.Reply, msg.Deadline = call, args, reply, deadline
}

// recordNemesis records each fault in f; text says which way the message
// went when it was a reply.
func (w *World) recordNemesis(f MessageFault, proc, peer *endpoint, call uint64, m *method, text any) {
	for _, r := range [...]struct {
		on   bool
		kind RecordKind
	}{{f.Drop, RecNemesisDrop}, {f.Duplicate && !f.Drop, RecNemesisDup}, {f.Delay > 0 && !f.Drop, RecNemesisDelay}, {f.Hold && !f.Drop, RecNemesisHold}} {
		if r.on {
			w.record(r.kind, proc, peer, call, m, text)
		}
	}
}

// arrival applies a nemesis's delay and hold to a message of p's current
// call (call) that would arrive at at.
func (f *MessageFault) arrival(at time.Duration, p *Proc, call uint64) time.Duration {
	if f.Delay > 0 {
		at += f.Delay
	}
	if f.Hold && p.call.id == call && at <= p.call.deadline {
		at = p.call.deadline + 1
	}
	return at
}
