package netrpc_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kvsim/kvsim/clerk"
	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/netrpc"
	"github.com/kvsim/kvsim/kv/rpc"
)

// settle waits, a bounded number of times, for the goroutine count to fall
// back to baseline: everything the test opened has been closed.
func settle(t *testing.T, baseline int) {
	t.Helper()
	for range 500 {
		if runtime.NumGoroutine() <= baseline {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	t.Fatalf("%d goroutines, want at most %d:\n%s", runtime.NumGoroutine(), baseline, buf[:runtime.Stack(buf, true)])
}

// waitHangUp reads conn until the server closes it, whether with EOF or,
// when our bytes were left unread, a reset. The deadline only keeps a
// broken server from hanging the test.
func waitHangUp(t *testing.T, conn net.Conn) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.Copy(io.Discard, conn)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal("server did not hang up")
	}
}

// countingListener counts accepted connections.
type countingListener struct {
	net.Listener
	accepted atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
	}
	return c, err
}

// serve starts a Server for a fresh kv.Server on an ephemeral local port.
// Cleanup closes it and checks that Serve returned nil.
func serve(t *testing.T) (*netrpc.Server, *countingListener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveOn(t, ln)
}

func serveOn(t *testing.T, ln net.Listener) (*netrpc.Server, *countingListener) {
	t.Helper()
	cl := &countingListener{Listener: ln}
	s := netrpc.NewServer(kv.NewServer(), netrpc.ServerOptions{})
	done := make(chan error, 1)
	go func() { done <- s.Serve(cl) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve after Close = %v, want nil", err)
		}
	})
	return s, cl
}

func newClerk(caller rpc.Caller, addr string) *clerk.Clerk {
	return clerk.New(caller, netrpc.Sleeper{}, addr, clerk.Options{RetryInterval: time.Millisecond})
}

func TestClerkOverTCP(t *testing.T) {
	_, ln := serve(t)
	caller := netrpc.NewCaller(netrpc.Options{})
	defer caller.Close()
	ck := newClerk(caller, ln.Addr().String())

	type result struct {
		value   string
		version rpc.Tversion
		err     rpc.Err
	}
	steps := []struct {
		name string
		do   func() result
		want result
	}{
		{"get absent", func() result { v, ver, err := ck.Get("k"); return result{v, ver, err} }, result{"", 0, rpc.ErrNoKey}},
		{"create", func() result { return result{err: ck.Put("k", "a", 0)} }, result{err: rpc.OK}},
		{"get created", func() result { v, ver, err := ck.Get("k"); return result{v, ver, err} }, result{"a", 1, rpc.OK}},
		{"stale put", func() result { return result{err: ck.Put("k", "x", 0)} }, result{err: rpc.ErrVersion}},
		{"put at version", func() result { return result{err: ck.Put("k", "b", 1)} }, result{err: rpc.OK}},
		{"absent at nonzero version", func() result { return result{err: ck.Put("z", "x", 4)} }, result{err: rpc.ErrNoKey}},
		{"get updated", func() result { v, ver, err := ck.Get("k"); return result{v, ver, err} }, result{"b", 2, rpc.OK}},
	}
	for _, st := range steps {
		if got := st.do(); got != st.want {
			t.Fatalf("%s: got %+v, want %+v", st.name, got, st.want)
		}
	}
	if n := ln.accepted.Load(); n != 1 {
		t.Errorf("%d connections for one Caller and one server, want 1", n)
	}
}

// TestServerSurvivesBadClients sends what a broken or hostile client might
// and checks that the server still serves a well-behaved Clerk afterwards.
func TestServerSurvivesBadClients(t *testing.T) {
	_, ln := serve(t)
	addr := ln.Addr().String()
	tests := []struct {
		name  string
		bytes []byte
	}{
		{"nothing, then hang up", nil},
		{"garbage", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\xff\xfe garbage")},
		{"huge length prefix", []byte{0xf8, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{"truncated message", []byte{0x40, 0x01, 0x02}},
		{"zeros", make([]byte, 4096)},
		{"large but legal length, then nothing", []byte{0xfc, 0x3f, 0xff, 0xff, 0xff}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.Write(tt.bytes); err != nil {
				t.Fatal(err)
			}
			// Hang up our side and wait for the server to hang up its
			// side: it has then read and rejected everything we sent.
			if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
				t.Fatal(err)
			}
			waitHangUp(t, conn)

			caller := netrpc.NewCaller(netrpc.Options{})
			defer caller.Close()
			ck := newClerk(caller, addr)
			key := "after " + tt.name
			if err := ck.Put(key, "v", 0); err != rpc.OK {
				t.Fatalf("Put after bad client = %s", err)
			}
			if v, ver, err := ck.Get(key); v != "v" || ver != 1 || err != rpc.OK {
				t.Fatalf("Get after bad client = (%q, %d, %s)", v, ver, err)
			}
		})
	}
}

// TestServerClosesGarbageConnection checks that a connection whose bytes do
// not decode is closed by the server, not left to leak.
func TestServerClosesGarbageConnection(t *testing.T) {
	_, ln := serve(t)
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("\x05garbage that is not gob")); err != nil {
		t.Fatal(err)
	}
	waitHangUp(t, conn)
}

// blackhole accepts connections and never answers, like a paused server.
func blackhole(t *testing.T) (addr string, accepted func() int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	var conns []net.Conn
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			conns = append(conns, c)
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String(), n.Load
}

func TestCallerTimesOutAndRedials(t *testing.T) {
	addr, accepted := blackhole(t)
	caller := netrpc.NewCaller(netrpc.Options{Timeout: 20 * time.Millisecond})
	defer caller.Close()
	for i := range 3 {
		var reply rpc.GetReply
		if caller.Call(addr, rpc.MethodGet, &rpc.GetArgs{Key: "k"}, &reply) {
			t.Fatalf("call %d to a server that never answers returned true", i)
		}
		if reply != (rpc.GetReply{}) {
			t.Fatalf("call %d: reply written: %+v", i, reply)
		}
	}
	// Each timeout dropped its connection, so each call dialed anew. The
	// accept loop may trail the dial by a moment.
	for range 500 {
		if accepted() == 3 {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("%d connections accepted, want 3 (one per timed-out call)", accepted())
}

func TestCallerUnreachable(t *testing.T) {
	// A port that was just free and is closed again: nothing listens there.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	caller := netrpc.NewCaller(netrpc.Options{Timeout: 100 * time.Millisecond})
	defer caller.Close()
	if caller.Call(addr, rpc.MethodGet, &rpc.GetArgs{Key: "k"}, new(rpc.GetReply)) {
		t.Fatal("call to a closed port returned true")
	}
}

// TestCallerKeepsConnectionOnRefusal checks that a call the server refuses
// (an unknown method) returns false without dropping a healthy connection.
func TestCallerKeepsConnectionOnRefusal(t *testing.T) {
	_, ln := serve(t)
	addr := ln.Addr().String()
	caller := netrpc.NewCaller(netrpc.Options{})
	defer caller.Close()
	if caller.Call(addr, "KVServer.Delete", &rpc.GetArgs{Key: "k"}, new(rpc.GetReply)) {
		t.Fatal("unknown method returned true")
	}
	var reply rpc.GetReply
	if !caller.Call(addr, rpc.MethodGet, &rpc.GetArgs{Key: "k"}, &reply) || reply.Err != rpc.ErrNoKey {
		t.Fatalf("Get after a refused call = %+v", reply)
	}
	if n := ln.accepted.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

// TestCallerRedialsRestartedServer checks that a connection broken by the
// server going away is dropped, and a later call reaches the server that
// replaced it at the same address.
func TestCallerRedialsRestartedServer(t *testing.T) {
	first, ln := serve(t)
	addr := ln.Addr().String()
	caller := netrpc.NewCaller(netrpc.Options{})
	defer caller.Close()
	call := func() bool {
		return caller.Call(addr, rpc.MethodGet, &rpc.GetArgs{Key: "k"}, new(rpc.GetReply))
	}
	if !call() {
		t.Fatal("call to the first server failed")
	}
	first.Close()
	if call() {
		t.Fatal("call on a connection the server closed returned true")
	}
	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen again on %s: %v", addr, err)
	}
	serveOn(t, ln2)
	if !call() {
		t.Fatal("call after the server came back failed")
	}
}

// TestCallerConcurrent shares one Caller, and so one connection, among
// Clerks in parallel goroutines.
func TestCallerConcurrent(t *testing.T) {
	_, ln := serve(t)
	caller := netrpc.NewCaller(netrpc.Options{})
	defer caller.Close()
	const clients, puts = 8, 25
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			ck := newClerk(caller, ln.Addr().String())
			key := fmt.Sprintf("k%d", c)
			for v := range puts {
				if err := ck.Put(key, fmt.Sprint(v), rpc.Tversion(v)); err != rpc.OK {
					t.Errorf("%s: Put at %d = %s", key, v, err)
					return
				}
			}
			if v, ver, err := ck.Get(key); v != fmt.Sprint(puts-1) || ver != puts || err != rpc.OK {
				t.Errorf("%s: Get = (%q, %d, %s)", key, v, ver, err)
			}
		})
	}
	wg.Wait()
}

func TestServeReturnsErrorWhenListenerFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := netrpc.NewServer(kv.NewServer(), netrpc.ServerOptions{})
	defer s.Close()
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	ln.Close() // Not through s: the listener failing on its own.
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Serve = %v, want net.ErrClosed", err)
	}
}

func TestServeAfterCloseReturnsAtOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := netrpc.NewServer(kv.NewServer(), netrpc.ServerOptions{})
	s.Close()
	if err := s.Serve(ln); err != nil {
		t.Fatalf("Serve after Close = %v, want nil", err)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("listener still open after Serve returned: Accept = %v", err)
	}
}

// TestCloseReleasesEverything opens connections of every kind (served,
// idle, half-sent, garbage) and checks that closing the server and the
// Caller leaves no goroutine behind and hangs up on idle clients.
func TestCloseReleasesEverything(t *testing.T) {
	baseline := runtime.NumGoroutine()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	s := netrpc.NewServer(kv.NewServer(), netrpc.ServerOptions{})
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()

	caller := netrpc.NewCaller(netrpc.Options{})
	ck := newClerk(caller, addr)
	if err := ck.Put("k", "v", 0); err != rpc.OK {
		t.Fatalf("Put = %s", err)
	}
	var raw []net.Conn
	for _, b := range []string{"", "\x40half a request", "\x05junk"} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write([]byte(b)); err != nil {
			t.Fatal(err)
		}
		raw = append(raw, c)
	}
	// Make sure the server has accepted the raw connections before Close.
	if _, _, err := ck.Get("k"); err != rpc.OK {
		t.Fatalf("Get = %s", err)
	}

	s.Close()
	if err := <-done; err != nil {
		t.Fatalf("Serve = %v, want nil", err)
	}
	caller.Close()
	for _, c := range raw {
		waitHangUp(t, c)
		c.Close()
	}
	settle(t, baseline)
}

func Example() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := netrpc.NewServer(kv.NewServer(), netrpc.ServerOptions{})
	go srv.Serve(ln)
	defer srv.Close()

	caller := netrpc.NewCaller(netrpc.Options{})
	defer caller.Close()
	ck := clerk.New(caller, netrpc.Sleeper{}, ln.Addr().String(), clerk.Options{})
	fmt.Println(ck.Put("greeting", "hello", 0))
	fmt.Println(ck.Get("greeting"))
	// Output:
	// OK
	// hello 1 OK
}
