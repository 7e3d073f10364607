package netrpc

import (
	"errors"
	"io"
	"net"
	netrpc "net/rpc"
	"sync"
	"time"

	"github.com/kvsim/kvsim/kv/rpc"
)

// serviceName is the net/rpc service, the part of rpc.MethodGet and
// rpc.MethodPut before the dot.
const serviceName = "KVServer"

// service adapts an rpc.Server, whose handlers return nothing, to the
// method shape net/rpc requires.
type service struct{ srv rpc.Server }

func (s *service) Get(args *rpc.GetArgs, reply *rpc.GetReply) error {
	s.srv.Get(args, reply)
	return nil
}

func (s *service) Put(args *rpc.PutArgs, reply *rpc.PutReply) error {
	s.srv.Put(args, reply)
	return nil
}

// Defaults for the zero values of ServerOptions and Options.
const (
	DefaultMaxFrame    = 1 << 20
	DefaultReadTimeout = 10 * time.Second
	DefaultIdleTimeout = 5 * time.Minute
	DefaultMaxConns    = 1024
)

// maxInFlight bounds the requests of one connection being handled or
// answered at once: a client that sends without reading its replies stops
// being read, rather than growing a goroutine per request.
const maxInFlight = 64

// ServerOptions guards a Server against peers that are broken or hostile.
// The zero value is ready to use.
type ServerOptions struct {
	// MaxFrame is the largest gob message accepted, in bytes; a longer one
	// closes its connection before it is read. Zero means DefaultMaxFrame.
	MaxFrame int
	// ReadTimeout bounds the arrival of a message once begun, and the
	// writing of a reply. Zero means DefaultReadTimeout.
	ReadTimeout time.Duration
	// IdleTimeout closes a connection that has not begun a request for
	// this long. Zero means DefaultIdleTimeout.
	IdleTimeout time.Duration
	// MaxConns bounds the connections served at once; one more is closed
	// as soon as it is accepted. Zero means DefaultMaxConns.
	MaxConns int
}

func (o ServerOptions) withDefaults() ServerOptions {
	if o.MaxFrame <= 0 {
		o.MaxFrame = DefaultMaxFrame
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = DefaultReadTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxConns <= 0 {
		o.MaxConns = DefaultMaxConns
	}
	return o
}

// Check reports options that are out of range.
func (o ServerOptions) Check() error {
	if o.MaxFrame < 0 || o.ReadTimeout < 0 || o.IdleTimeout < 0 || o.MaxConns < 0 {
		return errors.New("netrpc: negative frame limit, timeout or connection limit")
	}
	return nil
}

// Server serves an rpc.Server over TCP. A malformed request, a vanished
// client or one that breaks ServerOptions ends only its own connection.
type Server struct {
	rpcs *netrpc.Server
	opts ServerOptions

	mu     sync.Mutex
	closed bool
	open   map[io.Closer]struct{} // listeners being served, live connections
	conns  int                    // live connections among open
	live   sync.WaitGroup         // one per member of open
}

// NewServer returns a Server for srv; an option out of range (see
// ServerOptions.Check) counts as zero. Call Serve to accept connections.
func NewServer(srv rpc.Server, opts ServerOptions) *Server {
	rpcs := netrpc.NewServer()
	if err := rpcs.RegisterName(serviceName, &service{srv}); err != nil {
		panic("netrpc: " + err.Error()) // The adapter's methods are fixed: unreachable.
	}
	return &Server{rpcs: rpcs, opts: opts.withDefaults(), open: make(map[io.Closer]struct{})}
}

// Serve accepts connections on ln until Close, and then returns nil. It
// returns an error only if ln fails on its own. Serve closes ln.
func (s *Server) Serve(ln net.Listener) error {
	if !s.track(ln, false) {
		return nil
	}
	defer s.untrack(ln, false)

	var backoff time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			if s.isClosed() {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// Anything else (out of file descriptors, say) may pass: back
			// off and retry rather than take the server down.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		if !s.track(conn, true) {
			if s.isClosed() {
				return nil
			}
			continue // Over MaxConns: track closed it.
		}
		go func() {
			defer s.untrack(conn, true)
			// ServeCodec returns when the client hangs up, sends bytes that
			// do not decode or break the options, or Close closes conn.
			s.rpcs.ServeCodec(newServerCodec(conn, s.opts))
		}()
	}
}

// Close closes every listener being served and every live connection, and
// waits until every Serve and connection handler has returned.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	for c := range s.open {
		c.Close() // Either it closes now or it was already closing.
	}
	s.mu.Unlock()
	s.live.Wait()
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// track records c for Close to close and wait for, or closes c and reports
// false if the server is closed or c is a connection over MaxConns. Adding
// to live under mu keeps it from racing with Close's Wait.
func (s *Server) track(c io.Closer, conn bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || conn && s.conns >= s.opts.MaxConns {
		c.Close()
		return false
	}
	if conn {
		s.conns++
	}
	s.open[c] = struct{}{}
	s.live.Add(1)
	return true
}

// untrack closes c and forgets it: the last act of its Serve or handler.
func (s *Server) untrack(c io.Closer, conn bool) {
	c.Close()
	s.mu.Lock()
	if conn {
		s.conns--
	}
	delete(s.open, c)
	s.mu.Unlock()
	s.live.Done()
}

// Sleeper is an rpc.Sleeper in wall-clock time.
type Sleeper struct{}

var _ rpc.Sleeper = Sleeper{}

// Sleep pauses the calling goroutine for d.
func (Sleeper) Sleep(d time.Duration) { time.Sleep(d) }
