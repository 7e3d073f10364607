package netrpc

import (
	"net"
	netrpc "net/rpc"
	"sync"
	"time"

	"github.com/kvsim/kvsim/kv/rpc"
)

// DefaultTimeout bounds a call when Options.Timeout is zero.
const DefaultTimeout = time.Second

// Options tunes a Caller. The zero value is ready to use.
type Options struct {
	// Timeout bounds one Call, dialing included; zero or less means
	// DefaultTimeout.
	Timeout time.Duration
	// MaxFrame is the largest gob message accepted from a server, in
	// bytes; a longer one breaks the connection. Zero or less means
	// DefaultMaxFrame.
	MaxFrame int
}

// Caller is an rpc.Caller over TCP, where a server is named by its
// "host:port". It dials on first use and keeps one connection per address,
// shared by concurrent calls. It is safe for concurrent use.
type Caller struct {
	timeout  time.Duration
	maxFrame int

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
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxFrame <= 0 {
		opts.MaxFrame = DefaultMaxFrame
	}
	return &Caller{timeout: opts.Timeout, maxFrame: opts.MaxFrame, links: make(map[string]*link)}
}

// Call sends one request and waits for its reply until the timeout. It
// returns false on timeout or any error, as a lossy network would; then the
// request may or may not have been executed. A connection that failed or
// timed out is dropped, failing any other call in flight on it, so the next
// call redials.
//
// Only a call still waiting writes to reply: a reply that arrives once the
// call has timed out is discarded, never decoded into a struct its caller
// may be reusing. So true means reply holds the server's answer (merged by
// gob's rule: fields the server left zero are not sent and keep their old
// values), and false means reply is untouched, unless the reply that
// arrived failed to decode, which also breaks the connection.
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
	p := &pending{dst: reply}
	call := l.client.Go(method, args, p, make(chan *netrpc.Call, 1))
	select {
	case <-call.Done:
	case <-timer.C:
		gaveUp := p.abandon()
		c.drop(server, l)
		if gaveUp {
			return false
		}
		// The reply was being decoded as time ran out: it is ours, unless
		// closing the connection cut it short.
		<-call.Done
	}
	if call.Error == nil {
		return true
	}
	// A ServerError is the server refusing this call; the connection is
	// fine. Anything else means the connection is broken.
	if _, refused := call.Error.(netrpc.ServerError); !refused {
		c.drop(server, l)
	}
	return false
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
	fresh := &link{conn: conn, client: netrpc.NewClientWithCodec(newClientCodec(conn, c.maxFrame))}
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
