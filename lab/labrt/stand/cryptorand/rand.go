// Package rand stands in for crypto/rand in course folders: Reader, Read,
// Int, Prime and Text draw from the run's source. A course folder uses
// crypto/rand for ids, never for secrets, so determinism is what it needs.
package rand

import (
	"crypto/rand"
	"io"
	"math/big"

	"github.com/kvsim/kvsim/lab/labrt"
)

// runReader reads the run's source.
type runReader struct{}

func (runReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(labrt.Rand().Uint64())
	}
	return len(p), nil
}

// Reader is crypto/rand's Reader, drawing from the run's source.
var Reader io.Reader = runReader{}

func Read(b []byte) (int, error) { return runReader{}.Read(b) }

func Int(r io.Reader, max *big.Int) (*big.Int, error) { return rand.Int(r, max) }

func Prime(r io.Reader, bits int) (*big.Int, error) { return rand.Prime(r, bits) }

// Text is crypto/rand's Text: 26 characters of the base32 alphabet.
func Text() string {
	const base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, 26)
	for i := range b {
		b[i] = base32[labrt.Rand().IntN(len(base32))]
	}
	return string(b)
}
