package check

import (
	"strings"
	"testing"

	"github.com/kvsim/kvsim"
)

// sec is a section of client c from stamp (at, seq) to stamp (to, toSeq);
// toSeq 0 is never released.
func sec(c int, lock string, at int64, seq uint64, to int64, toSeq uint64) section {
	return section{client: c, lock: lock, from: moment{at, seq}, to: moment{to, toSeq}}
}

func TestMutualExclusion(t *testing.T) {
	names := []string{"c0", "c1", "c2", "c3"}
	for _, tc := range []struct {
		name     string
		sections []section
		want     string // the reason's start, "" for none
		count    int
	}{
		{"none", nil, "", 0},
		{"one after another", []section{sec(0, "", 0, 1, 10, 2), sec(1, "", 20, 3, 30, 4), sec(0, "", 40, 5, 50, 6)}, "", 0},
		{"handed over at one instant, released first", []section{sec(0, "", 0, 1, 10, 2), sec(1, "", 10, 3, 20, 4)}, "", 0},
		{"acquired at the instant of the release, before it", []section{sec(0, "", 0, 1, 10, 3), sec(1, "", 10, 2, 20, 4)},
			"lock mutual exclusion: c1 acquired the lock at 10ns while c0 was inside the critical section", 1},
		{"overlapping", []section{sec(0, "", 0, 1, 10, 3), sec(1, "", 5, 2, 15, 4)},
			"lock mutual exclusion: c1 acquired the lock at 5ns while c0 was inside", 1},
		{"never released", []section{sec(2, "", 50, 1, 0, 0), sec(3, "", 60, 2, 70, 3)},
			"lock mutual exclusion: c3 acquired the lock at 60ns while c2 was inside", 1},
		{"inside a long one, after a short one ended", []section{sec(0, "", 0, 1, 100, 6), sec(1, "", 10, 2, 20, 3), sec(2, "", 30, 4, 40, 5)},
			"c1 acquired the lock at 10ns while c0", 2},
		{"overlapping the second holder", []section{sec(0, "", 0, 1, 10, 2), sec(1, "", 20, 3, 30, 5), sec(2, "", 25, 4, 35, 6)},
			"c2 acquired the lock at 25ns while c1", 1},
		{"re-entered by its holder", []section{sec(0, "", 0, 1, 0, 0), sec(0, "", 5, 2, 6, 3)}, "c0 acquired the lock at 5ns while c0", 1},
		{"two locks at once", []section{sec(0, "la", 0, 1, 10, 3), sec(1, "lb", 5, 2, 15, 4)}, "", 0},
		{"a named lock", []section{sec(0, "la", 0, 1, 10, 3), sec(1, "lb", 5, 2, 15, 4), sec(2, "la", 7, 5, 8, 6)},
			`c2 acquired the lock at "la" at 7ns while c0`, 1},
		{"recorded apart, out of order", []section{sec(1, "", 5, 1, 15, 2), sec(0, "", 0, 1, 10, 2)},
			"c1 acquired the lock at 5ns while c0", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &Recording{Clients: names, sections: tc.sections}
			o := run(r, &MutualExclusion{})
			if tc.want == "" {
				none(t, o)
				return
			}
			f := only(t, o, kvsim.Violation, "")
			if !strings.Contains(f.Reason, tc.want) || f.Count != tc.count || f.at.seq == 0 {
				t.Errorf("got %q (count %d, at %v), want %q, count %d, at a moment of the run", f.Reason, f.Count, f.at, tc.want, tc.count)
			}
		})
	}
}
