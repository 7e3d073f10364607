package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"html/template"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
	"github.com/kvsim/kvsim/sim"
)

// data is what the page's script draws, encoded as JSON into the page.
// Events and messages are encoded as arrays to keep large reports small.
type data struct {
	Seed    string   `json:"seed"`
	Verdict string   `json:"verdict"`
	Lanes   []string `json:"lanes"` // the server first, then the clients
	Kinds   []string `json:"kinds"` // record kind names by kind number
	// Notable are the kinds "next fault" steps to: every fault (as the
	// fault kinds registered in sim say), timeouts, late replies, panics.
	Notable []int    `json:"notable"`
	Methods []string `json:"methods"`
	End     int64    `json:"end"` // the last instant anything happened, in ns
	Events  []event  `json:"events"`
	Msgs    []msg    `json:"msgs"`
	Ops     []op     `json:"ops"`
	Locks   []op     `json:"locks"`
	Spans   []span   `json:"spans"`
	// Sections are the clients' stays in the critical section; Lock, for
	// a breach of mutual exclusion, says why.
	Sections []section `json:"sections"`
	Lock     *lockWhy  `json:"lock,omitempty"`
	Keys     []keyLin  `json:"keys"`
	Core     []int     `json:"core"`
	// CoreReason explains in words why the core cannot be linearized.
	CoreReason string `json:"coreReason"`
	// Probe is the event the self-test clicks; Checks are trace lines as
	// sim formats them, which the page's own formatting must reproduce.
	Probe     int         `json:"probe"`
	Checks    []lineCheck `json:"checks"`
	Porcupine string      `json:"porcupine,omitempty"`
	PorcLink  string      `json:"porcupineLink,omitempty"`
}

// event is one trace record: [at, kind, proc lane, peer lane, call,
// method, text, op, msg], with -1 for a lane, op or message it has none of.
type event struct {
	At         int64
	Kind       sim.RecordKind
	Proc, Peer int
	Call       uint64
	Method     int
	Text       string
	Op, Msg    int
}

func (e event) MarshalJSON() ([]byte, error) {
	b := []byte{'['}
	b = strconv.AppendInt(b, e.At, 10)
	for _, n := range []int{int(e.Kind), e.Proc, e.Peer} {
		b = strconv.AppendInt(append(b, ','), int64(n), 10)
	}
	b = strconv.AppendUint(append(b, ','), e.Call, 10)
	b = strconv.AppendInt(append(b, ','), int64(e.Method), 10)
	b = append(b, ',')
	b = appendString(b, e.Text)
	b = strconv.AppendInt(append(b, ','), int64(e.Op), 10)
	b = strconv.AppendInt(append(b, ','), int64(e.Msg), 10)
	return append(b, ']'), nil
}

// Message fates, and the flags (dup, slow, retry) written beside them.
const (
	fateArrived = ""
	fateDrop    = "drop"   // dropped by the network as it was sent
	fateLost    = "lost"   // lost to a partition on arrival
	fateHeld    = "held"   // reached a paused server and waited
	fateLate    = "late"   // a reply that came after its call had ended
	fateOpen    = "flight" // still in flight when the run ended
	fateDupe    = "dup"    // a request that is the network's second copy
	fateSlow    = "slow"   // took far longer than the typical message
	fateRetry   = "retry"  // a request that is not its operation's first attempt
)

// msg is one message: a request (client to server) or a reply. The page
// gets [start event, end event, reply?1:0, fate, flags, op, attempt, first
// attempt's message]; it reads the call, the lanes and the times off the
// events.
type msg struct {
	Call       uint64
	Reply      bool
	From, To   int64
	Start, End int // event indices; End is -1 while in flight
	Fate       string
	Dup, Slow  bool
	Op         int
	Attempt    int // requests: 1 for the operation's first attempt
	First      int // retries: the message of the first attempt, else -1
}

func (m msg) MarshalJSON() ([]byte, error) {
	var flags []string
	if m.Dup {
		flags = append(flags, fateDupe)
	}
	if m.Slow {
		flags = append(flags, fateSlow)
	}
	if m.Attempt > 1 {
		flags = append(flags, fateRetry)
	}
	reply := 0
	if m.Reply {
		reply = 1
	}
	return marshalArray(m.Start, m.End, reply, m.Fate, strings.Join(flags, " "), m.Op, m.Attempt, m.First)
}

// op is one operation of the history, on its client's lane. Return is -1
// when the outcome is unknown. The page gets [lane, call, return, label,
// outcome, core?1:0, first event].
type op struct {
	Lane    int
	Call    int64
	Return  int64
	Label   string
	Outcome string // ok, refused (ErrVersion, ErrNoKey), maybe, unknown
	Core    bool
	First   int // the first event of the operation, -1 if none
}

func (o op) MarshalJSON() ([]byte, error) {
	core := 0
	if o.Core {
		core = 1
	}
	return marshalArray(o.Lane, o.Call, o.Return, o.Label, o.Outcome, core, o.First)
}

// span is a fault that lasts: a cut link or node, a paused server.
type span struct {
	Lane     int    `json:"l"`
	From     int64  `json:"t0"`
	To       int64  `json:"t1"`
	Kind     string `json:"k"` // cut or pause
	Label    string `json:"t"`
	Start    int    `json:"e0"`
	EndEvent int    `json:"e1"` // -1 if it lasted to the end
}

// keyLin is the longest linearization the checker found of one key's
// operations, with the model's possible states after each.
type keyLin struct {
	Key    string   `json:"k"`
	Ops    []int    `json:"ops"`    // KV indices, in linearization order
	States []string `json:"states"` // after each op
	All    []int    `json:"all"`    // every op on the key, in history order
}

type lineCheck struct {
	I    int    `json:"i"`
	Line string `json:"line"`
}

// build turns a run into what the page draws.
func build(run Run) *data {
	d := &data{Seed: strconv.FormatUint(run.Seed, 10), Verdict: run.Verdict, Probe: -1, PorcLink: run.PorcupineLink}
	for _, k := range sim.RecordKinds() {
		for int(k) >= len(d.Kinds) {
			d.Kinds = append(d.Kinds, "")
		}
		d.Kinds[k] = k.String()
		if k.IsFault() || k == sim.RecTimeout || k == sim.RecLate || k == sim.RecPanic {
			d.Notable = append(d.Notable, int(k))
		}
	}
	lanes, methods := interner{list: &d.Lanes}, interner{list: &d.Methods}
	lane, method := lanes.index, methods.index
	lane(cmp.Or(run.Server, "server"))
	clientLane := make([]int, 0, len(run.Clients))
	for _, c := range run.Clients {
		clientLane = append(clientLane, lane(c))
	}
	laneOfClient := func(c int) int {
		for c >= len(clientLane) {
			clientLane = append(clientLane, lane("c"+strconv.Itoa(len(clientLane))))
		}
		return clientLane[c]
	}
	d.Ops = make([]op, len(run.KV))
	byLane := map[int][]int{} // KV ops by client lane, in call order
	for i, o := range run.KV {
		l := laneOfClient(o.Client)
		d.Ops[i] = op{Lane: l, Call: o.Call, Return: o.Return, Label: label(run, o), Outcome: outcome(o), First: -1}
		if o.Output.Unknown {
			d.Ops[i].Return = -1
		}
		byLane[l] = append(byLane[l], i)
		d.End = max(d.End, o.Call, d.Ops[i].Return)
	}
	for _, ops := range byLane {
		slices.SortStableFunc(ops, func(a, b int) int { return int(run.KV[a].Call - run.KV[b].Call) })
	}
	// opAt is the operation client lane l was in at t: the last one called
	// by then, if it had not returned before t.
	opAt := func(l int, t int64) int {
		ops := byLane[l]
		n := sort.Search(len(ops), func(i int) bool { return run.KV[ops[i]].Call > t })
		if n == 0 {
			return -1
		}
		i := ops[n-1]
		if d.Ops[i].Return >= 0 && d.Ops[i].Return < t {
			return -1
		}
		return i
	}
	var lh *lockHistory // the lock's key in the history, if the run used the lock
	if len(run.Locks) > 0 {
		lh = newLockHistory(run)
		for _, i := range lh.ops {
			d.Ops[i].Label += lh.ownerNote(i)
		}
	}
	for _, o := range run.Locks {
		d.End = max(d.End, o.Call, o.Return)
		lo := op{Lane: laneOfClient(o.Client), Call: o.Call, Return: o.Return, Label: o.Input.Op.String(), Outcome: "ok", First: -1}
		if o.Unknown {
			lo.Return, lo.Outcome, lo.Label = -1, "unknown", lo.Label+" -> ?"
		}
		d.Locks = append(d.Locks, lo)
	}

	var (
		requests = map[uint64][]int{} // call -> requests in flight
		replies  = map[uint64][]int{} // call -> replies in flight
		sent     = map[uint64]int{}   // call -> its request
		attempts = map[int][]int{}    // op -> its requests
		open     = map[string]int{}   // lasting fault -> its span
	)
	newMsg := func(m msg) int {
		d.Msgs = append(d.Msgs, m)
		return len(d.Msgs) - 1
	}
	// arrive ends the oldest message of queue q for call.
	arrive := func(q map[uint64][]int, call uint64, t int64, ev int, fate string) int {
		ms := q[call]
		if len(ms) == 0 {
			return -1
		}
		m := ms[0]
		q[call] = ms[1:]
		d.Msgs[m].To, d.Msgs[m].End, d.Msgs[m].Fate = t, ev, fate
		return m
	}
	openSpan := func(key string, s span) {
		open[key] = len(d.Spans)
		d.Spans = append(d.Spans, s)
	}
	closeSpan := func(key string, t int64, ev int) {
		if s, ok := open[key]; ok {
			d.Spans[s].To, d.Spans[s].EndEvent = t, ev
			delete(open, key)
		}
	}

	// dropNewest drops the message of queue q for call that was just sent,
	// and returns it (or -1).
	dropNewest := func(q map[uint64][]int, call uint64, t int64, ev int) int {
		ms := q[call]
		if len(ms) == 0 {
			return -1
		}
		m := ms[len(ms)-1]
		q[call] = ms[:len(ms)-1]
		d.Msgs[m].To, d.Msgs[m].End, d.Msgs[m].Fate = t, ev, fateDrop
		return m
	}
	d.Events = make([]event, len(run.Trace))
	for i, r := range run.Trace {
		t := int64(r.At)
		d.End = max(d.End, t)
		e := event{At: t, Kind: r.Kind, Proc: lane(r.Proc), Peer: lane(r.Peer), Call: r.Call, Method: method(r.Method), Text: r.Text, Op: -1, Msg: -1}
		// What a record does to the picture comes from its kind's Drawing,
		// registered with the fault that emits it, and from the record
		// itself, never from the records around it.
		switch dr := r.Kind.Drawing(); dr.As {
		case sim.AsSend:
			o := opAt(e.Proc, t)
			m := msg{Call: r.Call, From: t, To: t, Start: i, End: -1, Fate: fateOpen, Op: o, Attempt: 1, First: -1}
			if o >= 0 {
				if prev := attempts[o]; len(prev) > 0 {
					m.Attempt, m.First = len(prev)+1, prev[0]
				} else {
					d.Ops[o].First = i
				}
			}
			e.Msg = newMsg(m)
			if o >= 0 {
				attempts[o] = append(attempts[o], e.Msg)
			}
			sent[r.Call] = e.Msg
			requests[r.Call] = append(requests[r.Call], e.Msg)
		case sim.AsCopy:
			first := d.Msgs[sent[r.Call]]
			e.Msg = newMsg(msg{Call: r.Call, From: t, To: t, Start: i, End: -1, Fate: fateOpen, Dup: true, Op: first.Op, Attempt: first.Attempt, First: first.First})
			requests[r.Call] = append(requests[r.Call], e.Msg)
		case sim.AsDeliver:
			arrive(requests, r.Call, t, i, fateArrived) // none left if it was held
			o := -1
			if s, ok := sent[r.Call]; ok {
				o = d.Msgs[s].Op
			}
			e.Msg = newMsg(msg{Call: r.Call, Reply: true, From: t, To: t, Start: i, End: -1, Fate: fateOpen, Op: o, First: -1})
			replies[r.Call] = append(replies[r.Call], e.Msg)
		case sim.AsFate:
			q := requests
			if dr.Dir == sim.DirReply || dr.Dir == sim.DirEither && r.Reply {
				q = replies
			}
			if dr.Fate == fateDrop {
				e.Msg = dropNewest(q, r.Call, t, i)
			} else {
				e.Msg = arrive(q, r.Call, t, i, dr.Fate)
			}
		case sim.AsSpanStart:
			proc, peer := r.Proc, r.Peer
			if dr.PeerOnly {
				proc = ""
			}
			if peer != "" {
				openSpan(dr.Span+" "+peer+" "+proc, span{Lane: lane(peer), From: t, To: -1, Kind: dr.Span, Label: spanLabel(dr, proc), Start: i, EndEvent: -1})
			}
			if proc != "" {
				label := spanLabel(dr, peer)
				if dr.Directed {
					label = dr.Label + " to " + peer
				}
				openSpan(dr.Span+" "+proc+" "+peer, span{Lane: lane(proc), From: t, To: -1, Kind: dr.Span, Label: label, Start: i, EndEvent: -1})
			}
		case sim.AsSpanEnd:
			proc, peer := r.Proc, r.Peer
			if dr.PeerOnly {
				proc = ""
			}
			if peer != "" {
				closeSpan(dr.Span+" "+peer+" "+proc, t, i)
			}
			if proc != "" {
				closeSpan(dr.Span+" "+proc+" "+peer, t, i)
			}
		}
		if r.Kind == sim.RecNote {
			// An operation's end is noted as it returns: prefer the one that
			// returned now over one called at the same instant.
			e.Op = opAt(e.Proc, t)
			for _, o := range byLane[e.Proc] {
				if d.Ops[o].Return == t {
					e.Op = o
				}
			}
		}
		if e.Op < 0 && e.Msg >= 0 {
			e.Op = d.Msgs[e.Msg].Op
		}
		if e.Op < 0 && r.Kind == sim.RecTimeout {
			if s, ok := sent[r.Call]; ok {
				e.Op = d.Msgs[s].Op
			}
		}
		d.Events[i] = e
	}
	for i := range d.Spans {
		if d.Spans[i].To < 0 {
			d.Spans[i].To = d.End
		}
	}
	for i := range d.Msgs {
		if d.Msgs[i].End < 0 {
			d.Msgs[i].To = d.End
		}
	}
	markSlow(d.Msgs)

	d.Sections = criticalSections(run, laneOfClient, d.End)
	if lh != nil {
		d.Lock = explainLock(lh, d.Sections)
	}
	d.Keys = linearizations(run)
	d.Core, d.CoreReason = violatingCore(run, d.Keys)
	for _, i := range d.Core {
		d.Ops[i].Core = true
	}
	d.Probe = probe(d)
	// The page's script iterates over these: encode none as [], not null.
	d.Lanes, d.Methods, d.Core, d.Notable = orEmpty(d.Lanes), orEmpty(d.Methods), orEmpty(d.Core), orEmpty(d.Notable)
	d.Events, d.Msgs, d.Ops, d.Locks = orEmpty(d.Events), orEmpty(d.Msgs), orEmpty(d.Ops), orEmpty(d.Locks)
	d.Spans, d.Keys, d.Checks = orEmpty(d.Spans), orEmpty(d.Keys), orEmpty(d.Checks)
	d.Sections = orEmpty(d.Sections)
	for _, i := range []int{0, d.Probe, len(run.Trace) - 1} {
		if i >= 0 && i < len(run.Trace) {
			d.Checks = append(d.Checks, lineCheck{I: i, Line: run.Trace[i].String()})
		}
	}
	return d
}

// spanLabel is what a lasting fault's span says on a lane whose other
// endpoint is other ("" for none).
func spanLabel(dr sim.Drawing, other string) string {
	if other != "" {
		return dr.Label + " from " + other
	}
	return cmp.Or(dr.Alone, dr.Label)
}

// probe is the event the self-test clicks: the first request of the
// violating core (or of the operations that explain a lock's breach),
// else the first message.
func probe(d *data) int {
	focus := d.Core
	if d.Lock != nil {
		focus = append(slices.Clip(focus), d.Lock.Ops...)
	}
	for _, i := range focus {
		if d.Ops[i].First >= 0 {
			return d.Ops[i].First
		}
	}
	if len(d.Msgs) > 0 {
		return d.Msgs[0].Start
	}
	return -1
}

// markSlow flags messages that took more than four times the median
// latency of those that arrived: the network's long delays.
func markSlow(ms []msg) {
	var lat []int64
	for _, m := range ms {
		if m.Fate == fateArrived || m.Fate == fateLate {
			lat = append(lat, m.To-m.From)
		}
	}
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	median := lat[len(lat)/2]
	for i := range ms {
		m := &ms[i]
		if (m.Fate == fateArrived || m.Fate == fateLate || m.Fate == fateLost) && m.To-m.From > 4*median {
			m.Slow = true
		}
	}
}

// label writes an operation the way a reader says it:
// c1 put(k,"x",v3) -> ErrMaybe, c0 get(k) -> "x"@v4.
func label(run Run, o models.KVOp) string {
	var b strings.Builder
	if o.Client < len(run.Clients) {
		b.WriteString(run.Clients[o.Client])
	} else {
		b.WriteString("c" + strconv.Itoa(o.Client))
	}
	in, out := o.Input, o.Output
	switch in.Op {
	case models.OpPut:
		b.WriteString(" put(" + in.Key + "," + strconv.Quote(in.Value) + ",v" + strconv.FormatUint(uint64(in.Version), 10) + ")")
	default:
		b.WriteString(" get(" + in.Key + ")")
	}
	b.WriteString(" -> ")
	switch {
	case out.Unknown:
		b.WriteString("?")
	case in.Op == models.OpGet && out.Err == rpc.OK:
		b.WriteString(strconv.Quote(out.Value) + "@v" + strconv.FormatUint(uint64(out.Version), 10))
	default:
		b.WriteString(string(out.Err))
	}
	return b.String()
}

func outcome(o models.KVOp) string {
	switch {
	case o.Output.Unknown:
		return "unknown"
	case o.Output.Err == rpc.ErrMaybe:
		return "maybe"
	case o.Output.Err == rpc.OK, o.Input.Op == models.OpGet && o.Output.Err == rpc.ErrNoKey:
		return "ok"
	}
	return "refused"
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// marshalArray encodes values as a JSON array, leaving & < > as they are.
func marshalArray(values ...any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(values); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// appendString appends s as a JSON string. Unlike json.Marshal it leaves &
// and > alone (the page's JSON is escaped once, by encodeData).
func appendString(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(err) // a string always encodes
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// encodeData encodes d as a JavaScript expression safe inside a <script>
// element. Every < in JSON is inside a string, so writing it as \u003c
// keeps </script> and <!-- out of the page without changing the value;
// html/template's own escaping would also escape every & and quote mark,
// which made large reports a quarter larger.
func encodeData(d *data) (template.JS, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return "", err
	}
	return template.JS(strings.ReplaceAll(buf.String(), "<", `\u003c`)), nil
}

// interner numbers names in the order first seen, "" as -1.
type interner struct {
	list *[]string
	seen map[string]int
}

func (n *interner) index(name string) int {
	if name == "" {
		return -1
	}
	if i, ok := n.seen[name]; ok {
		return i
	}
	if n.seen == nil {
		n.seen = map[string]int{}
	}
	n.seen[name] = len(*n.list)
	*n.list = append(*n.list, name)
	return n.seen[name]
}
