package check

import (
	"fmt"
	"strconv"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kv/rpc"
)

// Counters: each counter incremented under its lock (Recording.Counters,
// Client.Increment) ends at the number of increments made, read from the
// server after the run. An increment cut short may or may not have been
// made, so only a run that finished is checked (readsServer).
type Counters struct{}

func (Counters) Name() string      { return "counter" }
func (Counters) readsServer() bool { return true }

func (c Counters) Check(r *Recording, o *Outcome) {
	if r.Read == nil {
		return
	}
	for _, ctr := range r.Counters {
		reason := safely("the counter check", func() string {
			v, _, err := r.Read(ctr.Key)
			got := 0
			if err == rpc.OK {
				got, _ = strconv.Atoi(v)
			}
			switch {
			case got == ctr.Increments:
				return ""
			case len(r.Counters) > 1:
				return fmt.Sprintf("%s: the counter %q is %d after %d increments under its lock", ctr.label, ctr.Key, got, ctr.Increments)
			}
			return fmt.Sprintf("%s: the counter is %d after %d increments under the lock", ctr.label, got, ctr.Increments)
		})
		if reason != "" {
			o.Add(Finding{Check: c.Name(), Verdict: kvsim.Violation, Reason: reason})
			return
		}
	}
}
