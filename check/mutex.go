package check

import (
	"fmt"
	"slices"
	"time"

	"github.com/kvsim/kvsim"
)

// MutualExclusion: no two clients are inside the critical section of one
// lock at once. A section runs from its Acquire's return to its Release's
// call (an Acquire that never returned holds nothing; a section never
// released lasts to the end), so a lock whose Release returns late, or an
// Acquire that returns as another's Release is called, is fine. Reported
// at the first Acquire that returned while another client was inside.
type MutualExclusion struct {
	sorted []section // scratch, for sections recorded out of order
}

func (*MutualExclusion) Name() string { return "mutual exclusion" }

func (c *MutualExclusion) Check(r *Recording, o *Outcome) {
	secs := r.sections
	if !slices.IsSortedFunc(secs, func(a, b section) int { return compareStamps(a.from, b.from) }) {
		c.sorted = append(c.sorted[:0], secs...)
		slices.SortStableFunc(c.sorted, func(a, b section) int { return compareStamps(a.from, b.from) })
		secs = c.sorted
	}
	// last is, per lock, the section that ends last among those begun.
	type latest struct {
		lock string
		sec  int
	}
	var lastBuf [2]latest
	last := lastBuf[:0]
	var first Finding
	for i, s := range secs {
		j := slices.IndexFunc(last, func(l latest) bool { return l.lock == s.lock })
		if j < 0 {
			last = append(last, latest{s.lock, i})
			continue
		}
		t := secs[last[j].sec]
		if t.to.seq == 0 || s.from.before(t.to) {
			if first.Count == 0 {
				what := "the lock"
				if s.lock != "" {
					what = fmt.Sprintf("the lock at %q", s.lock)
				}
				first = Finding{Check: c.Name(), Verdict: kvsim.Violation, at: s.from,
					Reason: fmt.Sprintf("lock mutual exclusion: %s acquired %s at %v while %s was inside the critical section",
						r.Clients[s.client], what, time.Duration(s.from.at), r.Clients[t.client])}
			}
			first.Count++
		}
		if t.to.seq != 0 && (s.to.seq == 0 || t.to.before(s.to)) {
			last[j].sec = i
		}
	}
	if first.Count > 0 {
		o.Add(first)
	}
}
