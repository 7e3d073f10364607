package sim

import (
	"fmt"
	"slices"
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

	// levels holds the settings of the fault kinds that have no field of
	// their own (Level, With).
	levels [maxLevels]Level
}

// DefaultLatency is the one-way latency used when Faults.Latency is zero.
const DefaultLatency = time.Millisecond

// Level is the setting of a fault kind that has no field of its own in
// Faults, one added beside the built-in kinds: how likely it is to fire
// each time it may (P), and how much it does when it fires (up to D).
type Level struct {
	P float64
	D time.Duration
}

// maxLevels bounds the fault kinds that keep a Level in Faults.
const maxLevels = 6

// Level is k's setting in f; the zero Level (off) for a kind that keeps
// its setting in a field of its own.
func (f Faults) Level(k *FaultKind) Level {
	if k.level < 0 {
		return Level{}
	}
	return f.levels[k.level]
}

// With returns f with k's setting l. It panics for a kind that keeps its
// setting in a field of its own.
func (f Faults) With(k *FaultKind, l Level) Faults {
	if k.level < 0 {
		panic("sim: Faults.With(" + k.name + "), which has a field of its own")
	}
	f.levels[k.level] = l
	return f
}

// hookFaults lists the kinds on in the run's fault model that see
// requests, calls and replies, and whether one tells callers of lost
// messages.
func (w *World) hookFaults() {
	w.onDeliver, w.onSend, w.onReply, w.tells = w.onDeliver[:0], w.onSend[:0], w.onReply[:0], false
	for _, k := range faultKinds {
		if !k.on(&w.opts.Faults) {
			continue
		}
		if k.deliver != nil {
			w.onDeliver = append(w.onDeliver, k)
		}
		if k.send != nil {
			w.onSend = append(w.onSend, k)
		}
		if k.reply != nil {
			w.onReply = append(w.onReply, k)
		}
		w.tells = w.tells || k.tells
	}
}

// SetLevel changes k's setting from now on, for a test that turns a
// fault on, off or up partway through a run, as the course's tests call
// SetReliable and SetLongReordering: what is in flight keeps what it
// drew. Call it from the run (a process, a goroutine, an event), or
// before Run. Whether the network tells callers of lost messages is the
// run's from its start: SetLevel panics if l would change it, as it does
// for a kind with a field of its own.
func (w *World) SetLevel(k *FaultKind, l Level) {
	tells := w.tells
	w.opts.Faults = w.opts.Faults.With(k, l)
	w.hookFaults()
	if w.tells != tells {
		panic("sim: SetLevel(" + k.name + ") would change whether callers are told of lost messages")
	}
}

// Level is k's setting in the run now (Faults.Level of the run's fault
// model, as SetLevel last changed it).
func (w *World) Level(k *FaultKind) Level { return w.opts.Faults.Level(k) }

// FaultKind is one kind of fault, a value registered once by the file that
// implements it: its name (its key in Faults.String), what it does, its
// setting and the setting's text, how swarm draws it, and the record kinds
// it emits, each of which knows how a report draws it (RecordKind.Drawing).
// Faults.String, SwarmFaults, the decisions a Chooser is asked and a
// report's layout follow from the registered kinds, so that adding a fault
// is one file and its test.
type FaultKind struct {
	name, doc string
	records   []RecordKind // what it records as it fires
	// setting is its value as Faults.String prints it, "" when off.
	setting func(f *Faults) string
	// draw turns it on in a swarm draw with a drawn intensity; nil leaves
	// it out of swarm. A gated kind is first drawn on or off (0 is off).
	draw  func(f *Faults, d swarmDraw)
	gated bool
	// clear turns it off in f (nil for a kind with a Level, or none).
	clear func(f *Faults)
	// duplicates: the fault delivers a request twice, which at-most-once
	// delivery excludes.
	duplicates bool
	// level is its slot in Faults.levels, or -1 for a kind with a field of
	// its own.
	level int
	// stream is the world's stream of its decisions, swarm the stream of
	// swarm's draw of it ("swarm/" and its name), swarmHash its hash.
	stream    streamID
	swarm     string
	swarmHash uint64
	// levelDraw, for a kind with a Level, is swarm's draw of its Level
	// once it is on.
	levelDraw func(d swarmDraw) Level
	// deliver, if set, sees each request about to be handled by a server
	// that is not stopped, in runs where the kind is on (Level.P > 0),
	// while faults are on. It returns true if it took the request, to
	// handle it later (World.handle).
	deliver func(w *World, k *FaultKind, e *event) bool
	// send, if set, sees each call as its request is about to leave, in
	// runs where the kind is on, whether faults are on or not. It returns
	// true if it took the call (the request never leaves: the kind made
	// the call fail, World.failCallAt), else how much later than the
	// network's delay the request arrives.
	send func(w *World, k *FaultKind, p *Proc) (taken bool, delay time.Duration)
	// reply, if set, sees each reply as its handler returns, in runs
	// where the kind is on: the reply is lost (drop) or arrives delay
	// later than the network's delay.
	reply func(w *World, k *FaultKind, e *event) (drop bool, delay time.Duration)
	// tells: on a network with this kind on, a caller learns at once that
	// a message of its call was lost (the call returns false then), as
	// over a network whose RPC layer reports a lost connection, instead
	// of at its timeout.
	tells bool
	// isOn, if set, says whether a Level turns the kind on; else P > 0.
	isOn func(l Level) bool
}

// on reports whether k is on in a run with faults f.
func (k *FaultKind) on(f *Faults) bool {
	l := f.Level(k)
	if k.isOn != nil {
		return k.isOn(l)
	}
	return l.P > 0
}

// Name is the kind's name, its key in Faults.String.
func (k *FaultKind) Name() string { return k.name }

// Doc says what the fault does.
func (k *FaultKind) Doc() string { return k.doc }

// Records are the record kinds the fault emits as it fires.
func (k *FaultKind) Records() []RecordKind { return k.records }

// Swarm reports whether swarm draws the fault (SwarmFaults).
func (k *FaultKind) Swarm() bool { return k.draw != nil }

// Duplicates reports whether the fault delivers requests twice, which a
// network that keeps at-most-once delivery never does.
func (k *FaultKind) Duplicates() bool { return k.duplicates }

// Without returns f with fault k off.
func (f Faults) Without(k *FaultKind) Faults {
	switch {
	case k.level >= 0:
		f.levels[k.level] = Level{}
	case k.clear != nil:
		return k.cleared(f)
	}
	return f
}

// cleared is f with k's field cleared. f escapes to k.clear: apart, only
// this copy goes to the heap, not every Without's.
func (k *FaultKind) cleared(f Faults) Faults {
	k.clear(&f)
	return f
}

// Setting is the fault's setting in f as Faults.String prints it, "" when
// it is off or has no setting (a targeted fault, set by a Nemesis).
func (k *FaultKind) Setting(f Faults) string {
	if k.setting == nil {
		return ""
	}
	return k.setting(&f)
}

// FaultKinds returns every registered fault kind, in the order of
// Faults.String and of the swarm draw: the built-in kinds, then the ones
// registered beside them.
func FaultKinds() []*FaultKind { return slices.Clone(faultKinds) }

// faultKinds is the registry. Targeted faults (Nemesis) have no setting in
// Faults: swarm draws them in the scenario layer, which knows the roles
// they aim at.
var faultKinds = builtinFaults()

func builtinFaults() []*FaultKind {
	kinds := []*FaultKind{
		{name: "jitter", doc: "every message takes up to this much longer than the base latency",
			setting: func(f *Faults) string { return durSetting(f.Jitter) },
			draw:    func(f *Faults, d swarmDraw) { f.Jitter = time.Duration(d.e.Uint64N(10)) * time.Millisecond },
			clear:   func(f *Faults) { f.Jitter = 0 }},
		{name: "drop-req", doc: "a request is lost", records: []RecordKind{RecDropReq}, gated: true,
			setting: func(f *Faults) string { return probSetting(f.DropRequest) },
			draw:    func(f *Faults, d swarmDraw) { f.DropRequest = d.level() },
			clear:   func(f *Faults) { f.DropRequest = 0 }},
		{name: "drop-reply", doc: "a reply is lost (the handler did run)", records: []RecordKind{RecDropReply}, gated: true,
			setting: func(f *Faults) string { return probSetting(f.DropReply) },
			draw:    func(f *Faults, d swarmDraw) { f.DropReply = d.level() },
			clear:   func(f *Faults) { f.DropReply = 0 }},
		{name: "dup", doc: "a request is delivered twice", records: []RecordKind{RecDup}, gated: true, duplicates: true,
			setting: func(f *Faults) string { return probSetting(f.Duplicate) },
			draw:    func(f *Faults, d swarmDraw) { f.Duplicate = d.level() },
			clear:   func(f *Faults) { f.Duplicate = 0 }},
		{name: "tail", doc: "a message takes up to this much longer, past other messages", records: []RecordKind{RecTail}, gated: true,
			setting: func(f *Faults) string { return pairSetting(probSetting(f.TailProb), f.Tail) },
			draw:    func(f *Faults, d swarmDraw) { f.TailProb, f.Tail = d.level(), d.every() },
			clear:   func(f *Faults) { f.TailProb, f.Tail = 0, 0 }},
		{name: "partition", doc: "an endpoint is cut off from all others, every so often for a while", records: []RecordKind{RecCut, RecLost}, gated: true,
			setting: func(f *Faults) string { return pairSetting(durSetting(f.PartitionEvery), f.PartitionFor) },
			draw:    func(f *Faults, d swarmDraw) { f.PartitionEvery, f.PartitionFor = d.every(), d.every() },
			clear:   func(f *Faults) { f.PartitionEvery, f.PartitionFor = 0, 0 }},
		{name: "pause", doc: "a server stops handling requests, every so often for a while; they wait", records: []RecordKind{RecPause, RecHeld}, gated: true,
			setting: func(f *Faults) string { return pairSetting(durSetting(f.PauseEvery), f.PauseFor) },
			draw:    func(f *Faults, d swarmDraw) { f.PauseEvery, f.PauseFor = d.every(), d.every()/2 },
			clear:   func(f *Faults) { f.PauseEvery, f.PauseFor = 0, 0 }},
		{name: "nemesis-drop", doc: "a targeted message is lost", records: []RecordKind{RecNemesisDrop}},
		{name: "nemesis-dup", doc: "a targeted request is delivered twice", records: []RecordKind{RecNemesisDup}, duplicates: true},
		{name: "nemesis-delay", doc: "a targeted message is delayed", records: []RecordKind{RecNemesisDelay}},
		{name: "nemesis-hold", doc: "a targeted message arrives just after its caller's call timed out", records: []RecordKind{RecNemesisHold}},
	}
	for _, k := range kinds {
		k.level = -1
		if i := slices.Index(streamNames, k.name); i >= 0 {
			k.stream = streamID(i)
		}
		k.swarm = "swarm/" + k.name
		k.swarmHash = nameHash(k.swarm)
		markFaults(k)
	}
	return kinds
}

// registerFault adds a fault kind beside the built-in ones, to be drawn by
// swarm after them. Its setting is a Level, in a slot of Faults of its
// own: Faults.String prints it "P/D" when it is on, and swarm draws it
// with levelDraw, if set.
func registerFault(k FaultKind) *FaultKind {
	for _, o := range faultKinds {
		if o.name == k.name {
			panic("sim: two fault kinds named " + k.name)
		}
	}
	used := 0
	for _, o := range faultKinds {
		if o.level >= 0 {
			used++
		}
	}
	if used >= maxLevels {
		panic("sim: too many fault kinds keep a Level; raise maxLevels")
	}
	slot := used
	k.level = slot
	kind := &k
	k.setting = func(f *Faults) string {
		if !kind.on(f) {
			return ""
		}
		l := f.levels[slot]
		return fmt.Sprintf("%.2f/%v", l.P, l.D)
	}
	if draw := k.levelDraw; draw != nil {
		k.draw = func(f *Faults, d swarmDraw) { f.levels[slot] = draw(d) }
	}
	k.stream = newStream(k.name)
	k.swarm = "swarm/" + k.name
	k.swarmHash = nameHash(k.swarm)
	markFaults(&k)
	faultKinds = append(faultKinds, &k)
	return &k
}

// markFaults notes that k's records are faults.
func markFaults(k *FaultKind) {
	for _, r := range k.records {
		recordInfos[r].fault = true
	}
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
		if v := k.Setting(f); v != "" {
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
// rapid shrinks toward fewer faults. Each kind draws from its own stream
// of e ("swarm/" and its name), so that a kind added to the registry
// leaves every other kind's draw of every seed as it was.
func SwarmFaults(e Entropy, until time.Duration) Faults {
	f := Faults{Until: until}
	for _, k := range faultKinds {
		f = f.withSwarmDraw(e, k)
	}
	return f
}

// WithSwarmScheduling is f with the scheduling faults (Preempt,
// Deschedule) drawn from e as SwarmFaults draws them, in place of f's:
// for a run whose network faults are its own (the course's labrpc, a
// sharded scenario's), whose goroutines a loaded machine schedules all
// the same.
func (f Faults) WithSwarmScheduling(e Entropy) Faults {
	for _, k := range []*FaultKind{Preempt, Deschedule} {
		f = f.Without(k).withSwarmDraw(e, k)
	}
	return f
}

// withSwarmDraw is f with k as SwarmFaults draws it from e, on or off.
func (f Faults) withSwarmDraw(e Entropy, k *FaultKind) Faults {
	if k.draw == nil {
		return f
	}
	s := streamOf(e, k.swarm, k.swarmHash)
	if k.gated && s.Uint64N(2) == 0 {
		return f
	}
	k.draw(&f, swarmDraw{s})
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

// linkKey names a cut: of the link between two endpoints, by their
// indices, lower first, or, oneWay, of the direction from a to b.
type linkKey struct {
	a, b   int
	oneWay bool
}

func keyOf(a, b *endpoint) linkKey {
	if a.idx > b.idx {
		a, b = b, a
	}
	return linkKey{a: a.idx, b: b.idx}
}

func oneWayKey(from, to *endpoint) linkKey { return linkKey{from.idx, to.idx, true} }

// linkDown reports whether a message from endpoint from to endpoint to is
// lost to a cut.
func (w *World) linkDown(from, to *endpoint) bool {
	if from.isolated > 0 || to.isolated > 0 {
		return true
	}
	return len(w.cuts) > 0 && (w.cuts[keyOf(from, to)] || w.cuts[oneWayKey(from, to)])
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
	w.setCut(keyOf(ea, eb), true, RecCut, ea, eb)
}

// Heal reconnects a link cut by Cut.
func (w *World) Heal(a, b string) {
	ea, eb := w.lookup(a), w.lookup(b)
	w.setCut(keyOf(ea, eb), false, RecHeal, ea, eb)
}

// CutFrom loses the messages endpoint from sends to endpoint to until
// HealFrom, while those to sends to from pass: a one-way cut, as a
// half-broken link or firewall makes. Its calls to to are lost, and to's
// calls to it run their handlers and lose their replies: to sees from as
// down, and from sees to as alive.
func (w *World) CutFrom(from, to string) {
	ef, et := w.lookup(from), w.lookup(to)
	w.setCut(oneWayKey(ef, et), true, RecCutFrom, ef, et)
}

// HealFrom undoes CutFrom.
func (w *World) HealFrom(from, to string) {
	ef, et := w.lookup(from), w.lookup(to)
	w.setCut(oneWayKey(ef, et), false, RecHealFrom, ef, et)
}

// setCut puts cut k in place (on) or takes it away, and records it as
// kind between a and b.
func (w *World) setCut(k linkKey, on bool, kind RecordKind, a, b *endpoint) {
	if !on {
		delete(w.cuts, k)
	} else if w.cuts == nil {
		w.cuts = map[linkKey]bool{k: true}
	} else {
		w.cuts[k] = true
	}
	w.record(kind, a, b, 0, nil, nil)
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
	w.release(ep.srv)
}

// occupy holds srv busy for a fault: requests that arrive wait, in order,
// until as many vacate.
func (w *World) occupy(srv *Server) { srv.busy++ }

// vacate ends one occupy; the waiting requests go on once the server is
// neither busy nor paused.
func (w *World) vacate(srv *Server) {
	srv.busy--
	w.release(srv)
}

// release sends the requests that waited at srv on to its handlers, in
// order, unless srv is still stopped.
func (w *World) release(srv *Server) {
	if srv.stopped() {
		return
	}
	for _, e := range srv.held {
		w.schedule(w.now, e.kind, e.proc, e.wait, e.call, e.m, e.msg).sent = e.sent
	}
	clear(srv.held) // what they referenced is in the queue now
	srv.held = srv.held[:0]
}

// startFaults arms the fault schedule. Faults are on from the start of the
// run until Faults.Until.
func (w *World) startFaults() {
	f := &w.opts.Faults
	w.faultsOn = true
	// Each schedule reschedules itself as a world action (later), which
	// makes no func value.
	if f.PartitionEvery > 0 {
		w.later(w.now+w.gap(streamPartition, f.PartitionEvery), actPartition, nil)
	}
	if f.PauseEvery > 0 {
		w.later(w.now+w.gap(streamPause, f.PauseEvery), actPause, nil)
	}
	if f.Until > 0 {
		w.later(f.Until, actFaultsOff, nil)
	}
}

// worldAction is a callback of the fault schedule, queued as an evWorld
// event rather than as a func value: the world made a closure or a
// method value for each, a few allocations a run. An evWorld event is
// scheduled, ordered and shown to a Chooser exactly as the func() it
// replaces was (At, DueFunc).
type worldAction uint8

const (
	actPartition worldAction = iota // partitionOnce
	actPause                        // pauseOnce
	actFaultsOff                    // faultsOff
	actRejoin                       // Rejoin the endpoint
	actResume                       // Resume the endpoint
)

// later schedules action a, about ep if it needs one, at virtual time t
// (or now, if t is in the past), as At would schedule it.
func (w *World) later(t time.Duration, a worldAction, ep *endpoint) {
	if t < w.now {
		t = w.now
	}
	var msg any
	if ep != nil {
		msg = ep
	}
	w.schedule(t, evWorld, nil, 0, uint64(a), nil, msg)
}

// act carries out an evWorld event's action.
func (w *World) act(a worldAction, msg any) {
	switch a {
	case actPartition:
		w.partitionOnce()
	case actPause:
		w.pauseOnce()
	case actFaultsOff:
		w.faultsOff()
	case actRejoin:
		w.Rejoin(msg.(*endpoint).name)
	case actResume:
		w.Resume(msg.(*endpoint).name)
	default:
		panic("sim: internal error: unknown world action")
	}
}

// gap draws, on stream s, the time to the next fault, averaging mean.
func (w *World) gap(s streamID, mean time.Duration) time.Duration {
	return 1 + upTo(w.src(s, DecideFaultGap, nil), 2*mean)
}

// partitionOnce isolates a random endpoint for a random time, then schedules
// the next partition.
func (w *World) partitionOnce() {
	if !w.faultsOn || len(w.endpoints) == 0 {
		return
	}
	f := &w.opts.Faults
	ep := w.endpoints[w.src(streamPartition, DecidePartition, nil).Uint64N(uint64(len(w.endpoints)))]
	w.Isolate(ep.name)
	w.later(w.now+1+upTo(w.src(streamPartition, DecideFaultLength, ep), f.PartitionFor), actRejoin, ep)
	w.later(w.now+w.gap(streamPartition, f.PartitionEvery), actPartition, nil)
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
		ep := w.nthServer(int(w.src(streamPause, DecidePause, nil).Uint64N(uint64(servers))))
		if !ep.srv.paused {
			w.Pause(ep.name)
			w.later(w.now+1+upTo(w.src(streamPause, DecideFaultLength, ep), f.PauseFor), actResume, ep)
		}
	}
	w.later(w.now+w.gap(streamPause, f.PauseEvery), actPause, nil)
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
