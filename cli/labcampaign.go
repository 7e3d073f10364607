package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/worker"
)

// A raft1 or a shardkv1 folder's campaign is made here: its scenarios'
// runs, by seed, in the folder's workers, each result one of the worker's
// responses (R), of which labOutcome is what the campaign reads.

// labOutcome is a run's scenario, seed and verdict.
type labOutcome struct {
	scenario string
	seed     uint64
	failed   bool
}

// labRun makes one run of a folder's scenario at a seed, traced or not;
// interrupted says ctx ended before it did (Ctrl-C, or a search's time
// up).
type labRun[R any] func(ctx context.Context, name string, seed uint64, trace bool) (resp R, interrupted bool)

// labCall makes one run in the folder's workers (pool): req, within
// timeout (campaign.WatchCall: of processor time where it can be read). A run that does not return is a failure, fail's
// response with why; interrupted says that ctx (Ctrl-C, SIGTERM) cut it
// short, which is no failure of the folder's.
func labCall[Req, Resp any](ctx context.Context, pool *worker.Pool, timeout time.Duration, req Req, fail func(why string) Resp) (resp Resp, interrupted bool) {
	watch := campaign.WatchCall(ctx, timeout)
	defer watch.Stop()
	err := pool.Call(watch.Context(), req, &resp)
	switch {
	case err == nil:
		return resp, false
	case ctx.Err() != nil:
		return resp, true
	case watch.Context().Err() != nil:
		return fail(fmt.Sprintf("stuck: the run %s: code that spins without blocking or blocks outside the simulator (--run-timeout sets the limit; the run's shape is the seed's, shown when it returns)", watch.Why())), false
	}
	return fail(err.Error()), false
}

// labCampaign makes seeds runs from start of each scenario of names,
// parallel at a time, until the first failure unless keepGoing, and
// returns them by seed, then in names' order, and whether one failed.
func labCampaign[R any](ctx context.Context, names []string, start, seeds uint64, parallel int, keepGoing bool, run labRun[R], of func(*R) labOutcome) (results []R, failed bool) {
	stopping := make(chan struct{})
	var i uint64
	next := func() (string, uint64, bool) {
		if i >= seeds*uint64(len(names)) {
			return "", 0, false
		}
		name, seed := names[i%uint64(len(names))], start+i/uint64(len(names))
		i++
		return name, seed, true
	}
	labRuns(ctx, stopping, parallel, run, next, func(resp R) {
		results = append(results, resp)
		if of(&resp).failed && !failed {
			failed = true
			if !keepGoing {
				close(stopping)
			}
		}
	})
	slices.SortFunc(results, func(a, b R) int {
		oa, ob := of(&a), of(&b)
		if oa.seed != ob.seed {
			return compareUint(oa.seed, ob.seed)
		}
		return slices.Index(names, oa.scenario) - slices.Index(names, ob.scenario)
	})
	return results, failed
}

// firstFailures are the lowest failing seed's run of each scenario that
// failed, of results sorted by seed.
func firstFailures[R any](results []R, of func(*R) labOutcome) []*R {
	var first []*R
	shown := map[string]bool{}
	for i := range results {
		if o := of(&results[i]); o.failed && !shown[o.scenario] {
			shown[o.scenario] = true
			first = append(first, &results[i])
		}
	}
	return first
}

// labEnd prints a campaign's table and says how it ended: exit 1 when a
// run failed, interrupted when ctx ended first.
func labEnd[R any](ctx context.Context, w io.Writer, names []string, results []R, failed bool, of func(*R) labOutcome) error {
	printLabTable(w, names, results, of)
	if ctx.Err() != nil {
		fmt.Fprintln(w, "interrupted: this summary is partial")
	}
	switch {
	case failed:
		return exitCode(1)
	case ctx.Err() != nil:
		return errInterrupted
	}
	return nil
}

// printLabTable prints a campaign's runs by scenario, in names' order.
func printLabTable[R any](w io.Writer, names []string, results []R, of func(*R) labOutcome) {
	type row struct{ runs, passed, failed int }
	rows := map[string]*row{}
	for _, n := range names {
		rows[n] = &row{}
	}
	passed, failed := 0, 0
	for i := range results {
		o := of(&results[i])
		r := rows[o.scenario]
		r.runs++
		if o.failed {
			r.failed++
			failed++
		} else {
			r.passed++
			passed++
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tRUNS\tPASSED\tFAILED")
	for _, n := range names {
		r := rows[n]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", n, r.runs, r.passed, r.failed)
	}
	tw.Flush()
	fmt.Fprintf(w, "%d passed, %d failed\n", passed, failed)
}

// labRuns makes the runs next names, parallel at a time, until next has
// no more, stop is closed or ctx ends (runs ctx cuts short are dropped),
// and hands each finished run to done. next and done are called one at a
// time.
func labRuns[R any](ctx context.Context, stop <-chan struct{}, parallel int, run labRun[R], next func() (string, uint64, bool), done func(R)) {
	type job struct {
		name string
		seed uint64
	}
	jobs := make(chan job)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range parallel {
		wg.Go(func() {
			for j := range jobs {
				resp, interrupted := run(ctx, j.name, j.seed, false)
				if interrupted {
					continue
				}
				mu.Lock()
				done(resp)
				mu.Unlock()
			}
		})
	}
	defer wg.Wait()
	defer close(jobs)
	for {
		mu.Lock()
		name, seed, ok := next()
		mu.Unlock()
		if !ok {
			return
		}
		select {
		case jobs <- job{name, seed}:
		case <-stop:
			return
		case <-ctx.Done():
			return
		}
	}
}
