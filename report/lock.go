package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
)

// section is one client's stay in the critical section: from its
// Acquire's return to its Release's call, or to the end of the run. The
// page gets [lane, from, to, open?1:0, overlap?1:0].
type section struct {
	Lane     int
	From, To int64
	Open     bool // never released: it lasted to the end of the run
	Overlap  bool // one of the two sections of the violation

	client, acquire int // the client, and its Acquire in Run.Locks
}

func (s section) MarshalJSON() ([]byte, error) {
	return marshalArray(s.Lane, s.From, s.To, b01(s.Open), b01(s.Overlap))
}

func b01(b bool) int {
	if b {
		return 1
	}
	return 0
}

// lockWhy explains a breach of mutual exclusion: two clients inside the
// critical section at once.
type lockWhy struct {
	Key     string `json:"key"`     // the lock's key in the key/value history, "" if none was found
	Holders [2]int `json:"holders"` // their lanes, the first to enter first
	From    int64  `json:"t0"`      // when both were inside
	To      int64  `json:"t1"`
	// Ops are the key/value operations that made a client believe it held
	// the lock (and the one that took it from its holder, if any): the
	// page highlights them. Sections are indices into data.Sections.
	Ops      []int  `json:"ops"`
	Sections [2]int `json:"sections"`
	Text     string `json:"text"`
}

// lockHistory is what the key/value history says of the lock's key: who
// wrote which owner id, which Put made each version, and what the key
// held when.
type lockHistory struct {
	run     Run
	key     string
	ops     []int          // KV indices on the key, in call order
	ownerOf map[string]int // owner id -> the one client that wrote it
	written map[uint64]int // version -> the Put that made it
}

// findLockKey is the key of the key/value operations made inside lock
// operations (an Acquire's Gets and Puts): the lock's key.
func findLockKey(run Run) string {
	count := map[string]int{}
	for _, o := range run.KV {
		for _, l := range run.Locks {
			if l.Client == o.Client && o.Call >= l.Call && (l.Unknown || (!o.Output.Unknown && o.Return <= l.Return)) {
				count[o.Input.Key]++
				break
			}
		}
	}
	best := ""
	for k, n := range count {
		if n > count[best] || (n == count[best] && k < best) {
			best = k
		}
	}
	return best
}

func newLockHistory(run Run) *lockHistory {
	h := &lockHistory{run: run, key: findLockKey(run), ownerOf: map[string]int{}, written: map[uint64]int{}}
	if h.key == "" {
		return h
	}
	writers := map[string][]int{}
	for i, o := range run.KV {
		if o.Input.Key != h.key {
			continue
		}
		h.ops = append(h.ops, i)
		if in := o.Input; in.Op == models.OpPut && in.Value != "" && !slices.Contains(writers[in.Value], o.Client) {
			writers[in.Value] = append(writers[in.Value], o.Client)
		}
		if o.Input.Op == models.OpPut && !o.Output.Unknown && o.Output.Err == rpc.OK {
			h.written[uint64(o.Input.Version)+1] = i
		}
	}
	slices.SortStableFunc(h.ops, func(a, b int) int { return cmpInt64(run.KV[a].Call, run.KV[b].Call) })
	for v, cs := range writers {
		if len(cs) == 1 {
			h.ownerOf[v] = cs[0]
		}
	}
	// A Put that came back ErrMaybe (or never returned) made a version if
	// a Get read its value at that version and no OK Put made it.
	for _, i := range h.ops {
		o := run.KV[i]
		if o.Input.Op != models.OpGet || o.Output.Err != rpc.OK || o.Output.Unknown {
			continue
		}
		v := uint64(o.Output.Version)
		if _, ok := h.written[v]; ok || v == 0 {
			continue
		}
		for _, j := range h.ops {
			p := run.KV[j]
			if p.Input.Op == models.OpPut && uint64(p.Input.Version)+1 == v && p.Input.Value == o.Output.Value &&
				(p.Output.Unknown || p.Output.Err == rpc.ErrMaybe) {
				h.written[v] = j
				break
			}
		}
	}
	return h
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// heldAt is what the lock's key is known to have held at t: the latest
// version that an operation returned by t proves (an OK Put, a Get, an
// ErrMaybe Put that did land), and its value. A version 0 is absent.
func (h *lockHistory) heldAt(t int64) (version uint64, value string) {
	for _, i := range h.ops {
		o := h.run.KV[i]
		if o.Output.Unknown || o.Return > t {
			continue
		}
		switch {
		case o.Input.Op == models.OpGet && o.Output.Err == rpc.OK:
			if v := uint64(o.Output.Version); v > version {
				version, value = v, o.Output.Value
			}
		case o.Input.Op == models.OpPut:
			v := uint64(o.Input.Version) + 1
			if w, ok := h.written[v]; ok && w == i && v > version {
				version, value = v, o.Input.Value
			}
		}
	}
	return version, value
}

// clientName is client c's name on the page.
func clientName(run Run, c int) string {
	if c >= 0 && c < len(run.Clients) {
		return run.Clients[c]
	}
	return "c" + strconv.Itoa(c)
}

// owner names the client an owner id belongs to: the id itself when it is
// the client's name, else the id and the client ("1nUriiJ5", c3's id).
func (h *lockHistory) owner(id string) string {
	if id == "" {
		return "free"
	}
	c, ok := h.ownerOf[id]
	if !ok {
		return strconv.Quote(id)
	}
	if name := clientName(h.run, c); name != id {
		return strconv.Quote(id) + " (" + name + "'s id)"
	}
	return strconv.Quote(id)
}

// holds says whether the key held client c's owner id at t.
func (h *lockHistory) holds(c int, t int64) bool {
	_, v := h.heldAt(t)
	w, ok := h.ownerOf[v]
	return ok && w == c
}

// state describes what the key held at t, with its holder named.
func (h *lockHistory) state(t int64) string {
	v, val := h.heldAt(t)
	if v == 0 {
		return "absent (nobody held the lock)"
	}
	s := strconv.Quote(val) + "@v" + strconv.FormatUint(v, 10)
	switch c, ok := h.ownerOf[val]; {
	case val == "":
		s += ", free"
	case ok && clientName(h.run, c) != val:
		s += ", " + clientName(h.run, c) + "'s id"
	}
	return s
}

// within is client c's operations on the key made inside lock operation l.
func (h *lockHistory) within(l models.LockOpRecord) []int {
	var in []int
	for _, i := range h.ops {
		o := h.run.KV[i]
		if o.Client == l.Client && o.Call >= l.Call && (l.Unknown || (!o.Output.Unknown && o.Return <= l.Return)) {
			in = append(in, i)
		}
	}
	return in
}

// ownerNote adds to a label, for a key/value operation on the lock's key,
// whose owner id a value is, where the id is not the client's name.
func (h *lockHistory) ownerNote(i int) string {
	o := h.run.KV[i]
	if h.key == "" || o.Input.Key != h.key {
		return ""
	}
	v := o.Output.Value
	if o.Input.Op == models.OpPut {
		v = o.Input.Value
	}
	c, ok := h.ownerOf[v]
	if !ok || v == "" || clientName(h.run, c) == v {
		return ""
	}
	return " [" + strconv.Quote(v) + " is " + clientName(h.run, c) + "'s]"
}

// criticalSections are the clients' stays in the critical section, by
// start. laneOf maps a client to its lane.
func criticalSections(run Run, laneOf func(int) int, end int64) []section {
	var secs []section
	open := map[int]int{} // client -> its open section
	for i, l := range run.Locks {
		switch l.Input.Op {
		case models.LockAcquire:
			if l.Unknown {
				continue
			}
			open[l.Client] = len(secs)
			secs = append(secs, section{Lane: laneOf(l.Client), From: l.Return, To: end, Open: true, client: l.Client, acquire: i})
		case models.LockRelease:
			if s, ok := open[l.Client]; ok {
				secs[s].To, secs[s].Open = l.Call, false
				delete(open, l.Client)
			}
		}
	}
	slices.SortStableFunc(secs, func(a, b section) int { return cmpInt64(a.From, b.From) })
	return secs
}

// explainLock finds the first moment two clients were inside the
// critical section together and says why, from the key/value history of
// the lock's key. It returns nil if no sections overlap.
func explainLock(h *lockHistory, secs []section) *lockWhy {
	run := h.run
	a, b := -1, -1
	for j := range secs {
		for i := range j {
			if secs[i].client != secs[j].client && secs[j].From < secs[i].To {
				a, b = i, j
				break
			}
		}
		if a >= 0 {
			break
		}
	}
	if a < 0 {
		return nil
	}
	A, B := secs[a], secs[b]
	secs[a].Overlap, secs[b].Overlap = true, true
	w := &lockWhy{Key: h.key, Holders: [2]int{A.Lane, B.Lane}, From: B.From, To: min(A.To, B.To), Sections: [2]int{a, b}}
	na, nb := clientName(run, A.client), clientName(run, B.client)

	var t strings.Builder
	stay := func(s section, name string) string {
		end := "called release at " + ms(s.To)
		if s.Open {
			end = "never released it"
		}
		return fmt.Sprintf("%s was inside from %s (its acquire returned) and %s", name, ms(s.From), end)
	}
	fmt.Fprintf(&t, "%s and %s were inside the critical section at once, from %s to %s (%s). %s; %s. ",
		na, nb, ms(w.From), ms(w.To), ms(w.To-w.From), stay(A, na), stay(B, nb))
	if h.key == "" {
		t.WriteString("The key/value history shows no operations made inside lock operations, so which of them the lock's key named cannot be told.")
		w.Text = t.String()
		return w
	}

	// Who believed it held the lock without the key saying so? The first
	// one in, if the key never named it; else the second.
	wrong, other := -1, -1
	switch {
	case !h.holds(A.client, A.From):
		wrong, other = a, b
	case !h.holds(B.client, B.From):
		wrong, other = b, a
	}
	if wrong >= 0 {
		W, O := secs[wrong], secs[other]
		nw, no := clientName(run, W.client), clientName(run, O.client)
		fmt.Fprintf(&t, "The lock was never %s's: when its acquire returned, at %s, the lock's key (%s) held %s. ", nw, ms(W.From), h.key, h.state(W.From))
		ops := h.within(run.Locks[W.acquire])
		switch {
		case len(ops) == 0:
			fmt.Fprintf(&t, "Its acquire sent no request at all: it returned on what %s remembered. ", nw)
			ops = h.lastRelease(W.client, W.acquire)
			if len(ops) > 0 {
				last := ops[len(ops)-1]
				fmt.Fprintf(&t, "Its last release ended with %s%s", label(run, run.KV[last]), h.ownerNote(last))
				if o := run.KV[last]; o.Input.Op == models.OpPut && o.Input.Value == "" && o.Output.Err == rpc.ErrMaybe {
					if h.written[uint64(o.Input.Version)+1] == last {
						t.WriteString(": that Put had freed the lock after all, and it did not hold it any more")
					} else {
						t.WriteString(", which may have freed the lock")
					}
				}
				t.WriteString(". ")
			}
		default:
			w.Ops = lastReadAndWrite(run, ops)
			last := ops[len(ops)-1]
			o := run.KV[last]
			fmt.Fprintf(&t, "Its acquire returned on %s%s", label(run, o), h.ownerNote(last))
			switch {
			case o.Input.Op == models.OpPut && o.Output.Err == rpc.ErrMaybe:
				t.WriteString(", taking ErrMaybe for success; but ErrMaybe only says the Put may have happened, and this one had not")
				if p, ok := h.written[uint64(o.Input.Version)+1]; ok && p != last {
					fmt.Fprintf(&t, ": %s had made version %d", label(run, run.KV[p]), o.Input.Version+1)
					w.Ops = append(w.Ops, p)
				}
			case o.Input.Op == models.OpGet:
				t.WriteString(", a read that did not name it as the holder")
			}
			t.WriteString(". ")
		}
		if len(ops) > 0 && len(w.Ops) == 0 {
			w.Ops = lastReadAndWrite(run, ops)
		}
		fmt.Fprintf(&t, "%s held the lock by the key, so %s's critical section overlapped %s's.", no, nw, no)
	} else {
		// The key named each as it entered: the first one's lock was taken
		// from it while it was inside.
		va, _ := h.heldAt(A.From)
		fmt.Fprintf(&t, "The lock's key (%s) named each of them as it entered: %s at v%d, then %s. ", h.key, na, va, nb)
		if p, ok := h.written[va+1]; ok {
			o := run.KV[p]
			fmt.Fprintf(&t, "But %s took the key off %s while %s was still inside", label(run, o), na, na)
			for _, l := range run.Locks {
				if l.Client == o.Client && l.Input.Op == models.LockRelease && o.Call >= l.Call && (l.Unknown || o.Return <= l.Return) {
					fmt.Fprintf(&t, ": %s's release freed a lock that was no longer %s's", clientName(run, o.Client), clientName(run, o.Client))
					break
				}
			}
			t.WriteString(". ")
			w.Ops = append(w.Ops, p)
		}
		ops := h.within(run.Locks[B.acquire])
		if len(ops) > 0 {
			fmt.Fprintf(&t, "%s's acquire then found the lock free and took it: %s.", nb, label(run, run.KV[ops[len(ops)-1]]))
			w.Ops = append(w.Ops, lastReadAndWrite(run, ops)...)
		}
	}
	slices.Sort(w.Ops)
	w.Ops = slices.Compact(w.Ops)
	w.Text = strings.TrimSpace(t.String())
	return w
}

// lastRelease is client c's operations on the lock's key in its last
// release before its acquire at index before in Run.Locks.
func (h *lockHistory) lastRelease(c, before int) []int {
	for i := before - 1; i >= 0; i-- {
		if l := h.run.Locks[i]; l.Client == c && l.Input.Op == models.LockRelease {
			return h.within(l)
		}
	}
	return nil
}

// lastReadAndWrite is the last operation of ops and, if it is a Put, the
// Get just before it: the read that decided to write and the write.
func lastReadAndWrite(run Run, ops []int) []int {
	n := len(ops)
	if n == 0 {
		return nil
	}
	out := []int{ops[n-1]}
	if run.KV[ops[n-1]].Input.Op == models.OpPut && n > 1 && run.KV[ops[n-2]].Input.Op == models.OpGet {
		out = append(out, ops[n-2])
	}
	return out
}

// lockView is the "why" box of a breach of mutual exclusion, as the
// template shows it: the explanation, the operations it points at, and a
// sketch of the two critical sections.
type lockView struct {
	Text   string
	Ops    []coreOp
	Sketch sketch
}

// sketch draws two critical sections on one time scale, their overlap
// shaded, in a small SVG the template writes.
type sketch struct {
	W, H int
	Rows []sketchRow
	Band sketchBox // the overlap
	// BandLabel names the overlap, written at LabelX under the rows.
	BandLabel string
	LabelX    float64
	Ticks     []sketchTick
}

type sketchRow struct {
	Name  string
	Y     int
	Bar   sketchBox
	Label string
}

type sketchBox struct{ X, W float64 }

type sketchTick struct {
	X, Y  float64
	Title string
}

// newLockView lays out the why box of d.Lock.
func newLockView(run Run, d *data) *lockView {
	w := d.Lock
	v := &lockView{Text: w.Text}
	for _, i := range w.Ops {
		v.Ops = append(v.Ops, coreOp{I: i, Label: d.Ops[i].Label, When: interval(run.KV[i])})
	}
	a, b := d.Sections[w.Sections[0]], d.Sections[w.Sections[1]]
	lo, hi := min(a.From, b.From), max(a.To, b.To)
	for _, i := range w.Ops {
		lo = min(lo, run.KV[i].Call)
	}
	const width, gut, right = 720, 60, 10
	scale := func(t int64) float64 {
		if hi <= lo {
			return gut
		}
		return gut + float64(t-lo)/float64(hi-lo)*(width-gut-right)
	}
	box := func(from, to int64) sketchBox {
		x := scale(from)
		return sketchBox{X: x, W: max(scale(to)-x, 2)}
	}
	sk := sketch{W: width, H: 88, Band: box(w.From, w.To), BandLabel: "both inside, " + ms(w.From) + " to " + ms(w.To)}
	sk.LabelX = min(sk.Band.X, width-float64(len(sk.BandLabel))*6.6-right)
	rowOf := map[int]int{}
	for n, s := range []section{a, b} {
		y := 14 + 30*n
		end := ms(s.To)
		if s.Open {
			end = "the end"
		}
		rowOf[s.Lane] = y
		sk.Rows = append(sk.Rows, sketchRow{Name: d.Lanes[s.Lane], Y: y, Bar: box(s.From, s.To),
			Label: "inside " + ms(s.From) + " to " + end})
	}
	for _, i := range w.Ops {
		if y, ok := rowOf[d.Ops[i].Lane]; ok {
			sk.Ticks = append(sk.Ticks, sketchTick{X: scale(opEnd(run, i)), Y: float64(y), Title: d.Ops[i].Label})
		}
	}
	v.Sketch = sk
	return v
}

// opEnd is when operation i returned, or the end of the run.
func opEnd(run Run, i int) int64 {
	if o := run.KV[i]; !o.Output.Unknown {
		return o.Return
	}
	return run.KV[i].Call
}
