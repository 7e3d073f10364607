// Package rand stands in for math/rand/v2 in course folders: the top-level
// functions draw from the run's source; New and the sources are
// math/rand/v2's, deterministic given their seeds.
package rand

import (
	"math/rand/v2"

	"github.com/kvsim/kvsim/lab/labrt"
)

type (
	Rand    = rand.Rand
	Source  = rand.Source
	PCG     = rand.PCG
	ChaCha8 = rand.ChaCha8
	Zipf    = rand.Zipf
)

func New(src Source) *Rand                             { return rand.New(src) }
func NewPCG(seed1, seed2 uint64) *PCG                  { return rand.NewPCG(seed1, seed2) }
func NewChaCha8(seed [32]byte) *ChaCha8                { return rand.NewChaCha8(seed) }
func NewZipf(r *Rand, s, v float64, imax uint64) *Zipf { return rand.NewZipf(r, s, v, imax) }
func Int() int                                         { return labrt.Rand().Int() }
func IntN(n int) int                                   { return labrt.Rand().IntN(n) }
func Int32() int32                                     { return labrt.Rand().Int32() }
func Int32N(n int32) int32                             { return labrt.Rand().Int32N(n) }
func Int64() int64                                     { return labrt.Rand().Int64() }
func Int64N(n int64) int64                             { return labrt.Rand().Int64N(n) }
func Uint() uint                                       { return labrt.Rand().Uint() }
func UintN(n uint) uint                                { return labrt.Rand().UintN(n) }
func Uint32() uint32                                   { return labrt.Rand().Uint32() }
func Uint32N(n uint32) uint32                          { return labrt.Rand().Uint32N(n) }
func Uint64() uint64                                   { return labrt.Rand().Uint64() }
func Uint64N(n uint64) uint64                          { return labrt.Rand().Uint64N(n) }
func Float32() float32                                 { return labrt.Rand().Float32() }
func Float64() float64                                 { return labrt.Rand().Float64() }
func NormFloat64() float64                             { return labrt.Rand().NormFloat64() }
func ExpFloat64() float64                              { return labrt.Rand().ExpFloat64() }
func Perm(n int) []int                                 { return labrt.Rand().Perm(n) }
func Shuffle(n int, swap func(i, j int))               { labrt.Rand().Shuffle(n, swap) }

// N is math/rand/v2's N: a value in [0, n), drawn from the run's source.
func N[Int interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr
}](n Int) Int {
	if n <= 0 {
		panic("invalid argument to N")
	}
	return Int(labrt.Rand().Uint64N(uint64(n)))
}
