package netrpc_test

import (
	"encoding/gob"
	"fmt"
	"net"
	stdrpc "net/rpc"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/netrpc"
	"github.com/kvsim/kvsim/kv/rpc"
)

// serveWith starts a Server with opts for a fresh kv.Server on an ephemeral
// local port until the test ends.
func serveWith(t *testing.T, opts netrpc.ServerOptions) *countingListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: ln}
	s := netrpc.NewServer(kv.NewServer(), opts)
	done := make(chan error, 1)
	go func() { done <- s.Serve(cl) }()
	t.Cleanup(func() {
		s.Close()
		<-done
	})
	return cl
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// huge is a gob message length just under gob's own limit of 8 GiB.
var huge = []byte{0xfb, 0x01, 0xff, 0xff, 0xff, 0xff}

// TestServerHostileMemory opens 20 connections that each announce a message
// of almost 8 GiB and then stream zeros, the way one connection once took
// the server from 15 MB to 1.12 GB. The server's heap must stay under
// 200 MB while it keeps serving an honest Clerk.
func TestServerHostileMemory(t *testing.T) {
	const conns, perConn, limit = 20, 32 << 20, 200 << 20
	ln := serveWith(t, netrpc.ServerOptions{})
	addr := ln.Addr().String()

	var peak atomic.Uint64
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		for p := peak.Load(); ms.HeapInuse > p && !peak.CompareAndSwap(p, ms.HeapInuse); p = peak.Load() {
		}
	}
	stop := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Go(func() {
		for {
			sample()
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	})

	var hostile sync.WaitGroup
	var sent atomic.Int64
	for range conns {
		conn := dial(t, addr)
		hostile.Go(func() {
			zeros := make([]byte, 64<<10)
			if _, err := conn.Write(huge); err != nil {
				return
			}
			conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			for n := 0; n < perConn; n += len(zeros) {
				k, err := conn.Write(zeros)
				sent.Add(int64(k))
				if err != nil {
					return // The server hung up, as it should.
				}
			}
		})
	}

	caller := netrpc.NewCaller(netrpc.Options{})
	defer caller.Close()
	ck := newClerk(caller, addr)
	for i := range 50 {
		key := fmt.Sprintf("k%d", i)
		if err := ck.Put(key, "v", 0); err != rpc.OK {
			t.Fatalf("Put during the attack = %s", err)
		}
		if v, ver, err := ck.Get(key); v != "v" || ver != 1 || err != rpc.OK {
			t.Fatalf("Get during the attack = (%q, %d, %s)", v, ver, err)
		}
	}
	hostile.Wait()
	close(stop)
	sampler.Wait()
	t.Logf("%d hostile connections sent %d MB; peak heap in use %d MB", conns, sent.Load()>>20, peak.Load()>>20)
	if peak.Load() > limit {
		t.Errorf("peak heap in use %d MB, want under %d MB", peak.Load()>>20, limit>>20)
	}
}

// TestServerFrameLimit checks that a request over MaxFrame ends its
// connection, and that requests under it still work.
func TestServerFrameLimit(t *testing.T) {
	ln := serveWith(t, netrpc.ServerOptions{MaxFrame: 1000})
	caller := netrpc.NewCaller(netrpc.Options{})
	defer caller.Close()
	addr := ln.Addr().String()
	var reply rpc.PutReply
	if caller.Call(addr, rpc.MethodPut, &rpc.PutArgs{Key: "k", Value: strings.Repeat("x", 2000)}, &reply) {
		t.Fatalf("a request over the frame limit got a reply: %+v", reply)
	}
	if !caller.Call(addr, rpc.MethodPut, &rpc.PutArgs{Key: "k", Value: strings.Repeat("x", 500)}, &reply) || reply.Err != rpc.OK {
		t.Fatalf("a request under the frame limit: %+v", reply)
	}
}

// TestServerDeadlines checks that a connection that sends nothing is closed
// after IdleTimeout, and one that stops halfway through a message after
// ReadTimeout, while a Clerk that pauses longer than IdleTimeout between
// calls carries on: its Caller redials.
func TestServerDeadlines(t *testing.T) {
	tests := []struct {
		name  string
		opts  netrpc.ServerOptions
		bytes []byte
	}{
		{"idle", netrpc.ServerOptions{IdleTimeout: 50 * time.Millisecond, ReadTimeout: time.Minute}, nil},
		{"stalled message", netrpc.ServerOptions{IdleTimeout: time.Minute, ReadTimeout: 50 * time.Millisecond}, []byte{0x40, 1, 2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln := serveWith(t, tt.opts)
			conn := dial(t, ln.Addr().String())
			if _, err := conn.Write(tt.bytes); err != nil {
				t.Fatal(err)
			}
			waitHangUp(t, conn)
		})
	}

	ln := serveWith(t, netrpc.ServerOptions{IdleTimeout: 20 * time.Millisecond})
	caller := netrpc.NewCaller(netrpc.Options{})
	defer caller.Close()
	ck := newClerk(caller, ln.Addr().String())
	for v := range 3 {
		if err := ck.Put("k", "v", rpc.Tversion(v)); err != rpc.OK {
			t.Fatalf("Put %d = %s", v, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServerMaxConns checks that a connection over MaxConns is closed at
// once, and that a slot freed is used again.
func TestServerMaxConns(t *testing.T) {
	ln := serveWith(t, netrpc.ServerOptions{MaxConns: 2})
	addr := ln.Addr().String()
	a, b := dial(t, addr), dial(t, addr)
	_ = b
	for i := 0; ln.accepted.Load() < 2; i++ {
		if i == 1000 {
			t.Fatal("server did not accept two connections")
		}
		time.Sleep(time.Millisecond)
	}
	waitHangUp(t, dial(t, addr))

	a.Close()
	caller := netrpc.NewCaller(netrpc.Options{Timeout: 100 * time.Millisecond})
	defer caller.Close()
	// The server frees a's slot once it has seen it close.
	ck := newClerk(caller, addr)
	if err := ck.Put("k", "v", 0); err != rpc.OK {
		t.Fatalf("Put once a slot was free = %s", err)
	}
}

// TestServerUnreadReplies sends requests for a large value and never reads
// a reply: the server stops reading the connection once its replies back
// up, rather than growing a goroutine per request, and hangs up once a
// reply cannot be written within ReadTimeout.
func TestServerUnreadReplies(t *testing.T) {
	ln := serveWith(t, netrpc.ServerOptions{ReadTimeout: 200 * time.Millisecond})
	addr := ln.Addr().String()
	caller := netrpc.NewCaller(netrpc.Options{})
	defer caller.Close()
	var reply rpc.PutReply
	if !caller.Call(addr, rpc.MethodPut, &rpc.PutArgs{Key: "big", Value: strings.Repeat("x", 512<<10)}, &reply) || reply.Err != rpc.OK {
		t.Fatalf("Put = %+v", reply)
	}
	baseline := runtime.NumGoroutine()

	conn := dial(t, addr)
	enc := gob.NewEncoder(conn) // one Write per message
	conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	most := 0
	for seq := range uint64(2000) {
		err := enc.Encode(&stdrpc.Request{ServiceMethod: rpc.MethodGet, Seq: seq})
		if err == nil {
			err = enc.Encode(&rpc.GetArgs{Key: "big"})
		}
		most = max(most, runtime.NumGoroutine()-baseline)
		if err != nil {
			break // The server hung up, as it should.
		}
		if seq >= 200 {
			time.Sleep(5 * time.Millisecond) // Give the write timeout time to pass.
		}
	}
	t.Logf("at most %d goroutines more than before the connection", most)
	if most > 2*64 {
		t.Errorf("%d goroutines for one connection that does not read", most)
	}
	waitHangUp(t, conn)
}

// slow answers every Get after a pause that its delay function picks.
type slow struct{ delay func() time.Duration }

func (s slow) Get(_ *rpc.GetArgs, reply *rpc.GetReply) {
	time.Sleep(s.delay())
	*reply = rpc.GetReply{Value: "fresh", Version: 7, Err: rpc.OK}
}
func (slow) Put(*rpc.PutArgs, *rpc.PutReply) {}

// TestCallerLateReply reuses one reply struct for calls whose replies
// arrive around their timeout: whenever Call returns false the struct must
// be as it was, and whenever it returns true it must hold the reply.
func TestCallerLateReply(t *testing.T) {
	const timeout = 4 * time.Millisecond
	var n atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Delays sweep across the timeout in steps of 100µs.
	s := netrpc.NewServer(slow{func() time.Duration { return time.Duration(n.Add(1)%80) * 100 * time.Microsecond }}, netrpc.ServerOptions{})
	go s.Serve(ln)
	defer s.Close()

	caller := netrpc.NewCaller(netrpc.Options{Timeout: timeout})
	defer caller.Close()
	stale := rpc.GetReply{Value: "stale", Version: 1, Err: rpc.ErrNoKey}
	fresh := rpc.GetReply{Value: "fresh", Version: 7, Err: rpc.OK}
	var reply rpc.GetReply
	timedOut := 0
	for i := range 160 {
		reply = stale
		ok := caller.Call(ln.Addr().String(), rpc.MethodGet, &rpc.GetArgs{Key: "k"}, &reply)
		switch {
		case ok && reply != fresh:
			t.Fatalf("call %d returned true with %+v", i, reply)
		case !ok && reply != stale:
			t.Fatalf("call %d returned false and wrote %+v", i, reply)
		case !ok:
			timedOut++
		}
	}
	t.Logf("%d of 160 calls timed out", timedOut)
}

// TestCallerFrameLimit checks the Caller's own limit: a reply over it
// fails the call rather than being read into memory.
func TestCallerFrameLimit(t *testing.T) {
	ln := serveWith(t, netrpc.ServerOptions{})
	addr := ln.Addr().String()
	big := netrpc.NewCaller(netrpc.Options{})
	defer big.Close()
	var put rpc.PutReply
	if !big.Call(addr, rpc.MethodPut, &rpc.PutArgs{Key: "k", Value: strings.Repeat("x", 2000)}, &put) || put.Err != rpc.OK {
		t.Fatalf("Put = %+v", put)
	}
	small := netrpc.NewCaller(netrpc.Options{MaxFrame: 1000})
	defer small.Close()
	var get rpc.GetReply
	if small.Call(addr, rpc.MethodGet, &rpc.GetArgs{Key: "k"}, &get) || get != (rpc.GetReply{}) {
		t.Fatalf("a reply over the Caller's limit: %+v", get)
	}
	if !big.Call(addr, rpc.MethodGet, &rpc.GetArgs{Key: "k"}, &get) || len(get.Value) != 2000 {
		t.Fatalf("a reply under the limit: %d bytes, %s", len(get.Value), get.Err)
	}
}
