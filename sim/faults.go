package sim

import "time"

// Faults is the fault model of a run. The zero value is a reliable network
// with DefaultLatency. Probabilities are per message.
type Faults struct {
	DropRequest float64 // a request is lost
	DropReply   float64 // a reply is lost (the handler did run)
	Duplicate   float64 // a request is delivered twice

	// One-way delay of every message: Latency plus up to Jitter, plus, with
	// probability TailProb, up to Tail more. A long Tail lets messages
	// overtake each other.
	Latency  time.Duration
	Jitter   time.Duration
	TailProb float64
	Tail     time.Duration

	// Partitions: the fault schedule cuts one endpoint off from all others
	// at random times, on average every PartitionEvery, for up to
	// PartitionFor. Zero PartitionEvery means no partitions.
	PartitionEvery time.Duration
	PartitionFor   time.Duration

	// Pauses: a random server stops handling requests (they wait, as in a
	// stop-the-world pause) on average every PauseEvery, for up to PauseFor.
	PauseEvery time.Duration
	PauseFor   time.Duration

	// Until is the virtual time at which all faults stop: partitions heal,
	// servers resume, and no message is dropped, duplicated or sent down the
	// long tail. Zero means faults never stop.
	Until time.Duration
}

// DefaultLatency is the one-way latency used when Faults.Latency is zero.
const DefaultLatency = time.Millisecond

func (f Faults) withDefaults() Faults {
	if f.Latency <= 0 {
		f.Latency = DefaultLatency
	}
	if f.PartitionFor <= 0 {
		f.PartitionFor = f.PartitionEvery
	}
	if f.PauseFor <= 0 {
		f.PauseFor = f.PauseEvery
	}
	return f
}

// linkKey names an undirected link by its endpoints' indices.
type linkKey struct{ a, b int }

func keyOf(a, b *endpoint) linkKey {
	if a.idx > b.idx {
		a, b = b, a
	}
	return linkKey{a.idx, b.idx}
}

func (w *World) linkDown(a, b *endpoint) bool {
	if a.isolated > 0 || b.isolated > 0 {
		return true
	}
	return len(w.cuts) > 0 && w.cuts[keyOf(a, b)]
}

func (w *World) lookup(name string) *endpoint {
	ep := w.byName[name]
	if ep == nil {
		panic("sim: no endpoint named " + name)
	}
	return ep
}

// Cut disconnects the link between endpoints a and b: messages on it are
// lost until Heal. Messages already in flight are lost too if they arrive
// while the link is down.
func (w *World) Cut(a, b string) {
	ea, eb := w.lookup(a), w.lookup(b)
	if w.cuts == nil {
		w.cuts = make(map[linkKey]bool)
	}
	w.cuts[keyOf(ea, eb)] = true
	w.record(RecCut, ea, eb, 0, nil, nil)
}

// Heal reconnects a link cut by Cut.
func (w *World) Heal(a, b string) {
	ea, eb := w.lookup(a), w.lookup(b)
	delete(w.cuts, keyOf(ea, eb))
	w.record(RecHeal, ea, eb, 0, nil, nil)
}

// Isolate cuts endpoint name off from every other endpoint until Rejoin.
// Isolations nest: each Isolate needs its Rejoin.
func (w *World) Isolate(name string) {
	ep := w.lookup(name)
	ep.isolated++
	w.record(RecCut, ep, nil, 0, nil, nil)
}

// Rejoin undoes one Isolate.
func (w *World) Rejoin(name string) {
	ep := w.lookup(name)
	if ep.isolated > 0 {
		ep.isolated--
		w.record(RecHeal, ep, nil, 0, nil, nil)
	}
}

// Pause stops server name from handling requests until Resume; requests
// that arrive meanwhile wait, in order.
func (w *World) Pause(name string) {
	ep := w.lookup(name)
	if ep.srv == nil {
		panic("sim: Pause of " + name + ", which is not a server")
	}
	ep.srv.paused = true
	w.record(RecPause, nil, ep, 0, nil, nil)
}

// Resume lets a paused server handle requests again, the waiting ones first.
func (w *World) Resume(name string) {
	ep := w.lookup(name)
	if ep.srv == nil || !ep.srv.paused {
		return
	}
	ep.srv.paused = false
	w.record(RecResume, nil, ep, 0, nil, nil)
	for _, e := range ep.srv.held {
		e.at = w.now
		w.schedule(e)
	}
	ep.srv.held = nil
}

// startFaults arms the fault schedule. Faults are on from the start of the
// run until Faults.Until.
func (w *World) startFaults() {
	f := &w.opts.Faults
	w.faultsOn = true
	if f.PartitionEvery > 0 {
		w.At(w.now+w.gap(f.PartitionEvery), w.partitionOnce)
	}
	if f.PauseEvery > 0 {
		w.At(w.now+w.gap(f.PauseEvery), w.pauseOnce)
	}
	if f.Until > 0 {
		w.At(f.Until, w.faultsOff)
	}
}

// gap draws the time to the next fault, averaging mean.
func (w *World) gap(mean time.Duration) time.Duration {
	return 1 + upTo(w.src(DecideFaultGap, nil), 2*mean)
}

// partitionOnce isolates a random endpoint for a random time, then schedules
// the next partition.
func (w *World) partitionOnce() {
	if !w.faultsOn || len(w.endpoints) == 0 {
		return
	}
	f := &w.opts.Faults
	ep := w.endpoints[w.src(DecidePartition, nil).Uint64N(uint64(len(w.endpoints)))]
	w.stats.Partitions++
	w.Isolate(ep.name)
	w.At(w.now+1+upTo(w.src(DecideFaultLength, ep), f.PartitionFor), func() { w.Rejoin(ep.name) })
	w.At(w.now+w.gap(f.PartitionEvery), w.partitionOnce)
}

func (w *World) pauseOnce() {
	if !w.faultsOn {
		return
	}
	f := &w.opts.Faults
	var servers []*endpoint
	for _, ep := range w.endpoints {
		if ep.srv != nil {
			servers = append(servers, ep)
		}
	}
	if len(servers) > 0 {
		ep := servers[w.src(DecidePause, nil).Uint64N(uint64(len(servers)))]
		if !ep.srv.paused {
			w.stats.Pauses++
			w.Pause(ep.name)
			w.At(w.now+1+upTo(w.src(DecideFaultLength, ep), f.PauseFor), func() { w.Resume(ep.name) })
		}
	}
	w.At(w.now+w.gap(f.PauseEvery), w.pauseOnce)
}

// faultsOff ends the fault schedule: every isolation heals and every server
// resumes, so that liveness can be checked from here on.
func (w *World) faultsOff() {
	w.faultsOn = false
	w.record(RecFaultsOff, nil, nil, 0, nil, nil)
	for _, ep := range w.endpoints {
		for ep.isolated > 0 {
			w.Rejoin(ep.name)
		}
		if ep.srv != nil {
			w.Resume(ep.name)
		}
	}
	clear(w.cuts)
}
