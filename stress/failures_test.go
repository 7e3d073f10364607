package stress

import (
	"slices"
	"testing"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/check"
)

// TestUnknownFailsTheRound: a round whose checker gave up (Unknown) has
// not been shown correct: it fails, as a violation does, the violation's
// line first.
func TestUnknownFailsTheRound(t *testing.T) {
	var out check.Outcome
	out.Add(check.Finding{Check: "linearizability", Verdict: kvsim.Unknown, Reason: "linearizability check timed out after 1s"})
	out.Add(check.Finding{Check: "counter", Verdict: kvsim.Violation, Reason: "counter: 3 after 4 increments", Count: 2})
	got := failures(&out)
	want := []string{"counter: 3 after 4 increments (2 times in all)", "linearizability check timed out after 1s"}
	if !slices.Equal(got, want) {
		t.Errorf("failures %q, want %q", got, want)
	}
}
