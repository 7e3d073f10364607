package check

import (
	"time"

	"github.com/kvsim/kvsim/models"
)

// Linearizability: the key/value history is linearizable against the
// service's exact semantics (models.CheckKV). A Put that returned ErrMaybe,
// or never returned, may or may not have taken effect; so may one whose
// result means ErrMaybe under the network's delivery guarantee
// (Recording.PutMeans), although the history keeps what the Clerk
// returned. A checker that gives up is Unknown, never a pass. The result
// goes to Outcome.KV, for the core, pictures and reports.
type Linearizability struct {
	// Timeout bounds the check in wall time (models.CheckKV).
	Timeout time.Duration

	checker models.KVChecker // memory kept from one history to the next
	view    []models.KVOp    // the history as checked, when it differs
	// decide, if set, replaces the checker (tests).
	decide func(ops []models.KVOp, timeout time.Duration) models.CheckResult
}

func (*Linearizability) Name() string { return "linearizability" }

func (c *Linearizability) Check(r *Recording, o *Outcome) {
	ops := c.checked(r)
	var res models.CheckResult
	if c.decide != nil {
		res = c.decide(ops, c.Timeout)
	} else {
		res = c.checker.Check(ops, c.Timeout)
	}
	o.KV, o.KVChecked = res, true
	o.addModelResult(c.Name(), "linearizability", res, c.Timeout)
}

// checked is the history as the check reads it: as recorded, but for Puts
// whose result means something else under the delivery guarantee.
func (c *Linearizability) checked(r *Recording) []models.KVOp {
	if r.PutMeans == nil {
		return r.KV
	}
	c.view = append(c.view[:0], r.KV...)
	for i := range c.view {
		if op := &c.view[i]; op.Input.Op == models.OpPut && !op.Output.Unknown {
			op.Output.Err = r.PutMeans(op.Output.Err)
		}
	}
	return c.view
}
