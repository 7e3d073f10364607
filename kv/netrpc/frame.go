package netrpc

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// errBadLength reports a gob message length that gob itself would refuse.
var errBadLength = errors.New("netrpc: malformed message length")

// frameReader reads a gob stream from conn and follows its framing: each
// message is a length (gob's unsigned integer encoding) and that many bytes.
// gob reads a whole message into memory before decoding it and accepts
// lengths up to 8 GiB, so a peer could make it allocate that much with one
// length and a stream of zeros. frameReader refuses, and closes conn, as
// soon as a length above max arrives.
//
// It also keeps time: a message once begun must arrive within msgTimeout,
// and the next one must begin within idleTimeout. Zero means no limit.
// Its errors are sticky: a stream it refused stays refused.
type frameReader struct {
	conn                    net.Conn
	max                     uint64
	idleTimeout, msgTimeout time.Duration

	inMessage   bool   // some of the current message's length or body has arrived
	lengthBytes int    // bytes of a multi-byte length still to come
	length      uint64 // the length so far
	body        uint64 // bytes of the current body still to come
	deadline    time.Time
	err         error
}

func (f *frameReader) Read(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	switch {
	case f.inMessage && f.msgTimeout > 0:
		f.conn.SetReadDeadline(f.deadline)
	case !f.inMessage && f.idleTimeout > 0:
		f.conn.SetReadDeadline(time.Now().Add(f.idleTimeout))
	}
	n, err := f.conn.Read(p)
	if ferr := f.scan(p[:n]); ferr != nil {
		f.err = ferr
		f.conn.Close()
		return 0, ferr
	}
	if err != nil {
		f.err = err
	}
	return n, err
}

// scan follows the framing through b, the next bytes of the stream.
func (f *frameReader) scan(b []byte) error {
	for len(b) > 0 {
		if f.body > 0 {
			k := min(uint64(len(b)), f.body)
			f.body -= k
			b = b[k:]
			f.inMessage = f.body > 0
			continue
		}
		c := b[0]
		b = b[1:]
		if !f.inMessage {
			// The first byte of a length: the value itself if below 0x80,
			// else the negated count of big-endian bytes that follow.
			f.inMessage = true
			f.deadline = time.Now().Add(f.msgTimeout)
			if c < 0x80 {
				if err := f.begin(uint64(c)); err != nil {
					return err
				}
				continue
			}
			f.lengthBytes = -int(int8(c))
			if f.lengthBytes > 8 {
				return errBadLength
			}
			f.length = 0
			continue
		}
		f.length = f.length<<8 | uint64(c)
		f.lengthBytes--
		if f.lengthBytes == 0 {
			if err := f.begin(f.length); err != nil {
				return err
			}
		}
	}
	return nil
}

// begin starts a body of n bytes.
func (f *frameReader) begin(n uint64) error {
	if n > f.max {
		return fmt.Errorf("netrpc: message of %d bytes exceeds the limit of %d", n, f.max)
	}
	f.body = n
	f.inMessage = n > 0
	return nil
}
