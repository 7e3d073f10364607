package campaign

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kvsim/kvsim/scenarios"
)

// Config says which runs a campaign makes. A seed of a campaign runs every
// selected scenario at that seed; passes and failures are counted per run,
// that is per (scenario, seed). Its values are resolved: a Catalogue turns
// names into them.
type Config struct {
	// Runs are made at every seed, in this order; their Seed is ignored.
	// Catalogue.Runs builds them from names.
	Runs []scenarios.Config

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
	// RunTimeout bounds one run in wall time; 0 means DefaultRunTimeout.
	RunTimeout time.Duration
	// OnResult, if set, sees every run's result as it comes in. It is
	// called from Campaign's own goroutine, never concurrently, and the
	// results of one seed arrive together, in the order of Scenarios.
	OnResult func(scenarios.Result)
}

// DefaultRunTimeout is how long a campaign waits for one run, in wall time,
// before it reports the run stuck. Runs take milliseconds; only a SUT that
// spins outside simulator calls, where virtual time cannot stop it, gets
// near this.
const DefaultRunTimeout = 60 * time.Second

// Summary is what a campaign did.
type Summary struct {
	Runs   int `json:"runs"`
	Passed int `json:"passed"`
	Failed int `json:"failed"`
	// Seeds counts the seeds at which every selected scenario ran.
	Seeds     int                       `json:"seeds"`
	Verdicts  map[scenarios.Verdict]int `json:"verdicts"`
	Scenarios []ScenarioCount           `json:"scenarios"`
	Elapsed   time.Duration             `json:"elapsed_ns"`
	// Interrupted is set when the context ended the campaign early.
	Interrupted bool `json:"interrupted"`
	// Failures are the failed runs by seed, then in the order of
	// Scenarios. Without KeepGoing, Failures[0] is the lowest failing seed
	// of the shard whatever Parallel is: seeds are started in order and a
	// started seed always finishes, so every lower seed has run.
	Failures []scenarios.Result `json:"-"`
}

// ScenarioCount is one scenario's share of a campaign.
type ScenarioCount struct {
	Scenario string `json:"scenario"`
	Runs     int    `json:"runs"`
	Passed   int    `json:"passed"`
	Failed   int    `json:"failed"`
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

// Campaign runs every selected scenario at every seed of its shard, spread
// over Parallel goroutines that take seeds in increasing order. It stops
// starting seeds at the first failure (unless KeepGoing), when the seeds or
// the duration run out, or when ctx ends; it then waits for the seeds
// already running, except that runs still going when ctx ends are dropped.
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

	seeds := make(chan seedRuns, parallel)
	var wg sync.WaitGroup
	for range parallel {
		wg.Go(func() { c.work(ctx, seeds) })
	}
	go func() {
		wg.Wait()
		close(seeds)
	}()

	sum := Summary{Verdicts: map[scenarios.Verdict]int{}}
	for _, r := range cfg.Runs {
		sum.Scenarios = append(sum.Scenarios, ScenarioCount{Scenario: r.Scenario.Name})
	}
	for s := range seeds {
		if s.complete {
			sum.Seeds++
		}
		for i, r := range s.results {
			count := &sum.Scenarios[i]
			sum.Runs++
			count.Runs++
			sum.Verdicts[r.Verdict]++
			if r.Failed() {
				sum.Failed++
				count.Failed++
				sum.Failures = append(sum.Failures, r)
			} else {
				sum.Passed++
				count.Passed++
			}
			if cfg.OnResult != nil {
				cfg.OnResult(r)
			}
		}
	}
	// Results of one seed stay in scenario order: the sort is stable.
	slices.SortStableFunc(sum.Failures, func(a, b scenarios.Result) int { return cmp.Compare(a.Seed, b.Seed) })
	sum.Elapsed = time.Since(started)
	sum.Interrupted = c.interrupted.Load()
	return sum, nil
}

// campaign is the state its workers share.
type campaign struct {
	cfg      Config
	plan     campaignPlan
	deadline time.Time // zero without Duration

	next        atomic.Uint64 // index of the next seed in the shard
	stop        atomic.Bool   // a failure was found and KeepGoing is off
	interrupted atomic.Bool
}

// seedRuns are the results of one seed, in the order of the plan's runs.
type seedRuns struct {
	results  []scenarios.Result
	complete bool // false when ctx ended the seed early
}

// work runs seeds until there are none left to start.
func (c *campaign) work(ctx context.Context, out chan<- seedRuns) {
	// One timer per worker, reused: Go's timers need no draining since 1.23.
	timer := time.NewTimer(c.plan.timeout)
	timer.Stop()
	for {
		seed, ok := c.take(ctx)
		if !ok {
			return
		}
		s := seedRuns{results: make([]scenarios.Result, 0, len(c.cfg.Runs)), complete: true}
		failed := false
		for _, cfg := range c.cfg.Runs {
			cfg.Seed = seed
			res, err := guard(ctx, timer, c.plan.timeout, cfg)
			if err != nil {
				c.interrupted.Store(true)
				s.complete = false
				break
			}
			failed = failed || res.Failed()
			s.results = append(s.results, res)
		}
		if failed && !c.cfg.KeepGoing {
			c.stop.Store(true)
		}
		out <- s
	}
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

// guard makes one run on a goroutine of its own, so that nothing the SUT
// does can take the campaign down: a panic that escapes the simulator (in
// a constructor or a final check) becomes a VerdictPanic result, and a run
// still going after timeout becomes a VerdictStuck result. A stuck run's
// goroutine cannot be stopped from outside: it is abandoned, still spinning
// or blocked, and the campaign goes on without it. When ctx ends first,
// guard drops the run the same way and returns ctx's error. cfg labels the
// results guard makes itself.
func guard(ctx context.Context, timer *time.Timer, timeout time.Duration, cfg scenarios.Config) (scenarios.Result, error) {
	// Buffered, so that an abandoned run can still finish and be collected.
	done := make(chan scenarios.Result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- scenarios.FailedRun(cfg, scenarios.VerdictPanic, fmt.Sprintf("panic outside the simulator: %v", p), string(debug.Stack()))
			}
		}()
		done <- scenarios.Run(cfg)
	}()
	timer.Reset(timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r, nil
	case <-timer.C:
		return scenarios.FailedRun(cfg, scenarios.VerdictStuck, fmt.Sprintf("the run did not return within %v of wall time: the implementation is spinning or blocked outside simulator calls (its goroutine was abandoned)", timeout), ""), nil
	case <-ctx.Done():
		return scenarios.Result{}, ctx.Err()
	}
}

// RunGuarded is scenarios.Run with a campaign's guard: a panic outside the
// simulator is a VerdictPanic result and a run still going after timeout
// (0 means DefaultRunTimeout) a VerdictStuck one. Replay a campaign's
// failures with it: whatever broke the campaign's run breaks the replay the
// same way. It returns ctx's error if ctx ends first.
func RunGuarded(ctx context.Context, cfg scenarios.Config, timeout time.Duration) (scenarios.Result, error) {
	if timeout == 0 {
		timeout = DefaultRunTimeout
	}
	return guard(ctx, time.NewTimer(timeout), timeout, cfg)
}

// A regression corpus is a text file of failures worth replaying forever,
// one per line: "scenario seed faults impl". Lines starting with # are
// comments. TestRegressions replays campaign/testdata/regressions.txt:
// reference entries are bugs that were fixed and must pass, zoo entries
// must still fail (the checks still catch them).

// Regression is one entry of a regression corpus: the identity of the run
// it replays.
type Regression struct{ scenarios.Spec }

// String is the entry's line: "scenario seed faults impl", then
// "strategy=S" where set.
func (r Regression) String() string {
	s := fmt.Sprintf("%s %d %s %s", r.Scenario, r.Seed, r.Faults, r.Impl)
	if r.Strategy != "" {
		s += " strategy=" + r.Strategy
	}
	return s
}

const regressionHeader = `# kvsim regression corpus: one failure per line, "scenario seed faults impl".
# go test ./campaign -run TestRegressions replays every entry: entries for
# the reference record fixed bugs and must pass; entries for zoo/... must
# still fail. Add entries with 'kvsim campaign --save-failures FILE'.
`

// ReadRegressions parses a regression corpus.
func ReadRegressions(path string) ([]Regression, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rs []Regression
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		r, err := parseRegression(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		rs = append(rs, r)
	}
	return rs, sc.Err()
}

func parseRegression(text string) (Regression, error) {
	fields := strings.Fields(text)
	if len(fields) < 4 {
		return Regression{}, fmt.Errorf("want \"scenario seed faults impl [strategy=S]\", got %q", text)
	}
	seed, err := strconv.ParseUint(fields[1], 10, 64)
	if err != nil {
		return Regression{}, fmt.Errorf("bad seed: %v", err)
	}
	r := Regression{scenarios.Spec{Scenario: fields[0], Seed: seed, Faults: fields[2], Impl: fields[3]}}
	for _, f := range fields[4:] {
		name, value, _ := strings.Cut(f, "=")
		if name != "strategy" || value == "" {
			return Regression{}, fmt.Errorf("unknown field %q (want strategy=S)", f)
		}
		r.Strategy = value
	}
	return r, nil
}

// SaveRegression appends r's run to the corpus at path, with its verdict
// as a comment, unless the corpus has it already. A missing file is created
// with a header that explains the format.
func SaveRegression(path string, r scenarios.Result) error {
	entry := Regression{r.Spec}
	have, err := ReadRegressions(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.WriteFile(path, []byte(regressionHeader), 0o644); err != nil {
			return err
		}
	case err != nil:
		return err
	case slices.Contains(have, entry):
		return nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	reason, _, _ := strings.Cut(r.Reason, "\n")
	if len(reason) > 120 {
		reason = strings.ToValidUTF8(reason[:117], "") + "..."
	}
	_, err = fmt.Fprintf(f, "# %s: %s\n%s\n", r.Verdict, reason, entry)
	return errors.Join(err, f.Close())
}
