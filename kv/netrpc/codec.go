package netrpc

import (
	"bufio"
	"encoding/gob"
	"net"
	netrpc "net/rpc"
	"reflect"
	"sync"
	"sync/atomic"
	"time"
)

// serverCodec is net/rpc's gob codec with the guards of ServerOptions: a
// frameReader under the decoder, a deadline on each reply, and at most
// maxInFlight requests read and not yet answered.
type serverCodec struct {
	conn         net.Conn
	dec          *gob.Decoder
	enc          *gob.Encoder
	buf          *bufio.Writer
	writeTimeout time.Duration
	slots        chan struct{} // one per request read and not yet answered
	closed       chan struct{}
	closeOnce    sync.Once
}

func newServerCodec(conn net.Conn, opts ServerOptions) *serverCodec {
	r := &frameReader{conn: conn, max: uint64(opts.MaxFrame), idleTimeout: opts.IdleTimeout, msgTimeout: opts.ReadTimeout}
	buf := bufio.NewWriter(conn)
	return &serverCodec{
		conn: conn, dec: gob.NewDecoder(r), enc: gob.NewEncoder(buf), buf: buf,
		writeTimeout: opts.ReadTimeout,
		slots:        make(chan struct{}, maxInFlight),
		closed:       make(chan struct{}),
	}
}

// ReadRequestHeader waits for a free slot, then reads. net/rpc answers
// every header it reads, with WriteResponse, which frees the slot.
func (c *serverCodec) ReadRequestHeader(r *netrpc.Request) error {
	select {
	case c.slots <- struct{}{}:
	case <-c.closed:
		return net.ErrClosed
	}
	err := c.dec.Decode(r)
	if err != nil {
		<-c.slots
	}
	return err
}

func (c *serverCodec) ReadRequestBody(body any) error { return c.dec.Decode(body) }

// WriteResponse writes one reply within the write timeout. A reply that
// cannot be written closes the connection: its client is gone or is not
// reading, and the requests queued behind it are given up with it.
func (c *serverCodec) WriteResponse(r *netrpc.Response, body any) error {
	defer func() { <-c.slots }()
	c.conn.SetWriteDeadline(time.Now().Add(c.writeTimeout))
	err := c.enc.Encode(r)
	if err == nil {
		err = c.enc.Encode(body)
	}
	if err == nil {
		err = c.buf.Flush()
	}
	if err != nil {
		c.Close()
	}
	return err
}

func (c *serverCodec) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return c.conn.Close()
}

// A reply's fate: the caller is waiting for it, it is being or has been
// decoded into the caller's struct, or the caller gave up on it.
const (
	waiting int32 = iota
	delivering
	abandoned
)

// pending is what Caller passes to net/rpc as a call's reply. The decoder
// writes into the caller's struct only if the call is still waiting when
// the reply arrives; once the caller has given up, the reply is discarded,
// so a late reply cannot land in a struct the caller has moved on with.
type pending struct {
	dst   any
	state atomic.Int32
}

// abandon gives up on the reply and reports whether it was still waiting;
// if not, it is being or has been delivered.
func (p *pending) abandon() bool { return p.state.CompareAndSwap(waiting, abandoned) }

// clientCodec is net/rpc's gob client codec, with a frameReader under the
// decoder and replies delivered through pending.
type clientCodec struct {
	conn net.Conn
	dec  *gob.Decoder
	enc  *gob.Encoder
	buf  *bufio.Writer
}

func newClientCodec(conn net.Conn, maxFrame int) *clientCodec {
	buf := bufio.NewWriter(conn)
	return &clientCodec{conn: conn, dec: gob.NewDecoder(&frameReader{conn: conn, max: uint64(maxFrame)}), enc: gob.NewEncoder(buf), buf: buf}
}

func (c *clientCodec) WriteRequest(r *netrpc.Request, body any) error {
	if err := c.enc.Encode(r); err != nil {
		return err
	}
	if err := c.enc.Encode(body); err != nil {
		return err
	}
	return c.buf.Flush()
}

func (c *clientCodec) ReadResponseHeader(r *netrpc.Response) error { return c.dec.Decode(r) }

func (c *clientCodec) ReadResponseBody(body any) error {
	p, ok := body.(*pending)
	if !ok {
		return c.dec.Decode(body) // nil: a reply nobody waits for, discarded
	}
	if !p.state.CompareAndSwap(waiting, delivering) {
		return c.dec.DecodeValue(reflect.Value{}) // discards the reply
	}
	return c.dec.Decode(p.dst)
}

func (c *clientCodec) Close() error { return c.conn.Close() }
