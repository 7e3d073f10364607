package check

import (
	"fmt"
	"slices"
	"time"
)

// MutualExclusion: no two clients are inside the critical section of one
// lock at once. A section runs from its Acquire's return to its Release's
// call (an Acquire that never returned holds nothing; a section never
// released lasts to the end), so a lock whose Release returns late, or an
// Acquire that returns as another's Release is called, is fine. Reported
// at the first Acquire that returned while another client was inside.
type MutualExclusion struct {
	sorted []Section // scratch, for sections recorded out of order
}

func (*MutualExclusion) Name() string { return "mutual exclusion" }

func (c *MutualExclusion) Check(r *Recording, o *Outcome) {
	secs := r.Sections
	if !slices.IsSortedFunc(secs, func(a, b Section) int { return compareStamps(a.From, b.From) }) {
		c.sorted = append(c.sorted[:0], secs...)
		slices.SortStableFunc(c.sorted, func(a, b Section) int { return compareStamps(a.From, b.From) })
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
		j := slices.IndexFunc(last, func(l latest) bool { return l.lock == s.Lock })
		if j < 0 {
			last = append(last, latest{s.Lock, i})
			continue
		}
		t := secs[last[j].sec]
		if t.To.Seq == 0 || s.From.Before(t.To) {
			if first.Count == 0 {
				what := "the lock"
				if s.Lock != "" {
					what = fmt.Sprintf("the lock at %q", s.Lock)
				}
				first = Finding{Check: c.Name(), Verdict: Violation, At: s.From,
					Reason: fmt.Sprintf("lock mutual exclusion: %s acquired %s at %v while %s was inside the critical section",
						r.Clients[s.Client], what, time.Duration(s.From.At), r.Clients[t.Client])}
			}
			first.Count++
		}
		if t.To.Seq != 0 && (s.To.Seq == 0 || t.To.Before(s.To)) {
			last[j].sec = i
		}
	}
	if first.Count > 0 {
		o.Add(first)
	}
}
