package worker

import (
	"context"
	"sync/atomic"
	"time"
)

// CPU measures the processor time a worker process spends on the calls
// made with it (WithCPU), for a watchdog that judges a run by the work it
// did rather than by the wall time it took: on a loaded machine a run
// that goes on slowly is not a stuck one. Its zero value measures nothing
// until a call starts.
type CPU struct {
	pid  atomic.Int64 // the worker process making the call; 0 before it starts
	base atomic.Int64 // the process's processor time, in ns, as the call started
}

type cpuKey struct{}

// WithCPU returns ctx carrying c: Pool.Call measures its call with c.
func WithCPU(ctx context.Context, c *CPU) context.Context {
	return context.WithValue(ctx, cpuKey{}, c)
}

// start points c at process pid, from its processor time now.
func (c *CPU) start(pid int) {
	used, _ := processCPU(pid)
	c.base.Store(int64(used))
	c.pid.Store(int64(pid))
}

// Used is the processor time the worker has spent since the call started,
// and false when it cannot be read: no call has started, or the system
// does not say (then judge by wall time).
func (c *CPU) Used() (time.Duration, bool) {
	pid := c.pid.Load()
	if pid == 0 {
		return 0, false
	}
	used, ok := processCPU(int(pid))
	return used - time.Duration(c.base.Load()), ok
}
