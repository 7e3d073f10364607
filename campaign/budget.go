package campaign

import (
	"context"
	"fmt"
	"time"

	proto "github.com/kvsim/kvsim/worker"
)

// cpuMeter is the processor time a run has spent, when it can be read
// (worker.CPU, for a run in a worker process).
type cpuMeter interface {
	Used() (time.Duration, bool)
}

// maxSlowdown bounds, as a multiple of the run timeout, the wall time a
// run judged by its processor time may take while it still makes
// progress.
const maxSlowdown = 10

// idleUnder is the processor time under which a worker process that spent
// a whole run timeout of wall time on its run is taken to have stopped
// (two of /proc's ticks: an idle Go process spends well under it, a
// starved one on a loaded machine more).
const idleUnder = 20 * time.Millisecond

// budget judges whether a run has outlived the run timeout. Without a
// processor-time meter that is the timeout in wall time. With one (a run
// in a worker process), a run is stuck once it has spent the timeout in
// processor time (it spins), or when it spent almost none over the last
// timeout of wall time (it is blocked outside the simulator): a run that
// goes on slowly on a loaded machine, as a shared CI runner is, is not
// taken for a stuck one, up to maxSlowdown times the timeout.
type budget struct {
	timeout time.Duration
	start   time.Time
	cpu     cpuMeter
	looks   []look // since the last one a timeout or more before the latest
}

// look is the processor time a run had spent at a moment.
type look struct {
	at   time.Time
	used time.Duration
}

// spent reports whether the run is stuck at now and, if so, why, in words
// that follow "the run". Call it every timeout/4 or so.
func (b *budget) spent(now time.Time) (bool, string) {
	wall := now.Sub(b.start)
	var used time.Duration
	ok := false
	if b.cpu != nil {
		used, ok = b.cpu.Used()
	}
	if len(b.looks) == 0 {
		b.looks = append(b.looks, look{b.start, 0})
	}
	b.looks = append(b.looks, look{now, used})
	// The window is the last timeout of wall time: from the latest look
	// at least a timeout old.
	from := 0
	for i, l := range b.looks {
		if now.Sub(l.at) >= b.timeout {
			from = i
		}
	}
	b.looks = b.looks[from:]
	switch {
	case wall < b.timeout:
		return false, ""
	case !ok:
		return true, fmt.Sprintf("did not return within %v of wall time", b.timeout)
	case used >= b.timeout:
		return true, fmt.Sprintf("spent %v of processor time without returning", b.timeout)
	case wall >= maxSlowdown*b.timeout:
		return true, fmt.Sprintf("did not return within %v of wall time (%v of processor time)", wall.Round(time.Millisecond), used.Round(time.Millisecond))
	case used-b.looks[0].used < idleUnder:
		return true, fmt.Sprintf("did not return within %v of wall time and spent under %v of processor time in the last %v of it (%v in all)", wall.Round(time.Millisecond), idleUnder, now.Sub(b.looks[0].at).Round(time.Millisecond), used.Round(time.Millisecond))
	}
	return false, ""
}

// Watch watches one call to a worker process (worker.Pool.Call) against
// the run timeout, as a campaign's watchdog watches its runs (budget).
type Watch struct {
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	why    chan string
}

// WatchCall starts watching a call made with the returned Watch's
// Context, which carries the call's processor-time meter and ends when
// the run is stuck (or ctx ends). Stop ends the watch.
func WatchCall(ctx context.Context, timeout time.Duration) *Watch {
	cpu := new(proto.CPU)
	w := &Watch{done: make(chan struct{}), why: make(chan string, 1)}
	w.ctx, w.cancel = context.WithCancel(proto.WithCPU(ctx, cpu))
	b := budget{timeout: timeout, start: time.Now(), cpu: cpu}
	go func() {
		tick := time.NewTicker(max(timeout/4, time.Millisecond))
		defer tick.Stop()
		for {
			select {
			case <-w.done:
				return
			case now := <-tick.C:
				if stuck, why := b.spent(now); stuck {
					w.why <- why
					w.cancel()
					return
				}
			}
		}
	}()
	return w
}

// Context is the context to make the call with.
func (w *Watch) Context() context.Context { return w.ctx }

// Why says why the run was given up, in words that follow "the run":
// call it only once Context has ended while its parent had not.
func (w *Watch) Why() string { return <-w.why }

// Stop ends the watch; call it once the call has returned.
func (w *Watch) Stop() {
	close(w.done)
	w.cancel()
}
