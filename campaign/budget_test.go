package campaign

import (
	"strings"
	"testing"
	"time"
)

// fakeCPU is a processor-time meter the test sets.
type fakeCPU struct {
	used time.Duration
	ok   bool
}

func (f *fakeCPU) Used() (time.Duration, bool) { return f.used, f.ok }

// TestBudget: a run is stuck after the timeout in wall time when its
// processor time cannot be read; with a meter, only once it has spent the
// timeout in processor time, has stopped using the processor, or has
// taken maxSlowdown times the timeout. A run that goes on slowly is not.
func TestBudget(t *testing.T) {
	const timeout = 4 * time.Second
	start := time.Unix(0, 0)
	type at struct {
		wall, used time.Duration
		stuck      string // "" for not stuck, else a word of the reason
	}
	for _, c := range []struct {
		name  string
		meter bool
		looks []at
	}{
		{"no meter: wall time", false, []at{{3 * time.Second, 0, ""}, {4 * time.Second, 0, "wall time"}}},
		{"slow but going", true, []at{{2 * time.Second, 200 * time.Millisecond, ""}, {4 * time.Second, 400 * time.Millisecond, ""}, {8 * time.Second, 900 * time.Millisecond, ""}, {20 * time.Second, 2 * time.Second, ""}}},
		{"spins", true, []at{{3 * time.Second, 3 * time.Second, ""}, {5 * time.Second, 4 * time.Second, "processor time without"}}},
		{"blocked from the start", true, []at{{1 * time.Second, 5 * time.Millisecond, ""}, {4 * time.Second, 10 * time.Millisecond, "under 20ms"}}},
		{"blocked later", true, []at{{1 * time.Second, 500 * time.Millisecond, ""}, {2 * time.Second, 600 * time.Millisecond, ""}, {4 * time.Second, 600 * time.Millisecond, ""}, {5 * time.Second, 605 * time.Millisecond, ""}, {6 * time.Second, 610 * time.Millisecond, "under 20ms"}}},
		{"starved, not stopped", true, []at{{2 * time.Second, 10 * time.Millisecond, ""}, {4 * time.Second, 25 * time.Millisecond, ""}, {8 * time.Second, 50 * time.Millisecond, ""}, {12 * time.Second, 75 * time.Millisecond, ""}}},
		{"too slow", true, []at{{39 * time.Second, time.Second, ""}, {40 * time.Second, 2 * time.Second, "wall time ("}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := &fakeCPU{ok: c.meter}
			b := budget{timeout: timeout, start: start, cpu: m}
			for _, l := range c.looks {
				m.used = l.used
				stuck, why := b.spent(start.Add(l.wall))
				if stuck != (l.stuck != "") || !strings.Contains(why, l.stuck) {
					t.Errorf("at %v, %v used: stuck %v (%q), want stuck %v (%q)", l.wall, l.used, stuck, why, l.stuck != "", l.stuck)
				}
			}
		})
	}
}
