package check

// Workload: what the workload itself saw go wrong as it ran
// (Recording.Violations: a scripted step that got another answer than the
// one known exactly, a counter that moved under its lock), reported at the
// first.
type Workload struct{}

func (Workload) Name() string { return "workload" }

func (c Workload) Check(r *Recording, o *Outcome) {
	var first Finding
	for _, v := range r.Violations {
		if first.Count == 0 || v.At.Before(first.At) {
			first = Finding{Check: c.Name(), Verdict: Violation, At: v.At, Reason: v.Reason, Count: first.Count}
		}
		first.Count++
	}
	if first.Count > 0 {
		o.Add(first)
	}
}
