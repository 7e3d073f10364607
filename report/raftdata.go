package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kvsim/kvsim/raft/raftcheck"
	"github.com/kvsim/kvsim/sim"
)

// raftData is what the Raft page's script draws, encoded as JSON into the
// page; its lists are arrays of arrays to keep large reports small.
type raftData struct {
	Seed    string   `json:"seed"`
	Verdict string   `json:"verdict"`
	Lanes   []string `json:"lanes"` // the servers, s0 first
	// Names are the trace's endpoint names (a server, its goroutine, the
	// tester), which events refer to; NameLane is each one's lane, or -1.
	Names    []string `json:"names"`
	NameLane []int    `json:"nameLane"`
	Kinds    []string `json:"kinds"`
	Notable  []int    `json:"notable"`
	Methods  []string `json:"methods"`
	End      int64    `json:"end"`
	// Events are the trace's records but the scheduler's own (ties,
	// goroutines parking and waking): what happened between servers.
	Events []event `json:"events"`
	// Skipped counts the scheduler's records left out of Events.
	Skipped int        `json:"skipped"`
	Msgs    []raftMsg  `json:"msgs"`
	Roles   []roleSeg  `json:"roles"`
	Spans   []raftSpan `json:"spans"`
	Marks   []raftMark `json:"marks"`
	Why     *raftWhy   `json:"why,omitempty"`
	// Focus is the stretch of time shown first: around the violation.
	Focus  []int64     `json:"focus,omitempty"`
	Probe  int         `json:"probe"`
	Checks []lineCheck `json:"checks"`
}

// raftMsg is one RPC's request or reply between two servers: [start
// event, end event (-1 in flight), from lane, to lane, method, reply?1:0,
// fate, term (-1 unknown), duplicate?1:0, empty?1:0].
type raftMsg struct {
	Start, End int
	From, To   int
	Method     int
	Reply      bool
	Fate       string
	Term       int
	Dup        bool
	Empty      bool // an AppendEntries without entries (a heartbeat), or its reply
}

func (m raftMsg) MarshalJSON() ([]byte, error) {
	return marshalArray(m.Start, m.End, m.From, m.To, m.Method, b2i(m.Reply), m.Fate, m.Term, b2i(m.Dup), b2i(m.Empty))
}

// Roles a server is seen in.
const (
	roleFollower  = "F"
	roleCandidate = "C"
	roleLeader    = "L"
	roleDown      = "D" // crashed
)

// roleSeg is a stretch of a server's lane in one role and term: [lane,
// from, to, role, term (-1 unknown)].
type roleSeg struct {
	Lane     int
	From, To int64
	Role     string
	Term     int
}

func (s roleSeg) MarshalJSON() ([]byte, error) {
	return marshalArray(s.Lane, s.From, s.To, s.Role, s.Term)
}

// raftSpan is a lasting fault on a lane: [lane, from, to, family (cut,
// pause, ...), label, first event].
type raftSpan struct {
	Lane     int
	From, To int64
	Kind     string
	Label    string
	Start    int
}

func (s raftSpan) MarshalJSON() ([]byte, error) {
	return marshalArray(s.Lane, s.From, s.To, s.Kind, s.Label, s.Start)
}

// raftMark is an instant on a lane: [lane, at, kind (crash, restart,
// apply, snapshot, vote), index (applied, snapshot's, incarnation, or the
// candidate's lane), text, event (-1 none)].
type raftMark struct {
	Lane  int
	At    int64
	Kind  string
	Index int
	Text  string
	Event int
}

func (m raftMark) MarshalJSON() ([]byte, error) {
	return marshalArray(m.Lane, m.At, m.Kind, m.Index, m.Text, m.Event)
}

// raftWhy is the first violation of a check, drawn at its instant.
type raftWhy struct {
	Check string `json:"check"`
	At    int64  `json:"at"`
	Lane  int    `json:"lane"` // -1 when it is about no one server
	Term  int    `json:"term"`
	Index int    `json:"index"`
	What  string `json:"what"`
	Event int    `json:"event"` // the trace's record of it, -1 if none
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// schedulerKinds are the records of the scheduler's own doings, which the
// Raft report leaves out: a run of a few thousand messages has ten times
// as many of them, and they say nothing about what the servers told each
// other.
var schedulerKinds = map[string]bool{"tie": true, "park": true, "ready": true, "yield": true, "select": true,
	"go": true, "go-exit": true, "sleep": true, "wake": true, "timer": true, "preempt": true, "deschedule": true, "spawn": true, "exit": true}

var termRE = regexp.MustCompile(`\bTerm:(\d+)`)

// termOf is the first Term field of a record's text (an RPC's arguments
// or reply as %+v prints them), -1 if it has none.
func termOf(text string) int {
	m := termRE.FindStringSubmatch(text)
	if m == nil {
		return -1
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return -1
	}
	return n
}

// raftState is what the report knows of a server at an instant.
type raftState struct {
	role string
	term int
	seg  int // its open role segment, -1 none
}

// buildRaft turns a Raft run into what the page draws.
func buildRaft(run RaftRun) *raftData {
	d := &raftData{Seed: strconv.FormatUint(run.Seed, 10), Verdict: run.Verdict, Probe: -1}
	for _, k := range sim.RecordKinds() {
		for int(k) >= len(d.Kinds) {
			d.Kinds = append(d.Kinds, "")
		}
		d.Kinds[k] = k.String()
		if k.IsFault() || k == sim.RecTimeout || k == sim.RecLate || k == sim.RecPanic || k == sim.RecCrash {
			d.Notable = append(d.Notable, int(k))
		}
	}
	methods, names := interner{list: &d.Methods}, interner{list: &d.Names}
	n := run.Servers
	for _, e := range run.Events {
		n = max(n, e.Server+1)
	}
	for i := range n {
		d.Lanes = append(d.Lanes, "s"+strconv.Itoa(i))
	}
	serverRE := regexp.MustCompile(`^s(\d+)$`)
	lane := func(name string) int {
		if i := strings.IndexByte(name, '/'); i >= 0 {
			name = name[:i] // a server's goroutine
		}
		m := serverRE.FindStringSubmatch(name)
		if m == nil {
			return -1
		}
		i, _ := strconv.Atoi(m[1])
		for i >= len(d.Lanes) {
			d.Lanes = append(d.Lanes, "s"+strconv.Itoa(len(d.Lanes)))
		}
		return i
	}

	// Roles, from what the servers said and did, in time order.
	states := make([]raftState, len(d.Lanes))
	for i := range states {
		states[i] = raftState{role: "", term: -1, seg: -1}
	}
	set := func(l int, t int64, role string, term int) {
		if l < 0 {
			return
		}
		for l >= len(states) {
			states = append(states, raftState{term: -1, seg: -1})
		}
		s := &states[l]
		if s.role == role && s.term == term {
			return
		}
		if s.seg >= 0 {
			d.Roles[s.seg].To = t
		}
		s.role, s.term, s.seg = role, term, len(d.Roles)
		d.Roles = append(d.Roles, roleSeg{Lane: l, From: t, To: -1, Role: role, Term: term})
	}
	// saw: server l is in term at least term at t (it answered so, or a
	// reply told it so); a higher term makes it a follower.
	saw := func(l int, t int64, term int) {
		if l < 0 || l >= len(states) || term < 0 || states[l].role == roleDown {
			return
		}
		if term > states[l].term {
			set(l, t, roleFollower, term)
		}
	}
	sends := func(l int, t int64, method string, term int) {
		if l < 0 || l >= len(states) || term < 0 || states[l].role == roleDown || term < states[l].term {
			return
		}
		switch {
		case strings.Contains(method, "RequestVote"):
			if !(states[l].role == roleLeader && states[l].term == term) {
				set(l, t, roleCandidate, term)
			}
		case strings.Contains(method, "AppendEntries"), strings.Contains(method, "InstallSnapshot"):
			set(l, t, roleLeader, term)
		}
	}

	var (
		requests = map[uint64][]int{} // call -> its requests in flight
		replies  = map[uint64][]int{} // call -> its replies in flight
		sent     = map[uint64]int{}   // call -> its first request
		replyOf  = map[uint64]int{}   // call -> the term its reply carries
		cuts     = map[int]map[int]bool{}
		cutSpan  = map[int]int{}    // lane -> its open cut span
		open     = map[string]int{} // other lasting faults -> their span
		machines []raftMark         // the trace's crashes and restarts
	)
	newMsg := func(m raftMsg) int {
		d.Msgs = append(d.Msgs, m)
		return len(d.Msgs) - 1
	}
	arrive := func(q map[uint64][]int, call uint64, ev int, fate string) int {
		ms := q[call]
		if len(ms) == 0 {
			return -1
		}
		q[call] = ms[1:]
		d.Msgs[ms[0]].End, d.Msgs[ms[0]].Fate = ev, fate
		return ms[0]
	}
	dropNewest := func(q map[uint64][]int, call uint64, ev int) int {
		ms := q[call]
		if len(ms) == 0 {
			return -1
		}
		m := ms[len(ms)-1]
		q[call] = ms[:len(ms)-1]
		d.Msgs[m].End, d.Msgs[m].Fate = ev, fateDrop
		return m
	}
	// recut redraws lane l's cut span after its set of cut links changed.
	recut := func(l int, t int64, ev int) {
		if s, ok := cutSpan[l]; ok {
			d.Spans[s].To = t
			delete(cutSpan, l)
		}
		var peers []string
		alone := false
		for p, on := range cuts[l] {
			switch {
			case !on:
			case p == l:
				alone = true
			default:
				peers = append(peers, d.Lanes[p])
			}
		}
		if len(peers) == 0 && !alone {
			return
		}
		slices.SortFunc(peers, func(a, b string) int { return cmpLane(a, b) })
		label := "cut off from " + strings.Join(peers, " ")
		if alone || len(peers) == len(d.Lanes)-1 {
			label = "disconnected"
		}
		cutSpan[l] = len(d.Spans)
		d.Spans = append(d.Spans, raftSpan{Lane: l, From: t, To: -1, Kind: "cut", Label: label, Start: ev})
	}
	cutLink := func(a, b int, on bool, t int64, ev int) {
		for _, p := range [][2]int{{a, b}, {b, a}} {
			if p[0] < 0 || p[1] < 0 {
				continue
			}
			if cuts[p[0]] == nil {
				cuts[p[0]] = map[int]bool{}
			}
			cuts[p[0]][p[1]] = on
		}
		recut(a, t, ev)
		if b != a && b >= 0 {
			recut(b, t, ev)
		}
	}

	// Walk the trace and the checks' events together, in time order.
	evs := run.Events
	nextEvent := 0
	observe := func(upTo time.Duration, inclusive bool) {
		for ; nextEvent < len(evs); nextEvent++ {
			e := &evs[nextEvent]
			if e.At > upTo || !inclusive && e.At == upTo {
				return
			}
			t := int64(e.At)
			d.End = max(d.End, t)
			l := e.Server
			if l >= len(d.Lanes) {
				l = lane("s" + strconv.Itoa(l))
			}
			switch e.Kind {
			case raftcheck.Restart:
				term := -1
				if l >= 0 && l < len(states) {
					term = states[l].term
				}
				set(l, t, roleFollower, term)
				if e.Incarnation > 1 {
					d.Marks = append(d.Marks, raftMark{Lane: l, At: t, Kind: "restart", Index: e.Incarnation, Text: fmt.Sprintf("restarted (incarnation %d)", e.Incarnation), Event: -1})
				}
			case raftcheck.Crash:
				term := -1
				if l >= 0 && l < len(states) {
					term = states[l].term
				}
				set(l, t, roleDown, term)
				d.Marks = append(d.Marks, raftMark{Lane: l, At: t, Kind: "crash", Text: "crashed", Event: -1})
			case raftcheck.Leader:
				if l >= 0 && l < len(states) && states[l].role != roleDown {
					set(l, t, roleLeader, e.Term)
				}
			case raftcheck.Apply:
				d.Marks = append(d.Marks, raftMark{Lane: l, At: t, Kind: "apply", Index: e.Index, Text: fmt.Sprintf("applied index %d: %v", e.Index, e.Command), Event: -1})
			case raftcheck.Snapshot:
				d.Marks = append(d.Marks, raftMark{Lane: l, At: t, Kind: "snapshot", Index: e.Index, Text: fmt.Sprintf("snapshot to index %d (term %d)", e.Index, e.Term), Event: -1})
			}
		}
	}

	for _, r := range run.Trace {
		if schedulerKinds[r.Kind.String()] {
			d.Skipped++
			continue
		}
		// The checks' events come in between the records, after those of
		// their instant.
		observe(r.At, false)
		i := len(d.Events)
		t := int64(r.At)
		d.End = max(d.End, t)
		// Events name their endpoints (Proc, Peer) by name; pl and ql
		// are those names' lanes.
		e := event{At: t, Kind: r.Kind, Proc: names.index(r.Proc), Peer: names.index(r.Peer), Call: r.Call, Method: methods.index(r.Method), Text: r.Text, Op: -1, Msg: -1}
		pl, ql := lane(r.Proc), lane(r.Peer)
		switch dr := r.Kind.Drawing(); dr.As {
		case sim.AsSend:
			term := termOf(r.Text)
			e.Msg = newMsg(raftMsg{Start: i, End: -1, From: pl, To: ql, Method: e.Method, Fate: fateOpen, Term: term,
				Empty: strings.Contains(r.Method, "AppendEntries") && strings.Contains(r.Text, "Entries:[]")})
			sent[r.Call] = e.Msg
			requests[r.Call] = append(requests[r.Call], e.Msg)
			sends(pl, t, r.Method, term)
		case sim.AsCopy:
			s, ok := sent[r.Call]
			if !ok {
				break
			}
			first := d.Msgs[s]
			e.Msg = newMsg(raftMsg{Start: i, End: -1, From: first.From, To: first.To, Method: first.Method, Fate: fateOpen, Term: first.Term, Dup: true, Empty: first.Empty})
			requests[r.Call] = append(requests[r.Call], e.Msg)
		case sim.AsDeliver:
			req := arrive(requests, r.Call, i, fateArrived)
			term := termOf(r.Text)
			replyOf[r.Call] = term
			empty := false
			if s, ok := sent[r.Call]; ok {
				empty = d.Msgs[s].Empty
			}
			e.Msg = newMsg(raftMsg{Start: i, End: -1, From: ql, To: pl, Method: e.Method, Reply: true, Fate: fateOpen, Term: term, Empty: empty})
			replies[r.Call] = append(replies[r.Call], e.Msg)
			saw(ql, t, term)
			// A vote granted: on the voter's lane, the candidate and term.
			if strings.Contains(r.Method, "RequestVote") && strings.Contains(r.Text, "VoteGranted:true") && ql >= 0 && pl >= 0 {
				vt := term
				if req >= 0 && d.Msgs[req].Term >= 0 {
					vt = d.Msgs[req].Term
				}
				d.Marks = append(d.Marks, raftMark{Lane: ql, At: t, Kind: "vote", Index: pl, Text: fmt.Sprintf("voted for %s in term %d", d.Lanes[pl], vt), Event: i})
			}
			// A candidate that hears from a leader of its own term
			// follows it.
			if req >= 0 && ql >= 0 && ql < len(states) && strings.Contains(r.Method, "AppendEntries") {
				if s := states[ql]; s.role == roleCandidate && s.term == d.Msgs[req].Term {
					set(ql, t, roleFollower, s.term)
				}
			}
		case sim.AsFate:
			q := requests
			if dr.Dir == sim.DirReply || dr.Dir == sim.DirEither && r.Reply {
				q = replies
			}
			if dr.Fate == fateDrop {
				e.Msg = dropNewest(q, r.Call, i)
			} else {
				e.Msg = arrive(q, r.Call, i, dr.Fate)
			}
			if dr.Fate == fateArrived && dr.Dir != sim.DirRequest {
				if term, ok := replyOf[r.Call]; ok {
					saw(pl, t, term)
				}
			}
		case sim.AsSpanStart, sim.AsSpanEnd:
			on := dr.As == sim.AsSpanStart
			if dr.Span == "cut" {
				a, b := pl, ql
				if a < 0 {
					a, b = b, a
				}
				if b < 0 {
					b = a
				}
				cutLink(a, b, on, t, i)
				break
			}
			l := ql
			if !dr.PeerOnly && l < 0 {
				l = pl
			}
			key := dr.Span + " " + strconv.Itoa(l) + " " + strconv.Itoa(pl) // a one-way cut's span per link
			if on && l >= 0 {
				open[key] = len(d.Spans)
				d.Spans = append(d.Spans, raftSpan{Lane: l, From: t, To: -1, Kind: dr.Span, Label: cmpOr(dr.Alone, dr.Label), Start: i})
			} else if s, ok := open[key]; ok {
				d.Spans[s].To = t
				delete(open, key)
			}
		}
		if r.Kind == sim.RecCrash || r.Kind == sim.RecStart {
			kind := "crash"
			if r.Kind == sim.RecStart {
				kind = "restart"
			}
			machines = append(machines, raftMark{Lane: max(pl, ql), At: t, Kind: kind, Event: i})
		}
		d.Events = append(d.Events, e)
	}
	observe(1<<62, true)
	// Tie the checks' crash and restart marks to their records.
	for _, r := range machines {
		for j := range d.Marks {
			if m := &d.Marks[j]; m.Lane == r.Lane && m.At == r.At && m.Kind == r.Kind && m.Event < 0 {
				m.Event = r.Event
				break
			}
		}
	}
	for i := range d.Roles {
		if d.Roles[i].To < 0 {
			d.Roles[i].To = d.End
		}
	}
	for i := range d.Spans {
		if d.Spans[i].To < 0 {
			d.Spans[i].To = d.End
		}
	}

	if v := run.Violation; v != nil {
		w := &raftWhy{Check: v.Check, At: int64(v.At), Lane: v.Server, Term: v.Term, Index: v.Index, What: v.What, Event: -1}
		if w.Lane >= len(d.Lanes) {
			w.Lane = -1
		}
		// The trace's record of it: the panic that ended the run, else the
		// last record at its instant.
		for i, e := range d.Events {
			if e.At > w.At {
				break
			}
			if e.Kind == sim.RecPanic && strings.Contains(e.Text, v.Check) || e.At == w.At && w.Event < 0 {
				w.Event = i
			}
			if e.Kind == sim.RecPanic && strings.Contains(e.Text, v.Check) {
				break
			}
		}
		d.Why = w
		d.End = max(d.End, w.At)
		from := max(0, w.At-int64(2*time.Second))
		d.Focus = []int64{from, w.At + max((w.At-from)/20, int64(500*time.Millisecond))}
		d.Probe = w.Event
	}
	if d.Probe < 0 {
		for _, m := range d.Msgs {
			d.Probe = m.Start
			break
		}
	}
	d.Lanes, d.Methods, d.Notable = orEmpty(d.Lanes), orEmpty(d.Methods), orEmpty(d.Notable)
	d.Events, d.Msgs, d.Roles = orEmpty(d.Events), orEmpty(d.Msgs), orEmpty(d.Roles)
	d.Spans, d.Marks = orEmpty(d.Spans), orEmpty(d.Marks)
	for _, i := range []int{0, d.Probe, len(d.Events) - 1} {
		if i >= 0 && i < len(d.Events) {
			d.Checks = append(d.Checks, lineCheck{I: i, Line: recordOf(d, d.Events[i]).String()})
		}
	}
	d.Checks = orEmpty(d.Checks)
	d.Names = orEmpty(d.Names)
	d.NameLane = make([]int, len(d.Names))
	for i, name := range d.Names {
		d.NameLane[i] = lane(name)
	}
	return d
}

// recordOf is the trace record an event was made of, for the self-test's
// lines: the page formats events as sim formats records.
func recordOf(d *raftData, e event) sim.Record {
	r := sim.Record{At: time.Duration(e.At), Kind: e.Kind, Call: e.Call, Text: e.Text}
	if e.Proc >= 0 {
		r.Proc = d.Names[e.Proc]
	}
	if e.Peer >= 0 {
		r.Peer = d.Names[e.Peer]
	}
	if e.Method >= 0 {
		r.Method = d.Methods[e.Method]
	}
	return r
}

// counts is the messages in words, by method: "Raft.AppendEntries 340
// (12 lost), Raft.RequestVote 40".
func (d *raftData) counts() string {
	type c struct{ n, bad int }
	by := make([]c, len(d.Methods))
	for _, m := range d.Msgs {
		if m.Reply || m.Method < 0 {
			continue
		}
		by[m.Method].n++
		if m.Fate == fateDrop || m.Fate == fateLost {
			by[m.Method].bad++
		}
	}
	var parts []string
	for i, name := range d.Methods {
		if by[i].n == 0 {
			continue
		}
		s := fmt.Sprintf("%s %d", name, by[i].n)
		if by[i].bad > 0 {
			s += fmt.Sprintf(" (%d lost)", by[i].bad)
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// cmpLane orders server names by number: s2 before s10.
func cmpLane(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// encodeJSON encodes v as a JavaScript expression safe inside a <script>
// element, as encodeData does.
func encodeJSON(v any) (template.JS, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return template.JS(strings.ReplaceAll(buf.String(), "<", `\u003c`)), nil
}
