package scenario

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/shardkv/shardcfg"
)

// The one-owner check's evidence from outside a group (Impl.KeyShard): the
// calls the controllers and clerks make to group servers, and the replies
// they get, read by the course's RPC names and field names, in virtual
// time as the caller sees it. A group whose state machine cannot report
// what it serves (a course folder's) is judged by this rule:
//
// A group G served a Get of key k (the reply's Err is OK or ErrNoKey) whose
// request was first sent after G had acknowledged freezing k's shard s at
// number n (a FreezeShard reply with Err OK, received by the controller),
// and no InstallShard of s at a number n or above was ever sent to a
// server of G, before or after.
//
// Why a correct group never breaks it. G's servers apply every request
// through one log (the rsm), so G's Gets and Freezes are linearizable: a
// Get whose request left after the Freeze's reply arrived is applied after
// the Freeze. After freezing s at n, G serves s again only once it takes
// s back by an InstallShard at a later number (the course's protocol: a
// frozen shard rejects Gets and Puts until installed again); a Freeze
// older than what G holds (a superseded controller's) is excused by the
// InstallShard that gave G the shard at the newer number. The rule is
// more lenient than that at every step, so that no correct group is
// blamed:
//
//   - "sent after" is strict, and both times are the caller's: the Get's
//     call began after the Freeze's call returned, so no server of G can
//     have applied the Get before the Freeze;
//   - a Get whose arguments carry more than the key (a client id, a
//     sequence number: a duplicate table, which may move with the shard,
//     may answer a retry with the result of an earlier attempt) counts
//     from its first attempt: the first call with equal arguments (their
//     exported fields as JSON, what the wire carries), to any group, must
//     have been sent after the ack; arguments that do not marshal never
//     count;
//   - any InstallShard sent to any server of G excuses, acknowledged or
//     not (its reply lost, the server crashed after applying it), at any
//     time in the run (before the Get or after), and at n itself as well
//     as above (whatever numbering a folder's controller uses for an
//     install after a freeze at n, the number is not below n);
//   - only Gets: a Put may be answered from a duplicate table for an
//     attempt applied before the Freeze;
//   - a call whose arguments or reply lack these fields (Key, Err; Shard,
//     Num), or whose method's last part is not Get, FreezeShard or
//     InstallShard, gives no evidence; nor does a call to a server that
//     is not a group's.
//
// Group servers cannot call each other's groups (a server has ends only
// to its own group's servers), so every InstallShard a group applies came
// through a controller's call, which the scenario watches.

// groupShard is a shard at a group.
type groupShard struct {
	gid   shardcfg.Tgid
	shard int
}

// freezeAck is a FreezeShard a group acknowledged: its reply Err was OK.
type freezeAck struct {
	gid         shardcfg.Tgid
	me          int
	shard, num  int
	sent, acked time.Duration
}

// servedGet is a Get a group served: its reply Err was OK or ErrNoKey.
// first is when the first call with equal arguments was sent (sent, for
// arguments that are the key alone).
type servedGet struct {
	gid                  shardcfg.Tgid
	me                   int
	key                  string
	shard                int
	sent, first, replied time.Duration
}

// callWatch is the evidence, in the order the calls returned.
type callWatch struct {
	freezes  []freezeAck
	gets     []servedGet
	installs map[groupShard]int // the highest number of an InstallShard sent
	firstGet map[string]time.Duration
}

// install notes an InstallShard of shard at num sent to gid.
func (cw *callWatch) install(gid shardcfg.Tgid, shard, num int) {
	if cw.installs == nil {
		cw.installs = map[groupShard]int{}
	}
	at := groupShard{gid, shard}
	if n, ok := cw.installs[at]; !ok || num > n {
		cw.installs[at] = num
	}
}

// violation is the first Get (in the order they returned) that breaks
// the rule, explained; "" if none does.
func (cw *callWatch) violation() string {
	for _, g := range cw.gets {
		for _, f := range cw.freezes {
			if f.gid != g.gid || f.shard != g.shard || g.first <= f.acked {
				continue
			}
			if n, ok := cw.installs[groupShard{f.gid, f.shard}]; ok && n >= f.num {
				continue
			}
			return fmt.Sprintf("one owner: group %d (server %d) served a Get of %q (shard %d) sent at %v, after it had acknowledged freezing shard %d at configuration %d (server %d; asked at %v, acknowledged at %v); no InstallShard of shard %d at configuration %d or later was sent to the group in the run",
				g.gid, g.me, g.key, g.shard, g.first, f.shard, f.num, f.me, f.sent, f.acked, f.shard, f.num)
		}
	}
	return ""
}

// watched is a controller's or clerk's caller whose calls to group
// servers the one-owner check watches.
type watched struct {
	h *world
	c rpc.Caller
}

// CallsThrough is c with its calls made by by instead, keeping the
// scenario's watch on them if c has one: for an implementation whose
// controllers and clerks call from goroutines of their own
// (sim.AnyRunning) rather than through the caller they are given.
func CallsThrough(c rpc.Caller, by rpc.Caller) rpc.Caller {
	if wc, ok := c.(*watched); ok {
		return &watched{h: wc.h, c: by}
	}
	return by
}

// caller is c, watched if the implementation says how keys map to shards.
func (h *world) caller(c rpc.Caller) rpc.Caller {
	if h.impl.KeyShard == nil {
		return c
	}
	return &watched{h: h, c: c}
}

func (wc *watched) Call(server, method string, args, reply any) bool {
	h := wc.h
	at, ok := h.serverOf[server]
	if !ok {
		return wc.c.Call(server, method, args, reply)
	}
	op := method[strings.LastIndexByte(method, '.')+1:]
	sent := h.w.Now()
	a := fieldsOf(args)
	var id string // a Get's arguments as getID has them, taken once
	var alone bool
	switch op {
	case "InstallShard":
		if shard, ok1 := intField(a, "Shard"); ok1 {
			if num, ok2 := intField(a, "Num"); ok2 {
				h.calls.install(at.gid, shard, num)
			}
		}
	case "Get":
		if _, ok := stringField(a, "Key"); ok {
			id, alone = getID(a)
			h.calls.noteGet(id, alone, sent)
		}
	}
	done := wc.c.Call(server, method, args, reply)
	if !done {
		return false
	}
	r := fieldsOf(reply)
	errv, hasErr := stringField(r, "Err")
	switch op {
	case "FreezeShard":
		shard, ok1 := intField(a, "Shard")
		num, ok2 := intField(a, "Num")
		if ok1 && ok2 && hasErr && errv == string(rpc.OK) {
			h.calls.freezes = append(h.calls.freezes, freezeAck{gid: at.gid, me: at.me, shard: shard, num: num, sent: sent, acked: h.w.Now()})
		}
	case "Get":
		key, ok := stringField(a, "Key")
		if ok && hasErr && (errv == string(rpc.OK) || errv == string(rpc.ErrNoKey)) {
			h.calls.gets = append(h.calls.gets, servedGet{gid: at.gid, me: at.me, key: key, shard: h.impl.KeyShard(key),
				sent: sent, first: h.calls.firstSent(id, alone, sent), replied: h.w.Now()})
		}
	}
	return true
}

// noteGet notes a Get's arguments (id, alone: getID's) sent at sent, if
// they carry more than the key: a retry with equal arguments counts from
// the first.
func (cw *callWatch) noteGet(id string, alone bool, sent time.Duration) {
	if alone || id == "" {
		return
	}
	if cw.firstGet == nil {
		cw.firstGet = map[string]time.Duration{}
	}
	if _, ok := cw.firstGet[id]; !ok {
		cw.firstGet[id] = sent
	}
}

// firstSent is when the first Get with arguments equal to these (id,
// alone: getID's) was sent: sent, for arguments that are the key alone; 0
// (before any ack) for arguments that cannot be told apart.
func (cw *callWatch) firstSent(id string, alone bool, sent time.Duration) time.Duration {
	switch {
	case alone:
		return sent
	case id == "":
		return 0
	}
	if t, ok := cw.firstGet[id]; ok {
		return t
	}
	return sent
}

// getID is a Get's arguments a as a server sees them (the exported
// fields, followed through pointers, as JSON), or alone if they are the
// key alone; "" if they do not marshal.
func getID(a reflect.Value) (id string, alone bool) {
	if a.NumField() == 1 {
		return "", true
	}
	b, err := json.Marshal(a.Interface())
	if err != nil {
		return "", false
	}
	return string(b), false
}

// fieldsOf is the struct v holds, through pointers; the zero Value if it
// holds none.
func fieldsOf(v any) reflect.Value {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return reflect.Value{}
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return reflect.Value{}
	}
	return rv
}

// field is s's field named name (promoted ones too), if s is a struct
// that has exactly one.
func field(s reflect.Value, name string) (reflect.Value, bool) {
	if !s.IsValid() {
		return reflect.Value{}, false
	}
	sf, ok := s.Type().FieldByName(name)
	if !ok {
		return reflect.Value{}, false
	}
	f, err := s.FieldByIndexErr(sf.Index)
	if err != nil {
		return reflect.Value{}, false
	}
	return f, true
}

// intField is s's integer field named name.
func intField(s reflect.Value, name string) (int, bool) {
	f, ok := field(s, name)
	if !ok {
		return 0, false
	}
	switch f.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(f.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int(f.Uint()), true
	}
	return 0, false
}

// stringField is s's string field named name.
func stringField(s reflect.Value, name string) (string, bool) {
	f, ok := field(s, name)
	if !ok || f.Kind() != reflect.String {
		return "", false
	}
	return f.String(), true
}
