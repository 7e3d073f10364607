package check

import (
	"fmt"
	"time"

	"github.com/kvsim/kvsim"
)

// Liveness: once faults stop, the run finishes by its deadline (the
// harness's: the simulator's virtual one, a window after the faults stop
// or after the last operation completed since, up to a cap; stress mode's
// grace after its duration). The harness sees whether it did and says what was left
// waiting (Recording.Stall); a run stopped by its own budget before the
// deadline is reported in the harness's words.
type Liveness struct{}

func (Liveness) Name() string { return "liveness" }

func (c Liveness) Check(r *Recording, o *Outcome) {
	s := r.Stall
	if !s.Stuck {
		return
	}
	f := Finding{Check: c.Name(), Verdict: kvsim.Stuck}
	switch {
	case len(s.Waiting) > 0:
		w := s.Waiting[0]
		f.Reason, f.Count = fmt.Sprintf("liveness: %s was still in %s %v after the deadline", w.Client, w.In, s.Window), len(s.Waiting)
	case s.At <= s.Since:
		f.Reason = s.Where
	case s.Progress > 0 && s.Deadline < s.Progress+s.Window:
		f.Reason = fmt.Sprintf("liveness: faults stopped at %v and operations still completed (the last at %v), but the run had not finished by %v: %s", s.Since, ms(s.Progress), ms(s.Deadline), s.Where)
	case s.Progress > 0:
		f.Reason = fmt.Sprintf("liveness: faults stopped at %v; no operation completed in the %v after %v: %s", s.Since, ms(s.Window), ms(s.Progress), s.Where)
	default:
		f.Reason = fmt.Sprintf("liveness: faults stopped at %v but the run had not finished %v later: %s", s.Since, s.Window, s.Where)
	}
	o.Add(f)
}

// ms is d to the millisecond, as a person reads it.
func ms(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
