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

// Keyed is entropy with a stream of its own for every name: draws on one
// stream never move another. A world draws each fault kind's decisions,
// its ties and each client's workload from streams named for them, so that
// adding a fault, a draw or a client leaves every other stream of every
// seed as it was.
type Keyed interface {
	Entropy
	// Stream returns the stream named name; asked again, the same stream,
	// where it left off.
	Stream(name string) Entropy
}

// Stream returns e's stream named name:
//   - when e is a Chooser, e itself, telling it the stream's name with
//     every draw (Draw.Stream; Uint64N draws are Workload decisions), so
//     that a strategy sees one sequence of named decisions;
//   - when e is Keyed, its own stream of that name;
//   - otherwise e, whose one sequence serves every name in the order the
//     draws are made: rapid, fuzzer bytes and replays record and replay
//     choices, not seeds.
func Stream(e Entropy, name string) Entropy {
	return streamOf(e, name, nameHash(name))
}

// streamOf is Stream for a name whose hash (nameHash) is known.
func streamOf(e Entropy, name string, h uint64) Entropy {
	if s, ok := e.(*pcgSource); ok { // a campaign's: the common case first
		return s.byHash(h)
	}
	switch x := e.(type) {
	case Chooser:
		return &chooserStream{c: x, d: Draw{Decision: Workload, Endpoint: -1, Stream: name}}
	case Keyed:
		return x.Stream(name)
	}
	return e
}

// chooserStream is a stream of a Chooser: it names the stream in every
// draw.
type chooserStream struct {
	c Chooser
	d Draw
}

func (s *chooserStream) Uint64N(n uint64) uint64 {
	s.d.N = n
	return choose(s.c, &s.d)
}

func (s *chooserStream) Choose(d *Draw) uint64 {
	d.Stream = s.d.Stream
	return choose(s.c, d)
}

// NewPCG returns the keyed entropy of seed. Its own draws (Uint64N) are
// those of math/rand/v2's Rand.Uint64N over PCG(seed, seed^0x9e3779b97f4a7c15);
// calling the generator directly saves the Rand's dynamic call on every
// draw. Its stream named name (Stream) is a PCG of its own, seeded from
// splitmix64 of seed^FNV-1a(name), made the first time it is asked for.
func NewPCG(seed uint64) Entropy {
	s := new(pcgSource)
	s.reset(seed)
	return s
}

// reset makes s NewPCG(seed)'s entropy, with no stream made yet.
func (s *pcgSource) reset(seed uint64) {
	*s = pcgSource{seed: seed}
	s.pcg.Seed(seed, seed^0x9e3779b97f4a7c15)
}

// pcgSource is NewPCG's entropy: the seed's own PCG and its streams.
type pcgSource struct {
	pcgEntropy
	seed uint64
	// The streams made so far: the first ones in place, the rest each in
	// an allocation of its own. slot is an open-addressed table of their
	// indices plus one, by key.
	n     int
	first [32]namedPCG
	more  []*namedPCG
	slot  [64]uint8
	big   map[uint64]*namedPCG // every stream, once there are too many for slot
}

type namedPCG struct {
	key uint64
	pcgEntropy
}

// Stream implements Keyed.
func (s *pcgSource) Stream(name string) Entropy { return s.byHash(nameHash(name)) }

// byHash is the stream whose name hashes to h.
func (s *pcgSource) byHash(h uint64) Entropy {
	key := splitmix64(s.seed ^ h)
	if s.big != nil {
		if st := s.big[key]; st != nil {
			return &st.pcgEntropy
		}
		return s.add(key, 0)
	}
	for i := key; ; i++ {
		j := int(s.slot[i%uint64(len(s.slot))])
		if j == 0 {
			return s.add(key, i%uint64(len(s.slot)))
		}
		if st := s.at(j - 1); st.key == key {
			return &st.pcgEntropy
		}
	}
}

func (s *pcgSource) at(i int) *namedPCG {
	if i < len(s.first) {
		return &s.first[i]
	}
	return s.more[i-len(s.first)]
}

// add makes the stream of key, noted in slot i of the table.
func (s *pcgSource) add(key, i uint64) Entropy {
	if s.big == nil && s.n+1 >= len(s.slot)-len(s.slot)/4 {
		s.big = make(map[uint64]*namedPCG, 2*s.n)
		for j := range s.n {
			s.big[s.at(j).key] = s.at(j)
		}
	}
	var st *namedPCG
	if s.n < len(s.first) {
		st = &s.first[s.n]
	} else {
		st = new(namedPCG)
		s.more = append(s.more, st)
	}
	s.n++
	if s.big != nil {
		s.big[key] = st
	} else {
		s.slot[i] = uint8(s.n)
	}
	st.key = key
	st.pcg.Seed(key, splitmix64(key))
	return &st.pcgEntropy
}

// nameHash is FNV-1a of a stream's name; the stream of seed is seeded
// from splitmix64(seed ^ nameHash(name)).
func nameHash(name string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(name); i++ {
		h = (h ^ uint64(name[i])) * fnvPrime
	}
	return h
}

// splitmix64 is the finalizer of SplitMix64: a fast mix in which every bit
// of x moves every bit of the result.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
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

// Recorder is entropy that draws from another and keeps every value drawn
// on it or on any of its streams, in the order drawn: replayed as one
// stream (explore.Replay), they make the same run. It is keyed as the
// entropy it draws from is.
type Recorder struct {
	e     Entropy
	Drawn []uint64
}

// NewRecorder returns a Recorder drawing from e.
func NewRecorder(e Entropy) *Recorder { return &Recorder{e: e} }

// Uint64N draws from the entropy's own stream, and records the value.
func (r *Recorder) Uint64N(n uint64) uint64 { return r.keep(r.e.Uint64N(n)) }

// Stream implements Keyed: e's stream of name, whose draws are recorded.
func (r *Recorder) Stream(name string) Entropy { return recordedStream{r, Stream(r.e, name)} }

func (r *Recorder) keep(v uint64) uint64 {
	r.Drawn = append(r.Drawn, v)
	return v
}

type recordedStream struct {
	r *Recorder
	e Entropy
}

func (s recordedStream) Uint64N(n uint64) uint64 { return s.r.keep(s.e.Uint64N(n)) }
