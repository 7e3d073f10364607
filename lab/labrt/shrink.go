package labrt

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/cli"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/sim"
	"github.com/kvsim/kvsim/sim/explore"
)

// shrink is the generated program's "shrink" command: it looks for the
// smallest failing run of a scenario and profile against the student's
// code, outside go test, and reports it as kvsim run reports a failure:
// the same lines, the same artifacts (--artifacts, --report, --viz), and
// a repro line that replays exactly that run from its choices (--seed N
// --strategy replay:CHOICES). Without --scenario, it shrinks in the
// scenario and profile of the smallest failure of a lab campaign. Exit 1
// when it found a failure, 0 when not, 2 on bad usage.
//
// Four searches share the budget, each from a different side, and the
// smallest run wins: a campaign's smallest failure; rapid, which finds a
// failure and shrinks it (campaign.Shrink); kvsim explore, which
// enumerates the simplest workloads with the fewest faults
// (campaign.Explore), so that its first failure is small by construction;
// and minimize, which then drops and lowers the winner's choices for as
// long as that removes operations.
func shrink(cat campaign.Catalogue, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kvsim lab --shrink", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scenario := fs.String("scenario", "", "scenario to shrink a failure of, or a comma-separated list, or all (default: all)")
	faults := fs.String("faults", "", "fault profile (default: each scenario's own)")
	impl := fs.String("impl", "", "implementation")
	budget := fs.Duration("shrink-time", defaultShrinkTime, "wall time the search for a minimal run may take")
	var forward []string // kvsim run's flags, for the minimal run
	for _, name := range []string{"artifacts", "report", "viz"} {
		fs.Func(name, "kvsim run's --"+name+", for the minimal run", func(v string) error {
			forward = append(forward, "--"+name, v)
			return nil
		})
	}
	asJSON := false
	for _, name := range []string{"json", "trace"} {
		fs.BoolFunc(name, "kvsim run's --"+name+", for the minimal run", func(v string) error {
			forward = append(forward, "--"+name+"="+v)
			asJSON = asJSON || name == "json" && v == "true"
			return nil
		})
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	usage := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "kvsim lab: "+format+"\n", args...)
		return 2
	}
	switch {
	case fs.NArg() > 0:
		return usage("--shrink takes flags only, not %q", fs.Args())
	case *budget <= 0:
		return usage("--shrink-time must be positive")
	}
	im, err := cat.Impl(*impl)
	if err != nil {
		return usage("%v", err)
	}
	start := time.Now()

	// A campaign first: its smallest failure is the first candidate and,
	// if more than one scenario is named, says which one to shrink in.
	var names []string
	if *scenario != "" && *scenario != "all" {
		names = strings.Split(*scenario, ",")
	}
	sampled, err := smallestFailure(cat, im, names, *faults, *budget/4)
	if err != nil {
		return usage("%v", err)
	}
	small := sampled.smallest
	if len(names) != 1 {
		if !small.Failed() {
			fmt.Fprintf(stdout, "no failure in %d seeds of %s, so nothing to shrink: --scenario S has rapid and kvsim explore look for one in S\n", sampled.seeds, cmp.Or(*scenario, "every scenario"))
			return 0
		}
		names = []string{small.Scenario}
		fmt.Fprintf(stderr, "kvsim lab: shrinking in %s under %s: its failure was the smallest of a %d-seed campaign of %s (seed %d, %s)\n",
			small.Scenario, small.Faults, sampled.seeds, cmp.Or(*scenario, "every scenario"), small.Seed, opsString(small.Ops))
	}
	cfg, err := cat.Resolve(kvsim.Spec{Scenario: names[0], Faults: *faults, Impl: im.Name})
	if err != nil {
		return usage("%v", err)
	}
	what := cfg.Scenario.Name + " under " + cfg.Profile.Name
	fmt.Fprintf(stderr, "kvsim lab: looking for the smallest failing run of %s (up to %v)...\n", what, *budget)
	s := &search{cfg: cfg, deadline: start.Add(*budget), perRun: sampled.perRun}
	if small.Failed() {
		s.seed(small)
	}
	// A run of one operation is as small as a failing history gets.
	if s.best.r.Verdict == "" || s.best.r.Ops > 1 {
		left := time.Until(s.deadline)
		if msg := s.rapid(min(*budget/4, left/4), max(min(*budget/2, left/2), time.Millisecond)); msg != "" {
			return usage("%s", msg)
		}
		s.explore(min(*budget/4, time.Until(s.deadline)))
	}
	if s.best.r.Verdict == "" {
		fmt.Fprintf(stdout, "no failing run of %s found in %.1fs: %d seeds, %d runs of rapid's and %d of kvsim explore\n",
			what, time.Since(start).Seconds(), sampled.seeds, s.rapidRuns, s.exploreRuns)
		return 0
	}
	s.minimize()

	// The minimal run, replayed from its choices as its repro line will.
	spec := s.best.r.Spec
	spec.Strategy = replayPrefix + explore.FormatChoices(s.best.choices)
	replayed, err := cat.Run(spec)
	switch {
	case err != nil:
		return usage("replaying the minimal run: %v", err)
	case !replayed.Failed() || replayed.TraceHash != s.best.r.TraceHash:
		fmt.Fprintf(stdout, "minimal failing run: %s\nbut its choices do not replay it (trace hash %s, %s the first time): the folder's code is not deterministic\n",
			s.best.r.Summary(), replayed.TraceHash, s.best.r.TraceHash)
		return 1
	}
	head := stdout
	if asJSON {
		head = stderr // stdout is the result's JSON
	}
	fmt.Fprintf(head, "minimal failing run: %s (the first failing run found had %d), found by %s in %.1fs:\n",
		opsString(s.best.r.Ops), s.firstOps, s.best.by, time.Since(start).Seconds())
	run := []string{"run", "--impl", im.Name}
	for _, f := range spec.Flags() {
		if f[0] != "impl" {
			run = append(run, "--"+f[0], f[1])
		}
	}
	return cli.Options{Impls: []kvsim.Impl{im}, Repro: quotedChoices(cat.Repro), Isolate: cat.Isolate}.Main(append(run, forward...), stdout, stderr)
}

// quotedChoices is repro, whose line quotes a run's strategy: the choices
// of a replay ("0*13") are a glob to a shell, which zsh refuses when
// nothing matches.
func quotedChoices(repro func(kvsim.Spec) kvsim.Repro) func(kvsim.Spec) kvsim.Repro {
	if repro == nil {
		repro = campaign.CLIRepro
	}
	return func(s kvsim.Spec) kvsim.Repro {
		r := repro(s)
		if s.Strategy != "" {
			r.Run = strings.Replace(r.Run, " --strategy "+s.Strategy, " --strategy "+shellQuote(s.Strategy), 1)
		}
		return r
	}
}

func opsString(n int) string {
	if n == 1 {
		return "1 op"
	}
	return fmt.Sprintf("%d ops", n)
}

// defaultShrinkTime is how long kvsim lab --shrink searches by default:
// on the course-style bugs of lab/testdata, enough to get each down to a
// few operations.
const defaultShrinkTime = 10 * time.Second

// replayPrefix starts a strategy that replays recorded choices.
const replayPrefix = "replay:"

// pickSeeds is the most seeds of the campaign a shrink starts with: those
// of a lab campaign.
const pickSeeds = 200

// sample is what a shrink's first campaign found.
type sample struct {
	smallest scenarios.Result // its failure with the fewest operations, the lowest seed of those
	seeds    int              // the seeds it ran
	perRun   time.Duration    // what a run took, on average
}

// smallestFailure runs a campaign of the named scenarios (every one when
// none is named) under faults (each scenario's own when ""), of pickSeeds
// seeds or for the given time. Without --scenario, its smallest failure's
// scenario is the one to shrink in: the first failure of a campaign is
// often of a scenario of many clients, which shrinks less far.
func smallestFailure(cat campaign.Catalogue, im kvsim.Impl, names []string, faults string, within time.Duration) (sample, error) {
	runs, err := cat.Runs(names, faults, im)
	if err != nil {
		return sample{}, err
	}
	sum, err := campaign.Run(context.Background(), campaign.Config{Runs: runs, Seeds: pickSeeds, Duration: within, KeepGoing: true})
	if err != nil || sum.Runs == 0 {
		return sample{}, err
	}
	got := sample{seeds: sum.Seeds, perRun: sum.Elapsed * time.Duration(runtime.GOMAXPROCS(0)) / time.Duration(sum.Runs)}
	if len(sum.Failures) > 0 {
		got.smallest = slices.MinFunc(sum.Failures, func(a, b scenarios.Result) int {
			return cmp.Or(cmp.Compare(a.Ops, b.Ops), cmp.Compare(a.Seed, b.Seed))
		})
	}
	return got, nil
}

// search is one shrink's state: the smallest failing run so far.
type search struct {
	cfg      scenarios.Config
	deadline time.Time
	best     candidate
	firstOps int // the first failing run's ops

	rapidRuns   int
	perRun      time.Duration // what a run takes, on average
	exploreRuns int
}

// candidate is a failing run and the choices that replay it.
type candidate struct {
	choices []uint64
	r       scenarios.Result
	by      string
}

// offer keeps c if it is smaller than the best so far: fewer operations,
// then fewer and smaller choices.
func (s *search) offer(c candidate) bool {
	c.choices = trimZeros(c.choices)
	if s.firstOps == 0 {
		s.firstOps = c.r.Ops
	}
	b := s.best
	if b.r.Verdict != "" && (c.r.Ops > b.r.Ops || c.r.Ops == b.r.Ops && !lessChoices(c.choices, b.choices)) {
		return false
	}
	s.best = c
	return true
}

// seed offers the failing run r of a campaign, replayed from its seed
// with its choices recorded.
func (s *search) seed(r scenarios.Result) {
	cfg := s.cfg
	rec := sim.NewRecorder(sim.NewPCG(r.Seed)) // keyed as the campaign's entropy is
	cfg.Seed, cfg.Entropy = r.Seed, rec
	start := time.Now()
	got := scenarios.Run(cfg)
	s.perRun = max(s.perRun, time.Since(start)) // this scenario's runs may be the slow ones
	if got.Failed() && got.TraceHash == r.TraceHash {
		s.offer(candidate{choices: rec.Drawn, r: got, by: fmt.Sprintf("a campaign (seed %d)", r.Seed)})
	}
}

// rapid has rapid look for a failing run for about searchTime (its
// default of 300 runs, fewer if runs are slow) and shrink it for up to
// shrinkTime, recording the choices of its runs to replay the minimal
// one. It returns what went wrong in setting rapid up, or "".
func (s *search) rapid(searchTime, shrinkTime time.Duration) string {
	// campaign.Shrink is written for go test: it reads -test.short and
	// restores rapid's flags in Cleanup.
	testing.Init()
	if err := flag.CommandLine.Parse(nil); err != nil {
		return err.Error()
	}
	t := &shrinkTB{}
	defer t.cleanup()
	rec := &recorder{}
	cfg := s.cfg
	cfg.Isolate = rec.wrap(cfg.Isolate)
	start := time.Now()
	opts := campaign.ShrinkOptions{Time: shrinkTime}
	if s.perRun > 0 {
		opts.Checks = int(min(max(searchTime/s.perRun, 1), 300))
	}
	r, found := campaign.Shrink(t, cfg, opts)
	if t.fatal != "" {
		return t.fatal
	}
	s.rapidRuns = rec.runs
	if rec.runs > 0 {
		s.perRun = time.Since(start) / time.Duration(rec.runs)
	}
	if found {
		if s.firstOps == 0 {
			s.firstOps = rec.firstOps
		}
		s.offer(candidate{choices: rec.choices, r: r, by: "rapid"})
	}
	return ""
}

// explore climbs kvsim explore's ladder of bounds (campaign.Explore) over
// the simplest workload of the scenario, then the two simplest values of
// each workload draw, for about the given time: its first failure is small
// by construction.
func (s *search) explore(within time.Duration) {
	budget := 3000
	if s.perRun > 0 {
		budget = int(within / s.perRun)
	}
	for _, workload := range []int{1, 2} {
		var ladder []campaign.Rung
		for _, r := range campaign.DefaultLadder() {
			r.Runs = min(r.Runs, budget/4)
			ladder = append(ladder, r)
		}
		x := campaign.Explore(s.cfg, campaign.ExploreOptions{Ladder: ladder, Workload: workload})
		s.exploreRuns += x.Runs()
		budget -= x.Runs()
		if x.Failed() {
			choices, err := explore.ParseChoices(strings.TrimPrefix(x.Failure.Strategy, replayPrefix))
			if err == nil {
				s.offer(candidate{choices: choices, r: x.Failure, by: "kvsim explore"})
			}
			return
		}
		if budget <= 0 || x.Err() != nil {
			return
		}
	}
}

// minimize makes the best run smaller until the deadline, or until no
// step helps: it drops spans of its choices (the run draws what followed
// instead) and lowers single choices (toward the simplest: no fault, no
// delay, the first workload), keeping any change that still fails the
// same check with no more operations. Rapid shrinks toward its own order
// of choices; this shrinks toward what a reader counts.
func (s *search) minimize() {
	var runner scenarios.Runner // the tries follow one another
	class := failureClass(s.best.r)
	by := s.best.by
	improved := false
	try := func(c []uint64) bool {
		if !time.Now().Before(s.deadline) {
			return false
		}
		cfg := s.cfg
		cfg.Seed, cfg.Entropy = s.best.r.Seed, explore.Replay(slices.Clone(c))
		r := runner.Run(cfg)
		if !r.Failed() || failureClass(r) != class || !s.offer(candidate{choices: c, r: r, by: by}) {
			return false
		}
		improved = true
		return true
	}
	for changed := true; changed && time.Now().Before(s.deadline); {
		changed = false
		for _, span := range []int{16, 4, 1} {
			for i := 0; i < len(s.best.choices); i++ {
				for try(slices.Concat(s.best.choices[:i:i], s.best.choices[min(i+span, len(s.best.choices)):])) {
					changed = true
				}
			}
		}
		for i := 0; i < len(s.best.choices); i++ {
			// The least value that still fails, by bisection: a fault's
			// draw fires above a threshold, a delay matters above some
			// length.
			for lo, hi := uint64(0), s.best.choices[i]; lo < hi && i < len(s.best.choices); {
				mid := lo + (hi-lo)/2
				if try(with(s.best.choices, i, mid)) {
					changed, hi = true, mid
				} else {
					lo = mid + 1
				}
			}
		}
	}
	if improved {
		s.best.by = by + " and minimizing"
	}
}

// with is c with c[i] = v.
func with(c []uint64, i int, v uint64) []uint64 {
	c = slices.Clone(c)
	c[i] = v
	return c
}

// failureClass is the kind of failure r is: its verdict and the check
// that failed (its reason up to the first colon).
func failureClass(r scenarios.Result) string {
	check, _, _ := strings.Cut(r.Reason, ":")
	return string(r.Verdict) + " " + check
}

// trimZeros drops trailing zeros: explore.Replay draws zeros past the end.
func trimZeros(c []uint64) []uint64 {
	for len(c) > 0 && c[len(c)-1] == 0 {
		c = c[:len(c)-1]
	}
	return c
}

// lessChoices orders choice sequences shortest first, then
// lexicographically.
func lessChoices(a, b []uint64) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return slices.Compare(a, b) < 0
}

// recorder keeps the choices of the runs rapid makes, so that the minimal
// one can be replayed from them (explore.Replay) outside rapid.
type recorder struct {
	choices  []uint64 // of the last failing run: rapid's minimal one
	firstOps int      // ops of rapid's first failing run
	runs     int
}

// wrap returns isolate, whose runs under rapid's entropy record their
// draws.
func (rec *recorder) wrap(isolate func(scenarios.Config, func() scenarios.Result) scenarios.Result) func(scenarios.Config, func() scenarios.Result) scenarios.Result {
	if isolate == nil {
		isolate = func(_ scenarios.Config, run func() scenarios.Result) scenarios.Result { return run() }
	}
	return func(cfg scenarios.Config, run func() scenarios.Result) scenarios.Result {
		if cfg.Entropy == nil {
			return isolate(cfg, run)
		}
		rec.runs++
		drawn := sim.NewRecorder(cfg.Entropy)
		cfg.Entropy = drawn
		r := isolate(cfg, func() scenarios.Result { return scenarios.Run(cfg) })
		if r.Failed() {
			if rec.choices == nil {
				rec.firstOps = r.Ops
			}
			rec.choices = append(rec.choices[:0], drawn.Drawn...)
		}
		return r
	}
}

// shrinkTB is the testing.TB that campaign.Shrink needs, outside a test.
// The methods it does not override are never called: the embedded TB is nil.
type shrinkTB struct {
	testing.TB
	cleanups []func()
	fatal    string
}

func (t *shrinkTB) Helper()             {}
func (t *shrinkTB) Name() string        { return "kvsim-lab-shrink" }
func (t *shrinkTB) Cleanup(f func())    { t.cleanups = append(t.cleanups, f) }
func (t *shrinkTB) Log(...any)          {}
func (t *shrinkTB) Logf(string, ...any) {}
func (t *shrinkTB) Fatal(args ...any)   { t.fatal = fmt.Sprint(args...) }
func (t *shrinkTB) Fatalf(f string, args ...any) {
	t.fatal = fmt.Sprintf(f, args...)
}

func (t *shrinkTB) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}
