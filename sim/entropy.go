package sim

import (
	"encoding/binary"
	"hash/fnv"
	"math/bits"
	"math/rand/v2"
	"time"
)

// Entropy is the run's only source of randomness.
//
// Backends map their raw material (a PRNG stream, fuzzer bytes, rapid's
// bitstream) onto Uint64N. Draws shrink toward 0, so the simulator arranges
// every decision so that 0 is the simplest outcome: no fault, the shortest
// delay, the earliest-scheduled event.
type Entropy interface {
	// Uint64N returns a value in [0, n). n is never 0.
	Uint64N(n uint64) uint64
}

// NewPCG returns entropy from a PCG generator seeded with seed. Its draws
// are those of math/rand/v2's Rand.Uint64N over the same PCG; calling the
// generator directly saves the Rand's dynamic call on every draw.
func NewPCG(seed uint64) Entropy {
	return &pcgEntropy{pcg: *rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)}
}

type pcgEntropy struct{ pcg rand.PCG }

// Uint64N maps a 64-bit draw x onto [0, n) as the high word of x*n, redrawing
// the few x whose low word would make some results likelier than others
// (Lemire's method), exactly as math/rand/v2 does on 64-bit machines.
func (e *pcgEntropy) Uint64N(n uint64) uint64 {
	if n&(n-1) == 0 {
		return e.pcg.Uint64() & (n - 1)
	}
	hi, lo := bits.Mul64(e.pcg.Uint64(), n)
	if lo < n {
		for reject := -n % n; lo < reject; {
			hi, lo = bits.Mul64(e.pcg.Uint64(), n)
		}
	}
	return hi
}

// NewBytes returns entropy read from data, for coverage-guided fuzzing: each
// draw consumes just enough bytes for its range, so the fuzzer's mutations
// map onto decisions. Once data is exhausted, draws come from a PCG seeded by
// a hash of data, so every input still denotes exactly one run.
func NewBytes(data []byte) Entropy {
	return &byteEntropy{data: data}
}

type byteEntropy struct {
	data     []byte
	fallback Entropy
}

func (b *byteEntropy) Uint64N(n uint64) uint64 {
	need := (bitsFor(n-1) + 7) / 8
	if need == 0 {
		return 0
	}
	if len(b.data) < need {
		if b.fallback == nil {
			h := fnv.New64a()
			h.Write(b.data)
			b.fallback = NewPCG(h.Sum64())
			b.data = nil
		}
		return b.fallback.Uint64N(n)
	}
	var buf [8]byte
	copy(buf[:], b.data[:need])
	b.data = b.data[need:]
	return binary.LittleEndian.Uint64(buf[:]) % n
}

func bitsFor(x uint64) int {
	n := 0
	for x != 0 {
		n++
		x >>= 1
	}
	return n
}

// chanceScale is the resolution of probabilities: 2^32 steps.
const chanceScale = 1 << 32

// chance reports an event of probability p. It draws nothing when p is 0 or
// 1, so a fault that is off costs no entropy, and a draw of 0 means "no".
func chance(e Entropy, p float64) bool {
	if p <= 0 {
		return false // inlined: a fault that is off costs a comparison
	}
	return draw(e, p)
}

// draw is kept out of line so that chance stays small enough to inline.
//
//go:noinline
func draw(e Entropy, p float64) bool {
	if p >= 1 {
		return true
	}
	return e.Uint64N(chanceScale) >= uint64((1-p)*chanceScale)
}

// upTo returns a duration drawn uniformly from [0, d].
func upTo(e Entropy, d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(e.Uint64N(uint64(d) + 1))
}
