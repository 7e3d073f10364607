package sim

import "time"

// SlowServer is the slow-server fault: a server takes longer to serve some
// requests, as one does behind a collector's pause, a slow disk or a lock
// convoy, and the requests that reach it meanwhile wait their turn, in
// order. Its setting is a Level (Faults.With(SlowServer, Level{P, D})):
// each request that reaches a server that is serving nothing else is, with
// probability P, handled up to D after it arrived. It is the fault added
// beside the built-in ones in one file: its records (and how a report
// draws them), decisions, stream and setting text
// ("slow-server=0.20/50ms") are registered here, and the world, the
// report and the profiles pick them up from the registry.
var SlowServer = registerFault(FaultKind{
	name:    "slow-server",
	doc:     "a server takes up to D longer to serve a request, with probability P; requests that reach it meanwhile wait",
	records: []RecordKind{recSlow},
	gated:   true,
	// Swarm draws it as it draws the built-in kinds, each service up to a
	// fifth of a second at most: past the call timeout, so that callers
	// retry into the queue, yet short enough that a server stays live.
	levelDraw: func(d swarmDraw) Level {
		return Level{P: d.level(), D: time.Duration(10+d.e.Uint64N(190)) * time.Millisecond}
	},
	deliver: serveSlowly,
})

var (
	// recSlow starts the slow service of a request, recSlowDone ends it:
	// a span on the server's lane.
	recSlow     = newRecordKind("slow", Drawing{As: AsSpanStart, Span: "slow", Label: "slow", PeerOnly: true})
	recSlowDone = newRecordKind("slow-done", Drawing{As: AsSpanEnd, Span: "slow", PeerOnly: true})
	// decideSlow is whether a request is served slowly, decideService for
	// how long.
	decideSlow    = newDecision("slow-server", ClassFault)
	decideService = newDecision("service-time", ClassAmount)
)

// serveSlowly is the slow server's hook on a request that reached its
// server: with probability P it holds the server busy and handles the
// request once its service time is over. The end of the service is an
// evSlowDone event that carries the request's own fields, where a closure
// over a copy of the request was queued with At (three allocations a
// service): it is scheduled and ordered as that callback was, and a
// Chooser sees it as one (DueFunc, no endpoint).
func serveSlowly(w *World, k *FaultKind, e *event) bool {
	l := w.opts.Faults.Level(k)
	p := e.proc
	if !chance(w.src(k.stream, decideSlow, p.ep), l.P) {
		return false
	}
	d := 1 + upTo(w.src(k.stream, decideService, p.ep), max(l.D-1, 0))
	srv := e.m.server
	w.occupy(srv.srv)
	var payload any // formatted only when tracing: boxing d costs an allocation
	if w.opts.Trace {
		payload = d
	}
	w.record(recSlow, p.ep, srv, e.call, e.m, payload)
	// e stays readable (and unchanged) while the queue's slots grow.
	w.schedule(w.now+d, evSlowDone, p, e.wait, e.call, e.m, e.msg).sent = e.sent
	return true
}

// serviceDone ends the slow service of request e (an evSlowDone event):
// the server handles it, or holds it if it was paused meanwhile.
func (w *World) serviceDone(e *event) {
	p, srv := e.proc, e.m.server
	e.kind = evRequest // what it is again, held or handled
	w.record(recSlowDone, p.ep, srv, e.call, e.m, nil)
	if srv.srv.paused {
		// Paused while it served: the request waits for the pause to
		// end, behind those that came before.
		w.record(RecHeld, p.ep, srv, e.call, e.m, nil)
		srv.srv.held = append(srv.srv.held, *e)
	} else {
		w.handle(e)
	}
	w.vacate(srv.srv)
}
