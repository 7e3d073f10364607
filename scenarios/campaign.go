package scenarios

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
)

// CampaignConfig says which runs a campaign makes. A seed of a campaign runs
// every selected scenario at that seed; passes and failures are counted per
// run, that is per (scenario, seed).
type CampaignConfig struct {
	// Scenarios are run at every seed, in this order; empty means all.
	Scenarios []string
	// Faults is every run's fault profile; "" means each scenario's own.
	Faults string
	// Impl names the implementation under test; "" means the reference.
	Impl string
	// Custom, if set, is run instead of the implementation named by Impl
	// (which then only labels the results).
	Custom *Impl

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
	OnResult func(Result)
}

// DefaultRunTimeout is how long a campaign waits for one run, in wall time,
// before it reports the run stuck. Runs take milliseconds; only a SUT that
// spins outside simulator calls, where virtual time cannot stop it, gets
// near this.
const DefaultRunTimeout = 60 * time.Second

// CampaignSummary is what a campaign did.
type CampaignSummary struct {
	Runs   int `json:"runs"`
	Passed int `json:"passed"`
	Failed int `json:"failed"`
	// Seeds counts the seeds at which every selected scenario ran.
	Seeds     int             `json:"seeds"`
	Verdicts  map[Verdict]int `json:"verdicts"`
	Scenarios []ScenarioCount `json:"scenarios"`
	Elapsed   time.Duration   `json:"elapsed_ns"`
	// Interrupted is set when the context ended the campaign early.
	Interrupted bool `json:"interrupted"`
	// Failures are the failed runs by seed, then in the order of
	// Scenarios. Without KeepGoing, Failures[0] is the lowest failing seed
	// of the shard whatever Parallel is: seeds are started in order and a
	// started seed always finishes, so every lower seed has run.
	Failures []Result `json:"-"`
}

// ScenarioCount is one scenario's share of a campaign.
type ScenarioCount struct {
	Scenario string `json:"scenario"`
	Runs     int    `json:"runs"`
	Passed   int    `json:"passed"`
	Failed   int    `json:"failed"`
}

// SeedsPerSecond is the campaign's throughput in wall time.
func (s CampaignSummary) SeedsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Seeds) / s.Elapsed.Seconds()
}

// ShardSeeds is how many seeds this shard runs when Seeds bounds the
// campaign, and 0 when only Duration does.
func (c CampaignConfig) ShardSeeds() uint64 {
	n := uint64(max(c.Shards, 1))
	i := uint64(max(c.Shard, 0))
	if c.Seeds <= i {
		return 0
	}
	return (c.Seeds-i-1)/n + 1
}

// Validate reports what is wrong with the configuration, as Campaign would,
// without running anything.
func (c CampaignConfig) Validate() error {
	_, err := c.plan()
	return err
}

// campaignRun is one scenario of every seed, resolved once.
type campaignRun struct {
	sc   Scenario
	prof Profile
}

type campaignPlan struct {
	runs    []campaignRun
	impl    Impl
	label   string // the implementation's name in results
	shards  uint64
	timeout time.Duration
}

func (c CampaignConfig) plan() (campaignPlan, error) {
	var p campaignPlan
	switch {
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
	}
	p.shards = uint64(max(c.Shards, 1))
	p.timeout = c.RunTimeout
	if p.timeout == 0 {
		p.timeout = DefaultRunTimeout
	}

	names := c.Scenarios
	if len(names) == 0 {
		for _, s := range Scenarios() {
			names = append(names, s.Name)
		}
	}
	for i, name := range names {
		if slices.Contains(names[:i], name) {
			return p, fmt.Errorf("campaign: scenario %q named twice", name)
		}
		cfg := Config{Scenario: name, Faults: c.Faults, Impl: c.Impl, Custom: c.Custom}
		sc, prof, impl, err := resolve(&cfg)
		if err != nil {
			return p, err
		}
		p.runs = append(p.runs, campaignRun{sc, prof})
		p.impl, p.label = impl, cfg.Impl
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
func Campaign(ctx context.Context, cfg CampaignConfig) (CampaignSummary, error) {
	p, err := cfg.plan()
	if err != nil {
		return CampaignSummary{}, err
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

	sum := CampaignSummary{Verdicts: map[Verdict]int{}}
	for _, r := range p.runs {
		sum.Scenarios = append(sum.Scenarios, ScenarioCount{Scenario: r.sc.Name})
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
	slices.SortStableFunc(sum.Failures, func(a, b Result) int { return cmp.Compare(a.Seed, b.Seed) })
	sum.Elapsed = time.Since(started)
	sum.Interrupted = c.interrupted.Load()
	return sum, nil
}

// campaign is the state its workers share.
type campaign struct {
	cfg      CampaignConfig
	plan     campaignPlan
	deadline time.Time // zero without Duration

	next        atomic.Uint64 // index of the next seed in the shard
	stop        atomic.Bool   // a failure was found and KeepGoing is off
	interrupted atomic.Bool
}

// seedRuns are the results of one seed, in the order of the plan's runs.
type seedRuns struct {
	results  []Result
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
		s := seedRuns{results: make([]Result, 0, len(c.plan.runs)), complete: true}
		failed := false
		for _, r := range c.plan.runs {
			cfg := Config{Scenario: r.sc.Name, Seed: seed, Faults: r.prof.Name, Impl: c.plan.label}
			// The run itself cannot fail: the plan resolved every name.
			res, err := guard(ctx, timer, c.plan.timeout, cfg, func() (Result, error) {
				return run(r.sc, r.prof, c.plan.impl, cfg), nil
			})
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
func guard(ctx context.Context, timer *time.Timer, timeout time.Duration, cfg Config, do func() (Result, error)) (Result, error) {
	type outcome struct {
		r   Result
		err error
	}
	label := func(v Verdict, reason string) Result {
		r := Result{Scenario: cfg.Scenario, Seed: cfg.Seed, Faults: cfg.Faults, Impl: cfg.Impl, Verdict: v, Reason: reason}
		r.setRepro()
		return r
	}
	// Buffered, so that an abandoned run can still finish and be collected.
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				r := label(VerdictPanic, fmt.Sprintf("panic outside the simulator: %v", p))
				r.Stack = string(debug.Stack())
				done <- outcome{r: r}
			}
		}()
		r, err := do()
		done <- outcome{r, err}
	}()
	timer.Reset(timeout)
	defer timer.Stop()
	select {
	case o := <-done:
		return o.r, o.err
	case <-timer.C:
		return label(VerdictStuck, fmt.Sprintf("the run did not return within %v of wall time: the implementation is spinning or blocked outside simulator calls (its goroutine was abandoned)", timeout)), nil
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

// RunGuarded is Run with a campaign's guard: a panic outside the simulator
// is a VerdictPanic result and a run still going after timeout (0 means
// DefaultRunTimeout) a VerdictStuck one. Replay a campaign's failures with
// it: whatever broke the campaign's run breaks the replay the same way.
// It returns ctx's error if ctx ends first.
func RunGuarded(ctx context.Context, cfg Config, timeout time.Duration) (Result, error) {
	// Resolve the defaults here too: the guard's own results name them.
	sc, err := LookupScenario(cfg.Scenario)
	if err != nil {
		return Result{}, err
	}
	if cfg.Faults == "" {
		cfg.Faults = sc.DefaultFaults
	}
	if cfg.Impl == "" {
		cfg.Impl = ReferenceName
	}
	if timeout == 0 {
		timeout = DefaultRunTimeout
	}
	return guard(ctx, time.NewTimer(timeout), timeout, cfg, func() (Result, error) { return Run(cfg) })
}

// A regression corpus is a text file of failures worth replaying forever,
// one per line: "scenario seed faults impl". Lines starting with # are
// comments. TestRegressions replays scenarios/testdata/regressions.txt:
// reference entries are bugs that were fixed and must pass, zoo entries
// must still fail (the checks still catch them).

// Regression is one entry of a regression corpus.
type Regression struct {
	Scenario string
	Seed     uint64
	Faults   string
	Impl     string
}

func (r Regression) String() string {
	return fmt.Sprintf("%s %d %s %s", r.Scenario, r.Seed, r.Faults, r.Impl)
}

// Config is the run the entry replays.
func (r Regression) Config() Config {
	return Config{Scenario: r.Scenario, Seed: r.Seed, Faults: r.Faults, Impl: r.Impl}
}

const regressionHeader = `# kvsim regression corpus: one failure per line, "scenario seed faults impl".
# go test ./scenarios -run TestRegressions replays every entry: entries for
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
		fields := strings.Fields(text)
		if len(fields) != 4 {
			return nil, fmt.Errorf("%s:%d: want \"scenario seed faults impl\", got %q", path, line, text)
		}
		seed, err := strconv.ParseUint(fields[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: bad seed: %v", path, line, err)
		}
		rs = append(rs, Regression{Scenario: fields[0], Seed: seed, Faults: fields[2], Impl: fields[3]})
	}
	return rs, sc.Err()
}

// SaveRegression appends r's run to the corpus at path, with its verdict
// as a comment, unless the corpus has it already. A missing file is created
// with a header that explains the format.
func SaveRegression(path string, r Result) error {
	entry := Regression{Scenario: r.Scenario, Seed: r.Seed, Faults: r.Faults, Impl: r.Impl}
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
