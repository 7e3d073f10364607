package loadgen_test

import (
	"net"
	"sync/atomic"
	"testing"

	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/netrpc"
	"github.com/kvsim/kvsim/kv/rpc"
)

// serve serves srv on an ephemeral local port until the test ends.
func serve(t *testing.T, srv rpc.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := netrpc.NewServer(srv, netrpc.ServerOptions{})
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve after Close = %v, want nil", err)
		}
	})
	return ln.Addr().String()
}

func serveKV(t *testing.T) string { return serve(t, kv.NewServer()) }

// stuck is a server whose handlers never return until the test ends: it
// accepts requests and answers none, like a server that hangs.
type stuck struct {
	calls   atomic.Int64
	release chan struct{}
}

func serveStuck(t *testing.T) (*stuck, string) {
	s := &stuck{release: make(chan struct{})}
	addr := serve(t, s)
	t.Cleanup(func() { close(s.release) }) // Runs before the server's Close.
	return s, addr
}

func (s *stuck) Get(*rpc.GetArgs, *rpc.GetReply) { s.calls.Add(1); <-s.release }
func (s *stuck) Put(*rpc.PutArgs, *rpc.PutReply) { s.calls.Add(1); <-s.release }
