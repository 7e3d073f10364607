package scenario

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/shardkv/shardcfg"
)

// TestCallWatchRule: the one-owner rule over calls (calls.go), on
// synthetic evidence: group 1 acknowledged freezing shard 3 at
// configuration 5 (asked at 100ms, acknowledged at 120ms), and a Get of a
// key of shard 3 returned from group 1.
func TestCallWatchRule(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	freeze := freezeAck{gid: 1, me: 0, shard: 3, num: 5, sent: ms(100), acked: ms(120)}
	get := func(gid, shard int, first time.Duration) servedGet {
		return servedGet{gid: shardcfg.Tgid(gid), me: 2, key: "k7", shard: shard, sent: first, first: first, replied: first + ms(10)}
	}
	type install struct{ gid, shard, num int }
	for _, tc := range []struct {
		name     string
		freezes  []freezeAck
		gets     []servedGet
		installs []install
		want     bool
	}{
		{"a Get sent after the ack, no install", []freezeAck{freeze}, []servedGet{get(1, 3, ms(121))}, nil, true},
		{"a Get sent at the ack's instant", []freezeAck{freeze}, []servedGet{get(1, 3, ms(120))}, nil, false},
		{"a Get sent before the ack, answered after it", []freezeAck{freeze}, []servedGet{get(1, 3, ms(110))}, nil, false},
		{"a retry of a Get first sent before the ack", []freezeAck{freeze}, []servedGet{{gid: 1, shard: 3, key: "k7", sent: ms(200), first: ms(90), replied: ms(210)}}, nil, false},
		{"given back later: an install at a higher number", []freezeAck{freeze}, []servedGet{get(1, 3, ms(300))}, []install{{1, 3, 6}}, false},
		{"an install at the freeze's own number", []freezeAck{freeze}, []servedGet{get(1, 3, ms(300))}, []install{{1, 3, 5}}, false},
		{"a stale freeze, excused by the install that gave the shard at a newer number", []freezeAck{{gid: 1, shard: 3, num: 5, sent: ms(400), acked: ms(420)}}, []servedGet{get(1, 3, ms(500))}, []install{{1, 3, 7}}, false},
		{"an install at a lower number does not excuse", []freezeAck{freeze}, []servedGet{get(1, 3, ms(300))}, []install{{1, 3, 4}}, true},
		{"an install of another shard does not excuse", []freezeAck{freeze}, []servedGet{get(1, 3, ms(300))}, []install{{1, 4, 9}}, true},
		{"an install at another group does not excuse", []freezeAck{freeze}, []servedGet{get(1, 3, ms(300))}, []install{{2, 3, 9}}, true},
		{"another group serves the shard", []freezeAck{freeze}, []servedGet{get(2, 3, ms(300))}, nil, false},
		{"the group serves another shard", []freezeAck{freeze}, []servedGet{get(1, 4, ms(300))}, nil, false},
		{"no freeze acknowledged", nil, []servedGet{get(1, 3, ms(300))}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cw := callWatch{freezes: tc.freezes, gets: tc.gets}
			for _, in := range tc.installs {
				cw.install(shardcfg.Tgid(in.gid), in.shard, in.num)
			}
			got := cw.violation()
			if (got != "") != tc.want {
				t.Fatalf("violation %q, want one: %v", got, tc.want)
			}
			if tc.want && !strings.HasPrefix(got, "one owner: group 1 (server 2) served a Get of \"k7\" (shard 3)") {
				t.Errorf("violation %q does not name the group, server, key and shard", got)
			}
		})
	}
}

// TestCallWatchGetArgs: a Get whose arguments are the key alone counts
// from its own call; one whose arguments carry more counts from the first
// call with equal arguments; arguments that do not marshal, never.
func TestCallWatchGetArgs(t *testing.T) {
	type withID struct {
		Key string
		ID  int64
	}
	type unmarshalable struct {
		Key string
		C   chan int
	}
	var cw callWatch
	note := func(a reflect.Value, at time.Duration) {
		id, alone := getID(a)
		cw.noteGet(id, alone, at)
	}
	firstSent := func(a reflect.Value, at time.Duration) time.Duration {
		id, alone := getID(a)
		return cw.firstSent(id, alone, at)
	}
	a := fieldsOf(&withID{"k", 1})
	note(a, time.Second)
	note(a, 2*time.Second)
	if got := firstSent(a, 2*time.Second); got != time.Second {
		t.Errorf("a retry counts from %v, want 1s", got)
	}
	if b := fieldsOf(&withID{"k", 2}); firstSent(b, 3*time.Second) != 3*time.Second {
		t.Errorf("other arguments count from their own call")
	}
	if k := fieldsOf(&rpc.GetArgs{Key: "k"}); firstSent(k, 4*time.Second) != 4*time.Second {
		t.Errorf("the key alone counts from its own call")
	}
	if u := fieldsOf(&unmarshalable{Key: "k"}); firstSent(u, 5*time.Second) != 0 {
		t.Errorf("arguments that do not marshal count")
	}
}

// TestCallWatchFields: fields are read by name, through pointers and
// embedded structs; other shapes give nothing.
func TestCallWatchFields(t *testing.T) {
	type Reply struct{ Err rpc.Err }
	type shardNum int
	type freezeArgs struct {
		Shard shardNum
		Num   uint32
	}
	type freezeReply struct {
		State []byte
		Reply
	}
	a := fieldsOf(&freezeArgs{Shard: 3, Num: 5})
	if s, ok := intField(a, "Shard"); !ok || s != 3 {
		t.Errorf("Shard = %d, %v", s, ok)
	}
	if n, ok := intField(a, "Num"); !ok || n != 5 {
		t.Errorf("Num = %d, %v", n, ok)
	}
	pp := &freezeReply{Reply: Reply{Err: rpc.OK}}
	if e, ok := stringField(fieldsOf(&pp), "Err"); !ok || e != "OK" {
		t.Errorf("Err = %q, %v", e, ok)
	}
	for _, v := range []any{nil, 3, (*freezeArgs)(nil), struct{ Shard string }{"x"}} {
		if _, ok := intField(fieldsOf(v), "Shard"); ok {
			t.Errorf("%#v: a Shard", v)
		}
	}
	if !reflect.DeepEqual(fieldsOf(struct{}{}).Interface(), struct{}{}) {
		t.Errorf("an empty struct")
	}
}
