package kv

import (
	"encoding/binary"
	"errors"
	"slices"

	"github.com/kvsim/kvsim/kv/rpc"
)

// State is the server's data as bytes: every key with its value and
// version, keys in sorted order, so that two servers with the same data
// encode it the same way. A replicated server snapshots its state machine
// with it (package kvraft).
func (s *Server) State() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.data))
	for k := range s.data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := binary.AppendUvarint(nil, uint64(len(keys)))
	for _, k := range keys {
		e := s.data[k]
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(e.value)))
		b = append(b, e.value...)
		b = binary.AppendUvarint(b, uint64(e.version))
	}
	return b
}

// errState is what SetState says of bytes State did not write.
var errState = errors.New("kv: a state that State did not write")

// SetState replaces the server's data with what State encoded; on bytes
// State did not write it changes nothing and returns an error.
func (s *Server) SetState(b []byte) error {
	data := make(map[string]entry)
	uvarint := func() (uint64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	str := func() (string, bool) {
		n, ok := uvarint()
		if !ok || n > uint64(len(b)) {
			return "", false
		}
		v := string(b[:n])
		b = b[n:]
		return v, true
	}
	n, ok := uvarint()
	for i := uint64(0); ok && i < n; i++ {
		var k, v string
		var ver uint64
		if k, ok = str(); !ok {
			break
		}
		if v, ok = str(); !ok {
			break
		}
		if ver, ok = uvarint(); ok {
			data[k] = entry{value: v, version: rpc.Tversion(ver)}
		}
	}
	if !ok || len(b) != 0 {
		return errState
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data = data
	return nil
}
