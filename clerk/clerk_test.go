package clerk_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kvsim/kvsim/clerk"
	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/rpc"
)

const serverName = "kv0"

// fate is what the scripted network does to one call.
type fate int

const (
	deliver     fate = iota // the server executes it and the reply arrives
	dropRequest             // the server never sees it; Call returns false
	dropReply               // the server executes it; Call returns false
)

// scriptedCaller is a network in front of a real server that treats the
// i-th call as script[i] says (deliver once the script runs out). before,
// if set, runs just before call i reaches the network: the place for other
// clients to write. It panics on a reused or dirty reply struct, which the
// lab forbids.
type scriptedCaller struct {
	srv     *kv.Server
	script  []fate
	before  func(i int, srv *kv.Server)
	methods []string
	replies []any
}

func (c *scriptedCaller) Call(server, method string, args, reply any) bool {
	i := len(c.methods)
	if server != serverName {
		panic(fmt.Sprintf("call %d to %q, want %q", i, server, serverName))
	}
	if slices.Contains(c.replies, reply) {
		panic(fmt.Sprintf("call %d reuses a reply struct", i))
	}
	c.methods = append(c.methods, method)
	c.replies = append(c.replies, reply)
	if c.before != nil {
		c.before(i, c.srv)
	}
	f := deliver
	if i < len(c.script) {
		f = c.script[i]
	}
	if f == dropRequest {
		return false
	}
	switch method {
	case rpc.MethodGet:
		r := reply.(*rpc.GetReply)
		if *r != (rpc.GetReply{}) {
			panic(fmt.Sprintf("call %d: dirty reply %+v", i, *r))
		}
		c.srv.Get(args.(*rpc.GetArgs), r)
	case rpc.MethodPut:
		r := reply.(*rpc.PutReply)
		if *r != (rpc.PutReply{}) {
			panic(fmt.Sprintf("call %d: dirty reply %+v", i, *r))
		}
		c.srv.Put(args.(*rpc.PutArgs), r)
	default:
		panic("unknown method " + method)
	}
	return f == deliver
}

// recordingSleeper records the pauses instead of taking them.
type recordingSleeper struct{ slept []time.Duration }

func (s *recordingSleeper) Sleep(d time.Duration) { s.slept = append(s.slept, d) }

// putDirect writes on the server as another client would, bypassing the
// network; it fails the test if the write is refused.
func putDirect(t *testing.T, srv *kv.Server, key, value string, version rpc.Tversion) {
	t.Helper()
	var r rpc.PutReply
	srv.Put(&rpc.PutArgs{Key: key, Value: value, Version: version}, &r)
	if r.Err != rpc.OK {
		t.Fatalf("direct Put(%q, %q, %d) = %s", key, value, version, r.Err)
	}
}

func TestClerkGet(t *testing.T) {
	tests := []struct {
		name        string
		create      bool // "k" = "v" at version 1 beforehand
		script      []fate
		wantValue   string
		wantVersion rpc.Tversion
		wantErr     rpc.Err
		wantCalls   int
	}{
		{"delivered", true, nil, "v", 1, rpc.OK, 1},
		{"absent key", false, nil, "", 0, rpc.ErrNoKey, 1},
		{"request lost twice", true, []fate{dropRequest, dropRequest}, "v", 1, rpc.OK, 3},
		{"reply lost is never ErrMaybe", true, []fate{dropReply}, "v", 1, rpc.OK, 2},
		{"reply lost on absent key", false, []fate{dropReply, dropRequest}, "", 0, rpc.ErrNoKey, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := kv.NewServer()
			if tt.create {
				putDirect(t, srv, "k", "v", 0)
			}
			net := &scriptedCaller{srv: srv, script: tt.script}
			sl := &recordingSleeper{}
			ck := clerk.New(net, sl, serverName, clerk.Options{})

			value, version, err := ck.Get("k")
			if value != tt.wantValue || version != tt.wantVersion || err != tt.wantErr {
				t.Errorf("Get = (%q, %d, %s), want (%q, %d, %s)", value, version, err, tt.wantValue, tt.wantVersion, tt.wantErr)
			}
			if want := slices.Repeat([]string{rpc.MethodGet}, tt.wantCalls); !slices.Equal(net.methods, want) {
				t.Errorf("calls %v, want %v", net.methods, want)
			}
			if want := slices.Repeat([]time.Duration{clerk.DefaultRetryInterval}, tt.wantCalls-1); !slices.Equal(sl.slept, want) {
				t.Errorf("slept %v, want %v", sl.slept, want)
			}
		})
	}
}

func TestClerkPut(t *testing.T) {
	// Each case starts from "k" = "old" at version 1, then Puts "new".
	tests := []struct {
		name    string
		key     string
		version rpc.Tversion
		script  []fate
		before  func(i int, srv *kv.Server) // other clients' writes
		wantErr rpc.Err
		// The key's state afterwards.
		wantValue   string
		wantVersion rpc.Tversion
		wantCalls   int
	}{
		{name: "delivered",
			key: "k", version: 1,
			wantErr: rpc.OK, wantValue: "new", wantVersion: 2, wantCalls: 1},
		{name: "first attempt at stale version is certain ErrVersion",
			key: "k", version: 0,
			wantErr: rpc.ErrVersion, wantValue: "old", wantVersion: 1, wantCalls: 1},
		{name: "first attempt at future version is certain ErrVersion",
			key: "k", version: 7,
			wantErr: rpc.ErrVersion, wantValue: "old", wantVersion: 1, wantCalls: 1},
		{name: "request lost then delivered is OK",
			key: "k", version: 1, script: []fate{dropRequest},
			wantErr: rpc.OK, wantValue: "new", wantVersion: 2, wantCalls: 2},
		{name: "requests lost repeatedly then delivered is OK",
			key: "k", version: 1, script: []fate{dropRequest, dropRequest, dropRequest},
			wantErr: rpc.OK, wantValue: "new", wantVersion: 2, wantCalls: 4},
		{name: "first copy applied, reply lost: ErrMaybe",
			key: "k", version: 1, script: []fate{dropReply},
			wantErr: rpc.ErrMaybe, wantValue: "new", wantVersion: 2, wantCalls: 2},
		{name: "create applied, reply lost: ErrMaybe",
			key: "fresh", version: 0, script: []fate{dropReply},
			wantErr: rpc.ErrMaybe, wantValue: "new", wantVersion: 1, wantCalls: 2},
		{name: "first copy lost, another client wrote: ErrMaybe, not applied",
			key: "k", version: 1, script: []fate{dropRequest},
			before: func(i int, srv *kv.Server) {
				if i == 1 {
					var r rpc.PutReply
					srv.Put(&rpc.PutArgs{Key: "k", Value: "other", Version: 1}, &r)
				}
			},
			wantErr: rpc.ErrMaybe, wantValue: "other", wantVersion: 2, wantCalls: 2},
		{name: "applied, then every reply lost until one arrives: ErrMaybe",
			key: "k", version: 1, script: []fate{dropReply, dropReply, dropRequest},
			wantErr: rpc.ErrMaybe, wantValue: "new", wantVersion: 2, wantCalls: 4},
		{name: "stale version with replies lost stays unknown: ErrMaybe",
			key: "k", version: 0, script: []fate{dropReply},
			wantErr: rpc.ErrMaybe, wantValue: "old", wantVersion: 1, wantCalls: 2},
		{name: "absent key at nonzero version is ErrNoKey",
			key: "fresh", version: 3,
			wantErr: rpc.ErrNoKey, wantCalls: 1},
		{name: "ErrNoKey on a retransmission is returned as is",
			key: "fresh", version: 3, script: []fate{dropReply},
			wantErr: rpc.ErrNoKey, wantCalls: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := kv.NewServer()
			putDirect(t, srv, "k", "old", 0)
			net := &scriptedCaller{srv: srv, script: tt.script, before: tt.before}
			sl := &recordingSleeper{}
			ck := clerk.New(net, sl, serverName, clerk.Options{RetryInterval: 7 * time.Millisecond})

			if err := ck.Put(tt.key, "new", tt.version); err != tt.wantErr {
				t.Errorf("Put = %s, want %s", err, tt.wantErr)
			}
			if want := slices.Repeat([]string{rpc.MethodPut}, tt.wantCalls); !slices.Equal(net.methods, want) {
				t.Errorf("calls %v, want %v", net.methods, want)
			}
			if want := slices.Repeat([]time.Duration{7 * time.Millisecond}, tt.wantCalls-1); !slices.Equal(sl.slept, want) {
				t.Errorf("slept %v, want %v", sl.slept, want)
			}
			var r rpc.GetReply
			srv.Get(&rpc.GetArgs{Key: tt.key}, &r)
			if tt.wantVersion == 0 {
				if r.Err != rpc.ErrNoKey {
					t.Errorf("afterwards %q = %+v, want ErrNoKey", tt.key, r)
				}
			} else if want := (rpc.GetReply{Value: tt.wantValue, Version: tt.wantVersion, Err: rpc.OK}); r != want {
				t.Errorf("afterwards %q = %+v, want %+v", tt.key, r, want)
			}
		})
	}
}

// Example shows the one answer only a Clerk gives: the network loses the
// reply to a Put the server applied, the resent copy is refused, and the
// Clerk cannot tell whether its Put happened.
func Example() {
	srv := kv.NewServer()
	net := &scriptedCaller{srv: srv, script: []fate{dropReply}}
	ck := clerk.New(net, &recordingSleeper{}, serverName, clerk.Options{})

	fmt.Println(ck.Put("x", "hello", 0))
	fmt.Println(ck.Get("x"))
	fmt.Println(ck.Put("x", "again", 0))
	// Output:
	// ErrMaybe
	// hello 1 OK
	// ErrVersion
}
