// Package uuid stands in for github.com/google/uuid in course folders:
// random (version 4) UUIDs drawn from the run's source, with the parts of
// the API a folder uses for ids.
package uuid

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/kvsim/kvsim/lab/labrt"
)

// UUID is a 128-bit UUID.
type UUID [16]byte

// Nil is the zero UUID.
var Nil UUID

// New returns a random UUID from the run's source.
func New() UUID {
	var u UUID
	for i := range u {
		u[i] = byte(labrt.Rand().Uint64())
	}
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u
}

// NewRandom is New, with google/uuid's signature.
func NewRandom() (UUID, error) { return New(), nil }

// NewString is New().String().
func NewString() string { return New().String() }

// Must returns u, or panics with err.
func Must(u UUID, err error) UUID {
	if err != nil {
		panic(err)
	}
	return u
}

// String is the canonical xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx form.
func (u UUID) String() string {
	h := hex.EncodeToString(u[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Parse reads the canonical form.
func Parse(s string) (UUID, error) {
	var u UUID
	b, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil || len(b) != len(u) || len(s) != 36 {
		return u, errors.New("invalid UUID " + s)
	}
	copy(u[:], b)
	return u, nil
}

// MustParse is Parse that panics on an invalid UUID.
func MustParse(s string) UUID { return Must(Parse(s)) }

// ID is the UUID's first four bytes as a number, as google/uuid's ID
// gives them (for a version 4 UUID, random bits).
func (u UUID) ID() uint32 { return binary.BigEndian.Uint32(u[:4]) }
