package check

import "testing"

func TestWorkload(t *testing.T) {
	none(t, run(&Recording{}, Workload{}))
	r := &Recording{}
	c := &clock{}
	c.t = 5
	r.Violate(c, "reliable-put step 3: wrong")
	c.t = 9
	r.Violate(c, "reliable-put step 4: wrong too")
	f := only(t, run(r, Workload{}), Violation, "reliable-put step 3: wrong")
	if f.Count != 2 || f.At != (Stamp{5, 1}) {
		t.Errorf("count %d at %v, want 2 at the first", f.Count, f.At)
	}
	// Recorded apart, merged out of order: the first to happen.
	r.Violations[0].At, r.Violations[1].At = Stamp{9, 1}, Stamp{5, 2}
	only(t, run(r, Workload{}), Violation, "step 4")
}
