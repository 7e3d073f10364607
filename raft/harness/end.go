package harness

import (
	"reflect"

	"github.com/kvsim/kvsim/sim"
)

// End is the course's labrpc.ClientEnd: one server's way to call one peer
// over the simulated network, from the goroutine that calls, so from the
// calling server's endpoint.
type End struct {
	w    *sim.World
	peer string
	// replied, if set, is told of each call that came back with a reply,
	// in the calling goroutine.
	replied func(method string, args, reply any)
}

// NewEnd is an end through which goroutines of w call the server peer.
func NewEnd(w *sim.World, peer string) *End { return &End{w: w, peer: peer} }

// Peer is the name of the server the end calls.
func (e *End) Peer() string { return e.peer }

// Call calls svcMeth ("Raft.AppendEntries") on the peer with args and
// reply, as labrpc's ClientEnd.Call: true if a reply came back (and
// filled reply as gob would), false if the request or the reply was lost
// or the peer is cut off or down. It blocks the calling goroutine, which
// must be a goroutine of the simulation (a Raft's goroutines and
// handlers are). Like labrpc, it takes args either as a pointer or as a
// value.
func (e *End) Call(svcMeth string, args, reply any) bool {
	p := e.w.Running()
	if p == nil {
		panic("harness: End.Call(" + svcMeth + ") outside a goroutine of the simulation")
	}
	if v := reflect.ValueOf(args); v.Kind() != reflect.Pointer {
		ptr := reflect.New(v.Type())
		ptr.Elem().Set(v)
		args = ptr.Interface()
	}
	ok := p.Call(e.peer, svcMeth, args, reply)
	if ok && e.replied != nil {
		e.replied(svcMeth, args, reply)
	}
	return ok
}
