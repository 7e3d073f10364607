package check

import (
	"testing"

	"github.com/kvsim/kvsim"
)

func TestWorkload(t *testing.T) {
	none(t, run(&Recording{}, Workload{}))
	r := &Recording{}
	c := &clock{}
	c.t = 5
	r.Violate(c, "reliable-put step 3: wrong")
	c.t = 9
	r.Violate(c, "reliable-put step 4: wrong too")
	f := only(t, run(r, Workload{}), kvsim.Violation, "reliable-put step 3: wrong")
	if f.Count != 2 || f.at != (moment{5, 1}) {
		t.Errorf("count %d at %v, want 2 at the first", f.Count, f.at)
	}
	// Recorded apart, merged out of order: the first to happen.
	r.violations[0].at, r.violations[1].at = moment{9, 1}, moment{5, 2}
	only(t, run(r, Workload{}), kvsim.Violation, "step 4")
}
