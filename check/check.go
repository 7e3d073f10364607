package check

import (
	"fmt"
	"runtime/debug"
	"slices"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/models"
)

// A Check judges one invariant of a finished Recording and adds what it
// finds to an Outcome.
type Check interface {
	// Name is the invariant's name, as its findings carry it.
	Name() string
	Check(r *Recording, o *Outcome)
}

// readsServer is a Check that reads the server's state after the run
// (through Recording.Read or Server, or by calling into it): a Registry
// runs it only on a run that finished and that no earlier check failed.
type readsServer interface {
	Check
	readsServer() bool
}

// Finding is a failure a check found.
type Finding struct {
	Check   string        // the check's Name
	Verdict kvsim.Verdict // Violation, Unknown or Stuck
	Reason  string        // in one line (a panic's adds its stack)
	// at is when the run broke the rule, for a failure seen at a moment of
	// the run; zero for one found in the run as a whole.
	at moment
	// Count is how many times the run broke the rule; Reason and at are
	// the first's.
	Count int
}

// Warning is something the implementation did that its contract allows
// but a precise implementation avoids: printed and reported, never a
// failure. Count is how many times the run did it; Text is the first.
type Warning struct {
	Name  string `json:"name"`
	Text  string `json:"text"`
	Count int    `json:"count"`
}

// Outcome is what the checks of a run found.
type Outcome struct {
	// Findings are the failures, in the order the checks found them.
	Findings []Finding
	// KV is the linearizability check's result and KVChecked whether it
	// ran; Lock the lock model's, nil if it did not run.
	KV        models.CheckResult
	KVChecked bool
	Lock      *models.CheckResult
	// Warnings are the Clerk contract's and BusyRetry's warnings.
	Warnings []Warning
}

// Failed reports whether a check failed.
func (o *Outcome) Failed() bool { return len(o.Findings) > 0 }

// Add adds a finding (a count of 0 is 1): what a Check does with each
// failure it finds.
func (o *Outcome) Add(f Finding) {
	if f.Count == 0 {
		f.Count = 1
	}
	o.Findings = append(o.Findings, f)
}

// addModelResult adds what a models checker's result says, if it is not
// a pass: a violation, or (a checker that gave up) Unknown, never a pass.
func (o *Outcome) addModelResult(check, what string, res models.CheckResult, timeout time.Duration) {
	switch res.Verdict {
	case models.Ok:
	case models.Violation:
		o.Add(Finding{Check: check, Verdict: kvsim.Violation, Reason: what + ": " + res.Reason})
	default:
		o.Add(Finding{Check: check, Verdict: kvsim.Unknown, Reason: what + " check timed out after " + timeout.String()})
	}
}

// Reset empties o for another run, keeping its memory.
func (o *Outcome) Reset() {
	clear(o.Findings)
	clear(o.Warnings)
	*o = Outcome{Findings: o.Findings[:0], Warnings: o.Warnings[:0]}
}

// First is the failure a run reports, and whether there is one: a
// violation before an unknown verdict, either before a stuck run; among
// violations, those seen at a moment of the run in the order they
// happened, then the others in the order they were found.
func (o *Outcome) First() (Finding, bool) {
	best := -1
	for i := range o.Findings {
		if best < 0 || precedes(&o.Findings[i], &o.Findings[best]) {
			best = i
		}
	}
	if best < 0 {
		return Finding{}, false
	}
	return o.Findings[best], true
}

// Ranked is every finding, the one First reports first, then the others
// in the same order.
func (o *Outcome) Ranked() []Finding {
	ranked := slices.Clone(o.Findings)
	slices.SortStableFunc(ranked, func(a, b Finding) int {
		switch {
		case precedes(&a, &b):
			return -1
		case precedes(&b, &a):
			return 1
		}
		return 0
	})
	return ranked
}

// precedes reports whether a comes strictly before b (see First).
func precedes(a, b *Finding) bool {
	if ra, rb := rank(a.Verdict), rank(b.Verdict); ra != rb {
		return ra < rb
	}
	switch sa, sb := a.at.seq != 0, b.at.seq != 0; {
	case sa && sb:
		return a.at.before(b.at)
	default:
		return sa && !sb
	}
}

func rank(v kvsim.Verdict) int {
	switch v {
	case kvsim.Violation, kvsim.Panic:
		return 0
	case kvsim.Unknown:
		return 1
	}
	return 2
}

// Registry is the checks a run gets, in order: their order is the
// precedence among failures found in the run as a whole (see First).
type Registry []Check

// Run runs every check of reg on r into o.
func (reg Registry) Run(r *Recording, o *Outcome) {
	for _, c := range reg {
		if rs, ok := c.(readsServer); ok && rs.readsServer() && (o.Failed() || r.Stall.Stuck || r.Interrupted) {
			continue
		}
		c.Check(r, o)
	}
}

// Func is a check of a scenario's own, as a function that reads the
// server's state after the run and returns a failure's reason or "".
type Func struct {
	Label string // what it is, for a panic's reason
	F     func() string
}

func (f Func) Name() string      { return f.Label }
func (f Func) readsServer() bool { return true }

func (f Func) Check(_ *Recording, o *Outcome) {
	if reason := safely(f.Label, f.F); reason != "" {
		o.Add(Finding{Check: f.Label, Verdict: kvsim.Violation, Reason: reason})
	}
}

// safely runs a check that calls into the implementation outside the
// harness's control, reporting its panic as the check's failure.
func safely(what string, check func() string) (reason string) {
	defer func() {
		if r := recover(); r != nil {
			reason = fmt.Sprintf("%s panicked: %v\n%s", what, r, debug.Stack())
		}
	}()
	return check()
}
