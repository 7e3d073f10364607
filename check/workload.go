package check

import "github.com/kvsim/kvsim"

// Workload: what the workload itself saw go wrong as it ran
// (Recording.violations: a scripted step that got another answer than the
// one known exactly, a counter that moved under its lock), reported at the
// first.
type Workload struct{}

func (Workload) Name() string { return "workload" }

func (c Workload) Check(r *Recording, o *Outcome) {
	var first Finding
	for _, v := range r.violations {
		if first.Count == 0 || v.at.before(first.at) {
			first = Finding{Check: c.Name(), Verdict: kvsim.Violation, at: v.at, Reason: v.reason, Count: first.Count}
		}
		first.Count++
	}
	if first.Count > 0 {
		o.Add(first)
	}
}
