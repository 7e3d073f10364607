package check

import (
	"time"

	"github.com/kvsim/kvsim/models"
)

// LockModel: the lock history is linearizable against a non-reentrant
// lock (models.CheckLock): an Acquire takes effect only while the lock is
// free, a Release only by its holder. A checker that gives up is Unknown,
// never a pass. The result goes to Outcome.Lock.
type LockModel struct {
	// Timeout bounds the check in wall time (models.CheckLock).
	Timeout time.Duration
}

func (LockModel) Name() string { return "lock model" }

func (c LockModel) Check(r *Recording, o *Outcome) {
	if len(r.Locks) == 0 {
		return
	}
	res := models.CheckLock(r.Locks, c.Timeout)
	o.Lock = &res
	o.addModelResult(c.Name(), "lock linearizability", res, c.Timeout)
}
