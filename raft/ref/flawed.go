package ref

import (
	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/sim"
)

// Flaws names the deliberate bugs Flawed knows, each a realistic
// mistake: "vote-twice" (grants a second candidate its vote in a term),
// "count-old-terms" (commits an earlier term's entry by counting its
// replicas: the paper's Figure 8), "forget-vote" (never persists its
// vote) and "apply-out-of-order" (sends two committed entries swapped).
var Flaws = []string{"vote-twice", "count-old-terms", "forget-vote", "apply-out-of-order"}

var flawNames = map[string]flaw{"vote-twice": voteTwice, "count-old-terms": countOldTerms, "forget-vote": forgetVote, "apply-out-of-order": applyOutOfOrder}

// Flawed is harness.Make for a reference Raft with the deliberate bug
// named name (one of Flaws), false if there is none of that name: a Raft
// that fails, for what shows failures (the report's tests, a demo). It
// is not the reference: Make is.
func Flawed(name string) (harness.Make, bool) {
	f, ok := flawNames[name]
	if !ok {
		return nil, false
	}
	return func(peers []*harness.End, me int, ps *harness.Persister, applyCh *sim.Chan[harness.ApplyMsg]) harness.Raft {
		return start(peers, me, ps, applyCh, f)
	}, true
}
