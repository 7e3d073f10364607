package campaign

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/scenarios"
	proto "github.com/kvsim/kvsim/worker"
)

// Config says which runs a campaign makes. A seed of a campaign runs every
// selected scenario at that seed; passes and failures are counted per run,
// that is per (scenario, seed). Its values are resolved: a Catalogue turns
// names into them.
type Config struct {
	// Runs are made at every seed, in this order; their Seed is ignored.
	// Catalogue.Runs builds them from names.
	Runs []scenarios.Config
	// Executor makes the runs; nil means InProcess.
	Executor Executor

	// Seeds is the size of the seed space [Start, Start+Seeds) that the
	// campaign covers, all shards together. Duration bounds the campaign
	// in wall time instead, or as well: no seed is started once it has
	// passed. At least one of them must be set.
	Seeds    uint64
	Duration time.Duration
	Start    uint64
	// Shard and Shards split the seed space between jobs that know nothing
	// of each other: seed s belongs to shard i of n iff (s-Start) % n == i,
	// so shards 0..n-1 of the same campaign cover [Start, Start+Seeds)
	// exactly once between them. Shards 0 means 1: no sharding.
	Shard, Shards int

	// Parallel is how many seeds run at once; 0 means runtime.GOMAXPROCS(0).
	Parallel int
	// KeepGoing runs every seed; otherwise no seed is started after the
	// first failure (seeds already running finish).
	KeepGoing bool
	// RunTimeout bounds one run, in wall time, or in processor time for
	// a run in a worker process whose processor time can be read
	// (budget); 0 means DefaultRunTimeout.
	RunTimeout time.Duration
	// OnResult, if set, sees every run's result as it comes in. It is
	// called from Campaign's own goroutine, never concurrently, and the
	// results of one seed arrive together, in the order of Scenarios.
	OnResult func(scenarios.Result)
}

// DefaultRunTimeout is how long a campaign waits for one run (see
// Config.RunTimeout) before it reports the run stuck. Runs take milliseconds (the slowest
// scenario a second under the race detector on a loaded machine); only a
// SUT that spins or blocks outside simulator calls, where virtual time
// cannot stop it, gets near this. A teacher's loop over a class meets such
// a submission at every seed, so the wait is seconds, not a minute.
const DefaultRunTimeout = 10 * time.Second

// Summary is what a campaign did.
type Summary struct {
	Runs   int `json:"runs"`
	Passed int `json:"passed"`
	Failed int `json:"failed"`
	// Seeds counts the seeds at which every selected scenario ran.
	Seeds     int                   `json:"seeds"`
	Verdicts  map[kvsim.Verdict]int `json:"verdicts"`
	Scenarios []ScenarioCount       `json:"scenarios"`
	Elapsed   time.Duration         `json:"elapsed_ns"`
	// Interrupted is set when the context ended the campaign early.
	Interrupted bool `json:"interrupted"`
	// Failures are the failed runs by seed, then in the order of
	// Scenarios. Without KeepGoing, Failures[0] is the lowest failing seed
	// of the shard whatever Parallel is: seeds are started in order and a
	// started seed always finishes, so every lower seed has run.
	Failures []scenarios.Result `json:"-"`
	// Warnings count, by name, the runs whose implementation did what its
	// contract allows but a precise one avoids; each keeps its lowest
	// seed's example.
	Warnings []WarningCount `json:"warnings,omitempty"`
}

// WarningCount is one warning of a campaign: how many runs gave it, and the
// lowest seed's example with the run that gave it.
type WarningCount struct {
	Name    string            `json:"name"`
	Runs    int               `json:"runs"`
	Example scenarios.Warning `json:"example"`
	Run     kvsim.Spec        `json:"run"`
}

// addWarnings counts r's warnings.
func (s *Summary) addWarnings(r *scenarios.Result) {
	for _, w := range r.Warnings {
		i := slices.IndexFunc(s.Warnings, func(c WarningCount) bool { return c.Name == w.Name })
		if i < 0 {
			s.Warnings = append(s.Warnings, WarningCount{Name: w.Name, Example: w, Run: r.Spec})
			i = len(s.Warnings) - 1
		}
		c := &s.Warnings[i]
		c.Runs++
		if r.Seed < c.Run.Seed {
			c.Example, c.Run = w, r.Spec
		}
	}
}

// ScenarioCount is one scenario's share of a campaign.
type ScenarioCount struct {
	Scenario string `json:"scenario"`
	// Faults is the profile the scenario ran under, resolved: its own
	// default when the campaign named none.
	Faults string `json:"faults"`
	Runs   int    `json:"runs"`
	Passed int    `json:"passed"`
	Failed int    `json:"failed"`
}

// SeedsPerSecond is the campaign's throughput in wall time.
func (s Summary) SeedsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Seeds) / s.Elapsed.Seconds()
}

// ShardSeeds is how many seeds this shard runs when Seeds bounds the
// campaign, and 0 when only Duration does.
func (c Config) ShardSeeds() uint64 {
	n := uint64(max(c.Shards, 1))
	i := uint64(max(c.Shard, 0))
	if c.Seeds <= i {
		return 0
	}
	return (c.Seeds-i-1)/n + 1
}

// Validate reports what is wrong with the configuration, as Campaign would,
// without running anything.
func (c Config) Validate() error {
	_, err := c.plan()
	return err
}

type campaignPlan struct {
	shards  uint64
	timeout time.Duration
}

func (c Config) plan() (campaignPlan, error) {
	var p campaignPlan
	switch {
	case len(c.Runs) == 0:
		return p, errors.New("campaign: no scenario to run")
	case c.Seeds == 0 && c.Duration == 0:
		return p, errors.New("campaign: set the number of seeds or a duration")
	case c.Duration < 0:
		return p, fmt.Errorf("campaign: negative duration %v", c.Duration)
	case c.Parallel < 0:
		return p, fmt.Errorf("campaign: negative parallelism %d", c.Parallel)
	case c.RunTimeout < 0:
		return p, fmt.Errorf("campaign: negative run timeout %v", c.RunTimeout)
	case c.Shards < 0 || c.Shard < 0 || c.Shard >= max(c.Shards, 1):
		return p, fmt.Errorf("campaign: shard %d/%d: want 0 <= shard < shards", c.Shard, c.Shards)
	case c.Start+c.Seeds < c.Start:
		return p, fmt.Errorf("campaign: seeds %d from %d run past the largest seed", c.Seeds, c.Start)
	}
	for i, r := range c.Runs {
		if r.Scenario.Setup == nil {
			return p, fmt.Errorf("campaign: run %d has no scenario", i)
		}
		for _, o := range c.Runs[:i] {
			if o.Scenario.Name == r.Scenario.Name {
				return p, fmt.Errorf("campaign: scenario %q named twice", r.Scenario.Name)
			}
		}
	}
	p.shards = uint64(max(c.Shards, 1))
	p.timeout = c.RunTimeout
	if p.timeout == 0 {
		p.timeout = DefaultRunTimeout
	}
	return p, nil
}

// Run runs every selected scenario at every seed of its shard, spread over
// Parallel workers that take seeds in increasing order. It stops starting
// seeds at the first failure (unless KeepGoing), when the seeds or the
// duration run out, or when ctx ends; it then waits for the runs already
// going (a seed that ctx interrupts keeps the runs it made), except hung
// ones, which the watchdog reports stuck after RunTimeout.
// The summary is valid in every case, partial when Interrupted. The error
// reports a configuration that cannot run.
func Run(ctx context.Context, cfg Config) (Summary, error) {
	p, err := cfg.plan()
	if err != nil {
		return Summary{}, err
	}
	parallel := cfg.Parallel
	if parallel == 0 {
		parallel = runtime.GOMAXPROCS(0)
	}
	started := time.Now()
	c := &campaign{cfg: cfg, plan: p}
	if cfg.Duration > 0 {
		c.deadline = started.Add(cfg.Duration)
	}

	// Room for many seeds per worker: workers rarely wait for the
	// collector, which then takes results in batches instead of costing a
	// switch of goroutines per seed.
	seeds := make(chan seedRuns, 64*parallel)
	c.out = seeds
	for range parallel {
		c.spawn(ctx, nil)
	}
	stopWatch := make(chan struct{})
	go c.watch(ctx, stopWatch)
	go func() {
		c.workers.Wait()
		close(stopWatch)
		close(seeds)
	}()

	sum := Summary{Verdicts: map[kvsim.Verdict]int{}}
	for _, r := range cfg.Runs {
		sum.Scenarios = append(sum.Scenarios, ScenarioCount{Scenario: r.Scenario.Name, Faults: r.Profile.Name})
	}
	for s := range seeds {
		if s.complete {
			sum.Seeds++
		}
		for i := range s.results {
			r := &s.results[i]
			count := &sum.Scenarios[i]
			sum.Runs++
			count.Runs++
			sum.Verdicts[r.Verdict]++
			sum.addWarnings(r)
			if r.Failed() {
				sum.Failed++
				count.Failed++
				sum.Failures = append(sum.Failures, *r)
			} else {
				sum.Passed++
				count.Passed++
			}
			if cfg.OnResult != nil {
				cfg.OnResult(*r)
			}
		}
	}
	// Results of one seed stay in scenario order: the sort is stable.
	slices.SortStableFunc(sum.Failures, func(a, b scenarios.Result) int { return cmp.Compare(a.Seed, b.Seed) })
	slices.SortFunc(sum.Warnings, func(a, b WarningCount) int { return cmp.Compare(a.Name, b.Name) })
	sum.Elapsed = time.Since(started)
	sum.Interrupted = c.interrupted.Load()
	return sum, nil
}

// campaign is the state its workers share.
type campaign struct {
	cfg      Config
	plan     campaignPlan
	deadline time.Time // zero without Duration
	out      chan<- seedRuns

	next        atomic.Uint64 // index of the next seed in the shard
	stop        atomic.Bool   // a failure was found and KeepGoing is off
	interrupted atomic.Bool

	workers sync.WaitGroup
	mu      sync.Mutex
	running []*worker // the workers the watchdog looks after
}

// seedRuns are the results of one seed, in the order of the plan's runs.
type seedRuns struct {
	seed     uint64
	results  []scenarios.Result
	complete bool // false when ctx ended the seed early
}

// worker runs seeds on its own goroutine, one run after another: no
// goroutine per run. The watchdog abandons a worker whose run outlives the
// timeout (the SUT spins or blocks outside the simulator, where virtual
// time cannot stop it): it reports that run stuck and hands the rest of
// the seed to a fresh worker. The abandoned goroutine cannot be stopped; if
// it ever returns, it sees it was abandoned and exits without a word.
type worker struct {
	runner Runner // its runs follow one another
	// gid is its goroutine's id, to find its stacks when it hangs.
	gid string
	// gaveUp ends when the watchdog abandons the worker (see
	// Runner.Run); abandon ends it.
	gaveUp  context.Context
	abandon context.CancelFunc

	mu        sync.Mutex
	seed      seedRuns // the seed in progress
	run       *budget  // of the run in progress; nil between runs
	abandoned bool
}

// spawn starts a worker, resuming an abandoned worker's seed if given.
func (c *campaign) spawn(ctx context.Context, resume *seedRuns) {
	w := &worker{runner: executorOr(c.cfg.Executor).Runner()}
	w.gaveUp, w.abandon = context.WithCancel(context.Background())
	c.mu.Lock()
	c.running = append(c.running, w)
	c.mu.Unlock()
	c.workers.Add(1)
	go c.work(ctx, w, resume)
}

// work runs seeds until there are none left to start.
func (c *campaign) work(ctx context.Context, w *worker, resume *seedRuns) {
	w.mu.Lock()
	w.gid = goroutineID()
	w.mu.Unlock()
	defer c.retire(w)
	if resume != nil && !c.runSeed(ctx, w, *resume) {
		return
	}
	for {
		seed, ok := c.take(ctx)
		if !ok {
			return
		}
		s := seedRuns{seed: seed, results: make([]scenarios.Result, 0, len(c.cfg.Runs)), complete: true}
		if !c.runSeed(ctx, w, s) {
			return
		}
	}
}

// runSeed makes the seed's remaining runs and sends its results; it
// reports false when the worker was abandoned meanwhile.
func (c *campaign) runSeed(ctx context.Context, w *worker, s seedRuns) bool {
	for _, cfg := range c.cfg.Runs[len(s.results):] {
		if ctx.Err() != nil {
			c.interrupted.Store(true)
			s.complete = false
			break
		}
		cfg.Seed = s.seed
		cpu := new(proto.CPU)
		w.mu.Lock()
		w.seed, w.run = s, &budget{timeout: c.plan.timeout, start: time.Now(), cpu: cpu}
		w.mu.Unlock()
		res := w.runner.Run(proto.WithCPU(w.gaveUp, cpu), cfg)
		// A world never enters the Go scheduler, so a collection that
		// started during a run would otherwise wait for the next
		// preemption to finish marking, with write barriers on; between
		// runs is a cheap place to let it (and the collector) in.
		runtime.Gosched()
		w.mu.Lock()
		abandoned := w.abandoned
		w.run = nil
		w.mu.Unlock()
		if abandoned {
			return false
		}
		s.results = append(s.results, res)
	}
	if !c.cfg.KeepGoing && slices.ContainsFunc(s.results, scenarios.Result.Failed) {
		c.stop.Store(true)
	}
	c.out <- s
	return true
}

// retire ends a worker's share of the campaign, unless the watchdog did.
func (c *campaign) retire(w *worker) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.abandoned {
		c.forget(w)
	}
}

// forget takes w off the watchdog's list and the campaign's count.
func (c *campaign) forget(w *worker) {
	c.mu.Lock()
	c.running = slices.DeleteFunc(c.running, func(o *worker) bool { return o == w })
	c.mu.Unlock()
	c.workers.Done()
}

// watch abandons every worker whose run has outlived the timeout
// (budget), until stop closes. It wakes a few times per timeout, so a run
// hung in-process is reported within about 1.25 times the timeout.
func (c *campaign) watch(ctx context.Context, stop <-chan struct{}) {
	tick := time.NewTicker(max(c.plan.timeout/4, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-tick.C:
			c.mu.Lock()
			running := slices.Clone(c.running)
			c.mu.Unlock()
			for _, w := range running {
				c.abandonIfHung(ctx, w, now)
			}
		}
	}
}

func (c *campaign) abandonIfHung(ctx context.Context, w *worker, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.abandoned || w.run == nil {
		return
	}
	stuck, why := w.run.spent(now)
	if !stuck {
		return
	}
	w.abandoned = true
	stacks := stacksOf(w.gid)
	w.abandon()
	s := w.seed
	s.results = append(slices.Clone(s.results), stuckRun(c.cfg.Runs[len(s.results)], s.seed, why, stacks))
	// The fresh worker is counted before the abandoned one is forgotten,
	// so the campaign cannot look finished in between.
	c.spawn(ctx, &s)
	c.forget(w)
}

// stuckRun is the result of a run the watchdog abandoned; why follows
// "the run" (budget.spent).
func stuckRun(cfg scenarios.Config, seed uint64, why string, stacks string) scenarios.Result {
	cfg.Seed = seed
	reason := fmt.Sprintf("the run %s: the implementation is spinning or blocked outside simulator calls (its goroutine was abandoned); below are its goroutines' stacks, which for a run made in another process (kvsim lab) show only the wait for it: the repro line replays the run here, with the stack of the code that hangs", why)
	return scenarios.FailedRun(cfg, kvsim.Stuck, reason, stacks)
}

// goroutineID is the calling goroutine's id, as its stack names it.
func goroutineID() string {
	var buf [64]byte
	id, _, _ := strings.Cut(strings.TrimPrefix(string(buf[:runtime.Stack(buf[:], false)]), "goroutine "), " ")
	return id
}

// stacksOf returns the stacks of the goroutines that run a hung run: the
// goroutine gid and the simulated processes it started, leaving out those
// parked between two steps of the run (they show where the run was, not
// where it hangs).
func stacksOf(gid string) string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var keep []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		ours := strings.HasPrefix(header, "goroutine "+gid+" [") || strings.Contains(g, "in goroutine "+gid+"\n")
		if ours && !strings.HasSuffix(header, "[coroutine]:") {
			keep = append(keep, g)
		}
	}
	return strings.Join(keep, "\n\n")
}

// take returns the next seed of the shard, or false when no more may start.
func (c *campaign) take(ctx context.Context) (uint64, bool) {
	if c.stop.Load() {
		return 0, false
	}
	k := c.next.Add(1) - 1
	offset := uint64(c.cfg.Shard) + k*c.plan.shards
	if c.cfg.Seeds > 0 && offset >= c.cfg.Seeds {
		return 0, false
	}
	if !c.deadline.IsZero() && !time.Now().Before(c.deadline) {
		return 0, false
	}
	if ctx.Err() != nil {
		c.interrupted.Store(true)
		return 0, false
	}
	return c.cfg.Start + offset, true
}
