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

// Server serves an rpc.Server over TCP. A malformed request or a vanished
// client ends only its own connection.
type Server struct {
	rpcs *netrpc.Server

	mu     sync.Mutex
	closed bool
	open   map[io.Closer]struct{} // listeners being served, live connections
	live   sync.WaitGroup         // one per member of open
}

// NewServer returns a Server for srv. Call Serve to accept connections.
func NewServer(srv rpc.Server) *Server {
	rpcs := netrpc.NewServer()
	if err := rpcs.RegisterName(serviceName, &service{srv}); err != nil {
		panic("netrpc: " + err.Error()) // The adapter's methods are fixed: unreachable.
	}
	return &Server{rpcs: rpcs, open: make(map[io.Closer]struct{})}
}

// Serve accepts connections on ln until Close, and then returns nil. It
// returns an error only if ln fails on its own. Serve closes ln.
func (s *Server) Serve(ln net.Listener) error {
	if !s.track(ln) {
		return nil
	}
	defer s.untrack(ln)

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
		if !s.track(conn) {
			return nil
		}
		go func() {
			defer s.untrack(conn)
			// ServeConn returns when the client hangs up, sends bytes that
			// do not decode, or Close closes conn.
			s.rpcs.ServeConn(conn)
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

// track records c for Close to close and wait for, or, if the server is
// already closed, closes c and reports false. Adding to live under mu keeps
// it from racing with Close's Wait.
func (s *Server) track(c io.Closer) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		c.Close()
		return false
	}
	s.open[c] = struct{}{}
	s.live.Add(1)
	return true
}

// untrack closes c and forgets it: the last act of its Serve or handler.
func (s *Server) untrack(c io.Closer) {
	c.Close()
	s.mu.Lock()
	delete(s.open, c)
	s.mu.Unlock()
	s.live.Done()
}

// DefaultTimeout bounds a call when Options.Timeout is zero.
const DefaultTimeout = time.Second

// Options tunes a Caller. The zero value is ready to use.
type Options struct {
	// Timeout bounds one Call, dialing included; zero means DefaultTimeout.
	Timeout time.Duration
}

// Caller is an rpc.Caller over TCP, where a server is named by its
// "host:port". It dials on first use and keeps one connection per address,
// shared by concurrent calls. It is safe for concurrent use.
type Caller struct {
	timeout time.Duration

	mu     sync.Mutex
	closed bool
	links  map[string]*link
}

// link is one connection and the net/rpc client speaking over it.
type link struct {
	conn   net.Conn
	client *netrpc.Client
}

var _ rpc.Caller = (*Caller)(nil)

// NewCaller returns a Caller with no connections yet.
func NewCaller(opts Options) *Caller {
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	return &Caller{timeout: opts.Timeout, links: make(map[string]*link)}
}

// Call sends one request and waits for its reply until the timeout. It
// returns false on timeout or any error, as a lossy network would; then the
// request may or may not have been executed. A connection that failed or
// timed out is dropped, failing any other call in flight on it, so the next
// call redials; no reply can arrive on it later: once Call returns, nothing
// writes to reply.
func (c *Caller) Call(server, method string, args, reply any) bool {
	deadline := time.Now().Add(c.timeout)
	timer := time.NewTimer(c.timeout)
	defer timer.Stop()
	l, ok := c.link(server, deadline)
	if !ok {
		return false
	}
	// net/rpc writes the request before Go returns; a server that stopped
	// reading must not hold us past the deadline.
	l.conn.SetWriteDeadline(deadline)
	call := l.client.Go(method, args, reply, make(chan *netrpc.Call, 1))
	select {
	case <-call.Done:
		if call.Error == nil {
			return true
		}
		// A ServerError is the server refusing this call; the connection
		// is fine. Anything else means the connection is broken.
		if _, refused := call.Error.(netrpc.ServerError); !refused {
			c.drop(server, l)
		}
		return false
	case <-timer.C:
		c.drop(server, l)
		<-call.Done // Closing the connection ends the call, so reply is ours again.
		return false
	}
}

// link returns the connection to server, dialing if there is none.
func (c *Caller) link(server string, deadline time.Time) (*link, bool) {
	c.mu.Lock()
	l, ok := c.links[server]
	closed := c.closed
	c.mu.Unlock()
	if ok || closed {
		return l, ok
	}
	// Dial without the lock, so a dead address does not stall calls to
	// others.
	d := net.Dialer{Deadline: deadline}
	conn, err := d.Dial("tcp", server)
	if err != nil {
		return nil, false
	}
	fresh := &link{conn: conn, client: netrpc.NewClient(conn)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if l, ok := c.links[server]; ok || c.closed {
		// Another call dialed first, or Close came in between.
		fresh.client.Close()
		return l, ok
	}
	c.links[server] = fresh
	return fresh, true
}

// drop closes l and forgets it, unless another call already replaced it.
func (c *Caller) drop(server string, l *link) {
	l.client.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.links[server] == l {
		delete(c.links, server)
	}
}

// Close closes every connection; calls after it return false.
func (c *Caller) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for server, l := range c.links {
		l.client.Close()
		delete(c.links, server)
	}
}

// Sleeper is an rpc.Sleeper in wall-clock time.
type Sleeper struct{}

var _ rpc.Sleeper = Sleeper{}

// Sleep pauses the calling goroutine for d.
func (Sleeper) Sleep(d time.Duration) { time.Sleep(d) }
