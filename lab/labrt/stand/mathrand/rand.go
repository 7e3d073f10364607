// Package rand stands in for math/rand in course folders: the top-level
// functions draw from the run's source; New and NewSource are math/rand's,
// deterministic given their seed. Seed does nothing: the run's seed rules.
package rand

import (
	"math/rand"

	"github.com/kvsim/kvsim/lab/labrt"
)

type (
	Rand     = rand.Rand
	Source   = rand.Source
	Source64 = rand.Source64
	Zipf     = rand.Zipf
)

// runSource is the run's source as a math/rand Source.
type runSource struct{}

func (runSource) Int63() int64    { return int64(labrt.Rand().Uint64() >> 1) }
func (runSource) Uint64() uint64  { return labrt.Rand().Uint64() }
func (runSource) Seed(seed int64) {}

// std is a math/rand Rand over the run's source, made per call so it
// keeps no state between runs.
func std() *rand.Rand { return rand.New(runSource{}) }

func New(src Source) *Rand                             { return rand.New(src) }
func NewSource(seed int64) Source                      { return rand.NewSource(seed) }
func NewZipf(r *Rand, s, v float64, imax uint64) *Zipf { return rand.NewZipf(r, s, v, imax) }
func Seed(seed int64)                                  {}
func Int() int                                         { return std().Int() }
func Intn(n int) int                                   { return std().Intn(n) }
func Int31() int32                                     { return std().Int31() }
func Int31n(n int32) int32                             { return std().Int31n(n) }
func Int63() int64                                     { return std().Int63() }
func Int63n(n int64) int64                             { return std().Int63n(n) }
func Uint32() uint32                                   { return std().Uint32() }
func Uint64() uint64                                   { return std().Uint64() }
func Float32() float32                                 { return std().Float32() }
func Float64() float64                                 { return std().Float64() }
func NormFloat64() float64                             { return std().NormFloat64() }
func ExpFloat64() float64                              { return std().ExpFloat64() }
func Perm(n int) []int                                 { return std().Perm(n) }
func Shuffle(n int, swap func(i, j int))               { std().Shuffle(n, swap) }
func Read(p []byte) (int, error)                       { return std().Read(p) }
