package sim

import (
	"fmt"
	"strings"
	"time"
)

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

// faultKind is one row of the fault table: everything about a kind of fault
// apart from its field in Faults and the hook where it fires. The trace
// record is also its Stats counter (Stats.Count); a row without a record
// shapes the network without being an event (jitter).
type faultKind struct {
	name string     // its key in Faults.String
	rec  RecordKind // the record of each firing
	// setting is its value as Faults.String prints it, "" when off.
	setting func(f *Faults) string
	// draw turns it on in a swarm draw with a drawn intensity. A fault
	// with gated set is first drawn on or off (0 is off).
	draw  func(f *Faults, d swarmDraw)
	gated bool
}

// faultKinds is the fault table, in the order of Faults.String and of the
// swarm draw. Targeted faults (Nemesis) have no setting in Faults: swarm
// draws them in the scenario layer, which knows the roles they aim at.
var faultKinds = [...]faultKind{
	{name: "jitter",
		setting: func(f *Faults) string { return durSetting(f.Jitter) },
		draw:    func(f *Faults, d swarmDraw) { f.Jitter = time.Duration(d.e.Uint64N(10)) * time.Millisecond }},
	{name: "drop-req", rec: RecDropReq, gated: true,
		setting: func(f *Faults) string { return probSetting(f.DropRequest) },
		draw:    func(f *Faults, d swarmDraw) { f.DropRequest = d.level() }},
	{name: "drop-reply", rec: RecDropReply, gated: true,
		setting: func(f *Faults) string { return probSetting(f.DropReply) },
		draw:    func(f *Faults, d swarmDraw) { f.DropReply = d.level() }},
	{name: "dup", rec: RecDup, gated: true,
		setting: func(f *Faults) string { return probSetting(f.Duplicate) },
		draw:    func(f *Faults, d swarmDraw) { f.Duplicate = d.level() }},
	{name: "tail", rec: RecTail, gated: true,
		setting: func(f *Faults) string { return pairSetting(probSetting(f.TailProb), f.Tail) },
		draw:    func(f *Faults, d swarmDraw) { f.TailProb, f.Tail = d.level(), d.every() }},
	{name: "partition", rec: RecCut, gated: true,
		setting: func(f *Faults) string { return pairSetting(durSetting(f.PartitionEvery), f.PartitionFor) },
		draw:    func(f *Faults, d swarmDraw) { f.PartitionEvery, f.PartitionFor = d.every(), d.every() }},
	{name: "pause", rec: RecPause, gated: true,
		setting: func(f *Faults) string { return pairSetting(durSetting(f.PauseEvery), f.PauseFor) },
		draw:    func(f *Faults, d swarmDraw) { f.PauseEvery, f.PauseFor = d.every(), d.every()/2 }},
	{name: "nemesis-drop", rec: RecNemesisDrop},
	{name: "nemesis-dup", rec: RecNemesisDup},
	{name: "nemesis-delay", rec: RecNemesisDelay},
	{name: "nemesis-hold", rec: RecNemesisHold},
}

func probSetting(p float64) string {
	if p <= 0 {
		return ""
	}
	return fmt.Sprintf("%.2f", p)
}

func durSetting(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return d.String()
}

// pairSetting is "on/d" (how often or how likely, then how much), or ""
// when the first part is off.
func pairSetting(on string, d time.Duration) string {
	if on == "" {
		return ""
	}
	return on + "/" + d.String()
}

// String is a compact, readable form of the fault model, e.g.
// "drop-req=0.10,dup=0.30,tail=0.20/300ms", or "none".
func (f Faults) String() string {
	var parts []string
	for _, k := range faultKinds {
		if k.setting == nil {
			continue
		}
		if v := k.setting(&f); v != "" {
			parts = append(parts, k.name+"="+v)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

// swarmDraw draws the intensity of a fault that swarm turned on.
type swarmDraw struct{ e Entropy }

// level is a probability in [0.05, 0.5].
func (d swarmDraw) level() float64 { return 0.05 + float64(d.e.Uint64N(10))*0.05 }

// every is a duration in [100ms, 600ms).
func (d swarmDraw) every() time.Duration {
	return time.Duration(100+d.e.Uint64N(500)) * time.Millisecond
}

// SwarmFaults draws a fault model from e: each fault on or off and, when
// on, its intensity; faults stop at until. Swarm testing finds more bugs
// than every fault at once, because some bugs need one fault and the
// absence of another. A draw of 0 turns a fault off (and jitter to 0), so
// rapid shrinks toward fewer faults.
func SwarmFaults(e Entropy, until time.Duration) Faults {
	f := Faults{Until: until}
	d := swarmDraw{e}
	for _, k := range faultKinds {
		if k.draw == nil || k.gated && e.Uint64N(2) == 0 {
			continue
		}
		k.draw(&f, d)
	}
	return f
}

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
		w.schedule(w.now, e.kind, e.proc, e.wait, e.call, e.m, e.msg).sent = e.sent
	}
	clear(ep.srv.held) // what they referenced is in the queue now
	ep.srv.held = ep.srv.held[:0]
}

// startFaults arms the fault schedule. Faults are on from the start of the
// run until Faults.Until.
func (w *World) startFaults() {
	f := &w.opts.Faults
	w.faultsOn = true
	// Each schedule reschedules itself through one func value, made here
	// rather than on every occurrence.
	if f.PartitionEvery > 0 {
		w.partitionNext = w.partitionOnce
		w.At(w.now+w.gap(f.PartitionEvery), w.partitionNext)
	}
	if f.PauseEvery > 0 {
		w.pauseNext = w.pauseOnce
		w.At(w.now+w.gap(f.PauseEvery), w.pauseNext)
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
	w.Isolate(ep.name)
	w.At(w.now+1+upTo(w.src(DecideFaultLength, ep), f.PartitionFor), func() { w.Rejoin(ep.name) })
	w.At(w.now+w.gap(f.PartitionEvery), w.partitionNext)
}

func (w *World) pauseOnce() {
	if !w.faultsOn {
		return
	}
	f := &w.opts.Faults
	servers := 0
	for _, ep := range w.endpoints {
		if ep.srv != nil {
			servers++
		}
	}
	if servers > 0 {
		ep := w.nthServer(int(w.src(DecidePause, nil).Uint64N(uint64(servers))))
		if !ep.srv.paused {
			w.Pause(ep.name)
			w.At(w.now+1+upTo(w.src(DecideFaultLength, ep), f.PauseFor), func() { w.Resume(ep.name) })
		}
	}
	w.At(w.now+w.gap(f.PauseEvery), w.pauseNext)
}

// nthServer is the server endpoint with index n among servers, in creation
// order.
func (w *World) nthServer(n int) *endpoint {
	for _, ep := range w.endpoints {
		if ep.srv != nil {
			if n == 0 {
				return ep
			}
			n--
		}
	}
	panic("sim: internal error: no such server")
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
