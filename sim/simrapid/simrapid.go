// Package simrapid backs a simulation's entropy with rapid's *rapid.T, so
// that rapid generates the schedule and fault decisions of a run and shrinks
// a failing run to a minimal one.
//
// It lives apart from package sim so that sim imports only the standard
// library.
package simrapid

import (
	"github.com/kvsim/kvsim/sim"
	"pgregory.net/rapid"
)

// Entropy returns entropy drawn from t. Every draw is a rapid draw, so rapid
// records, replays and shrinks the whole schedule.
func Entropy(t *rapid.T) sim.Entropy {
	return rapidEntropy{t}
}

type rapidEntropy struct{ t *rapid.T }

func (r rapidEntropy) Uint64N(n uint64) uint64 {
	return rapid.Uint64Range(0, n-1).Draw(r.t, "entropy")
}
