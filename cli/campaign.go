package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// errInterrupted reports a campaign stopped by Ctrl-C or SIGTERM before it
// found a failure; its partial summary has been printed.
var errInterrupted = errors.New("interrupted")

type campaignFlags struct {
	scenario, faults, impl, shard      string
	strategy                           string
	seeds, start                       uint64
	duration, runTimeout               time.Duration
	parallel                           int
	artifactsMax                       int
	keepGoing                          bool
	out, junit, artifacts, saveFailure string
}

func newCampaignCmd(e edge) *cobra.Command {
	cat := e.cat
	var fl campaignFlags
	cmd := &cobra.Command{
		Use:   "campaign --scenario S|all --seeds N | --duration D [flags]",
		Short: "Run scenarios over many seeds, on every core, sharded across jobs if asked",
		Long: `Run every selected scenario at every seed of the campaign, on every core.

A seed s of [start, start+seeds) belongs to shard i of n iff (s-start) % n == i,
so n jobs running --shard 0/n .. --shard n-1/n cover the campaign exactly once.
The campaign stops at the first failure unless --keep-going: the lowest
failing seed is printed with its repro lines (and artifacts), and the
failures that seeds already running found too are counted. With
--keep-going, the first --artifacts-max failures of each scenario are
printed in seed order with their repro lines (and artifacts), and the rest
are counted; --out and --junit list every failing seed. The last line of
output is "N passed, N failed".
Exit 0 when no run failed, 1 when one did, 2 on bad usage or an output that
cannot be written, 130 when interrupted before any failure.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := fl.config(cmd, cat)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runCampaign(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), e, cfg, fl)
		},
	}
	fl.register(cmd.Flags(), true)
	return cmd
}

// register registers the campaign's flags; a lab's campaign has no --impl
// (the folder is the implementation) nor --save-failures.
func (fl *campaignFlags) register(f *pflag.FlagSet, named bool) {
	f.StringVar(&fl.scenario, "scenario", "", "scenarios to run at every seed, comma-separated, or all")
	f.Uint64Var(&fl.seeds, "seeds", 0, "number of seeds of the campaign, all shards together")
	f.DurationVar(&fl.duration, "duration", 0, "run seeds until this much wall time has passed")
	f.StringVar(&fl.faults, "faults", "", "fault profile or swarm (default: each scenario's own)")
	f.StringVar(&fl.strategy, "strategy", "", strategyUsage)
	f.IntVar(&fl.parallel, "parallel", 0, "seeds run at once (default: every core)")
	f.StringVar(&fl.shard, "shard", "0/1", "run shard `i/n` of the seeds, 0 <= i < n")
	f.Uint64Var(&fl.start, "start", 0, "first seed of the campaign")
	f.DurationVar(&fl.runTimeout, "run-timeout", campaign.DefaultRunTimeout, "report a run stuck when it has not returned after this much time (a SUT spinning or blocked outside simulator calls): wall time, or, for a lab folder's run on Linux, processor time, so that a slow run on a loaded machine is not taken for a stuck one")
	f.StringVar(&fl.out, "out", "", "write one JSON line per failure and a summary line to `FILE`")
	f.StringVar(&fl.junit, "junit", "", "write a JUnit XML report to `FILE`")
	f.BoolVar(&fl.keepGoing, "keep-going", false, "run every seed instead of stopping at the first failure")
	f.StringVar(&fl.artifacts, "artifacts", "", "write each failure's trace, history, visualization and report.html under `DIR` (those shown in full)")
	f.IntVar(&fl.artifactsMax, "artifacts-max", defaultArtifactsMax, "with --keep-going, show in full (repro lines and artifacts) at most `N` failures of each scenario, the lowest seeds; the rest are counted")
	if named {
		f.StringVar(&fl.impl, "impl", kvsim.ReferenceName, "implementation: reference or zoo/NAME")
		f.StringVar(&fl.saveFailure, "save-failures", "", "append failures to the regression corpus `FILE` (e.g. campaign/testdata/regressions.txt)")
	}
}

// config checks the flags and resolves them into a campaign; every error
// is the user's.
func (fl campaignFlags) config(cmd *cobra.Command, cat campaign.Catalogue) (campaign.Config, error) {
	cfg := campaign.Config{Seeds: fl.seeds, Duration: fl.duration, Start: fl.start, Parallel: fl.parallel, KeepGoing: fl.keepGoing, RunTimeout: fl.runTimeout}
	changed := cmd.Flags().Changed
	switch {
	case fl.scenario == "":
		return cfg, usagef("campaign needs --scenario (a name, a comma-separated list, or all)")
	case changed("seeds") == changed("duration"):
		return cfg, usagef("campaign needs exactly one of --seeds and --duration")
	case changed("seeds") && fl.seeds == 0:
		return cfg, usagef("--seeds must be at least 1")
	case changed("duration") && fl.duration <= 0:
		return cfg, usagef("--duration must be positive")
	case fl.parallel < 0:
		return cfg, usagef("--parallel must be 0 (every core) or more")
	case fl.runTimeout <= 0:
		return cfg, usagef("--run-timeout must be positive")
	case fl.artifactsMax < 1:
		return cfg, usagef("--artifacts-max must be at least 1")
	}
	impl, err := cat.Impl(fl.impl)
	if err != nil {
		return cfg, usageError{err}
	}
	if cfg.Runs, err = catalogueRuns(cat, fl.scenario, fl.faults, impl); err != nil {
		return cfg, err
	}
	strategy, err := cat.Strategy(fl.strategy)
	if err != nil {
		return cfg, usageError{err}
	}
	for i := range cfg.Runs {
		cfg.Runs[i].Strategy = strategy
	}
	shard, shards, ok := parseShard(fl.shard)
	if !ok {
		return cfg, usagef("--shard %q: want i/n with 0 <= i < n", fl.shard)
	}
	cfg.Shard, cfg.Shards = shard, shards
	if err := cfg.Validate(); err != nil {
		return cfg, usageError{err}
	}
	if cfg.Seeds > 0 && cfg.ShardSeeds() == 0 {
		return cfg, usagef("--shard %d/%d has no seeds: shard i of n runs seeds start+i, start+i+n, ..., and the campaign has %s (want --seeds %d or more, or fewer shards)",
			shard, shards, plural(int(cfg.Seeds), "seed"), shard+1)
	}
	return cfg, nil
}

func parseShard(s string) (i, n int, ok bool) {
	a, b, found := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	return i, n, found && err1 == nil && err2 == nil && 0 <= i && i < n
}

// outputs are the files a campaign writes besides stdout, opened (or
// checked) before it starts: a bad path fails now, not after hours.
type outputs struct {
	jsonl, junit *os.File
}

func openOutputs(fl campaignFlags) (outputs, error) {
	var o outputs
	var err error
	if fl.out != "" {
		if o.jsonl, err = os.Create(fl.out); err != nil {
			return o, usagef("--out: %v", err)
		}
	}
	if fl.junit != "" {
		if o.junit, err = os.Create(fl.junit); err != nil {
			o.close()
			return o, usagef("--junit: %v", err)
		}
	}
	if err := checkOutputs(output{"--artifacts", fl.artifacts, true}); err != nil {
		o.close()
		return o, err
	}
	if fl.saveFailure != "" {
		f, err := os.OpenFile(fl.saveFailure, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			o.close()
			return o, usagef("--save-failures: %v", err)
		}
		f.Close()
	}
	return o, nil
}

func (o outputs) close() {
	for _, f := range []*os.File{o.jsonl, o.junit} {
		if f != nil {
			f.Close()
		}
	}
}

// runCampaign runs the campaign and reports it: the failures in seed
// order, then the summary, whose last line is "N passed, N failed".
func runCampaign(ctx context.Context, stdout, stderr io.Writer, e edge, cfg campaign.Config, fl campaignFlags) error {
	out, err := openOutputs(fl)
	if err != nil {
		return err
	}
	defer out.close()
	defer manyRunsGC()()

	prog := newProgress(stderr, cfg)
	cfg.OnResult = prog.add
	cfg.Executor = e.ex
	sum, err := campaign.Run(ctx, cfg)
	if err != nil {
		return usageError{err} // config checked the same configuration
	}
	prog.finish(sum)
	for i := range sum.Failures {
		sum.Failures[i].Repro = e.cat.ReproOf(sum.Failures[i])
	}

	var errs []error
	reportFailures(ctx, stdout, e.reporter(fl.artifacts), sum, cfg.KeepGoing, fl.artifactsMax)
	for _, r := range sum.Failures {
		if out.jsonl != nil {
			errs = append(errs, json.NewEncoder(out.jsonl).Encode(r))
		}
	}
	if fl.saveFailure != "" {
		saved := 0
		for _, r := range sum.Failures {
			added, err := campaign.SaveRegression(fl.saveFailure, r)
			if added {
				saved++
			}
			errs = append(errs, err)
		}
		switch {
		case len(sum.Failures) == 0:
		case saved == len(sum.Failures):
			fmt.Fprintf(stdout, "saved %s to %s\n", plural(saved, "failure"), fl.saveFailure)
		case saved == 0:
			fmt.Fprintf(stdout, "saved nothing: %s has every failure already\n", fl.saveFailure)
		default:
			fmt.Fprintf(stdout, "saved %s to %s (%d already there)\n", plural(saved, "failure"), fl.saveFailure, len(sum.Failures)-saved)
		}
	}
	label := labelOf(cfg, fl)
	if out.jsonl != nil {
		errs = append(errs, json.NewEncoder(out.jsonl).Encode(summaryLine{IsSummary: true, Summary: sum,
			SeedsPerSecond: sum.SeedsPerSecond(), campaignLabel: label}))
	}
	if out.junit != nil {
		errs = append(errs, writeJUnit(out.junit, label, sum))
	}
	printSummary(stdout, label, sum)
	if err := errors.Join(errs...); err != nil {
		return writeError{fmt.Errorf("writing the reports: %w", err)}
	}
	switch {
	case sum.Failed > 0:
		return errFailureFound
	case sum.Interrupted:
		return errInterrupted
	}
	return nil
}

// campaignGCPercent is the collector's target while many runs go: runs
// allocate a few hundred kilobytes each and keep none of it, so the live
// heap stays a few megabytes and a larger target costs little memory. At
// the default of 100 the collector took a quarter of a campaign's CPU and
// kept two workers from using two cores (BENCHMARKS.md).
const campaignGCPercent = 400

// manyRunsGC sets the collector's target for a campaign, unless the user
// set GOGC, and returns what restores it.
func manyRunsGC() func() {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(campaignGCPercent)
	return func() { debug.SetGCPercent(old) }
}

// campaignLabel says what a campaign ran, for its summaries.
type campaignLabel struct {
	Faults string `json:"faults"`
	Impl   string `json:"impl"`
	Start  uint64 `json:"start"`
	Shard  int    `json:"shard"`
	Shards int    `json:"shards"`
}

// labelOf names the campaign's faults as resolved: the profile the flag
// named, or each scenario's own default, as the distinct names in the
// order of the scenarios.
func labelOf(cfg campaign.Config, fl campaignFlags) campaignLabel {
	var faults []string
	for _, r := range cfg.Runs {
		if !slices.Contains(faults, r.Profile.Name) {
			faults = append(faults, r.Profile.Name)
		}
	}
	return campaignLabel{Faults: strings.Join(faults, ","), Impl: cfg.Runs[0].Spec().Impl, Start: cfg.Start, Shard: cfg.Shard, Shards: max(cfg.Shards, 1)}
}

// defaultArtifactsMax is how many failures of each scenario a campaign
// shows in full by default: enough to see a bug's shapes, not a directory
// per failing seed (two buggy submissions at 2,000 seeds wrote 518 MB).
const defaultArtifactsMax = 3

// reportFailures prints the failures worth reading in full, each with its
// repro lines and, given --artifacts, its artifacts, and counts the rest.
// Without keepGoing that is the lowest failing seed's first failure, the
// one the campaign stopped for: the others come from seeds that were
// already running. With keepGoing it is the first --artifacts-max failures
// of each scenario, in seed order.
func reportFailures(ctx context.Context, w io.Writer, rep campaign.Reporter, sum campaign.Summary, keepGoing bool, artifactsMax int) {
	if len(sum.Failures) == 0 {
		return
	}
	if !keepGoing {
		fmt.Fprint(w, "FAIL ")
		rep.Report(ctx, w, sum.Failures[0])
		if rest := sum.Failures[1:]; len(rest) > 0 {
			fmt.Fprintf(w, "%s found by seeds already running when the campaign stopped (%s); --keep-going runs every seed\n",
				plural(len(rest), "other failure"), seedList(rest, true))
		}
		return
	}
	shown := map[string]int{}
	var hidden []scenarios.Result
	for _, r := range sum.Failures {
		if shown[r.Scenario] == artifactsMax {
			hidden = append(hidden, r)
			continue
		}
		shown[r.Scenario]++
		fmt.Fprint(w, "FAIL ")
		rep.Report(ctx, w, r)
	}
	for _, c := range sum.Scenarios {
		rest := slices.DeleteFunc(slices.Clone(hidden), func(r scenarios.Result) bool { return r.Scenario != c.Scenario })
		if len(rest) > 0 {
			fmt.Fprintf(w, "%s: %s not shown (%s); --out and --junit list every one, --artifacts-max shows more\n",
				c.Scenario, plural(len(rest), "more failure"), seedList(rest, false))
		}
	}
}

// seedList names the failures' seeds, with their scenarios if asked, the
// first few of them.
func seedList(rs []scenarios.Result, scenario bool) string {
	const most = 8
	var names []string
	for i, r := range rs[:min(len(rs), most)] {
		switch {
		case scenario:
			names = append(names, fmt.Sprintf("%s seed %d", r.Scenario, r.Seed))
		case i == 0 && len(rs) == 1:
			names = append(names, fmt.Sprintf("seed %d", r.Seed))
		case i == 0:
			names = append(names, fmt.Sprintf("seeds %d", r.Seed))
		default:
			names = append(names, fmt.Sprint(r.Seed))
		}
	}
	if len(rs) > most {
		names = append(names, "...")
	}
	return strings.Join(names, ", ")
}

func printSummary(w io.Writer, l campaignLabel, sum campaign.Summary) {
	faults := l.Faults
	if strings.Contains(faults, ",") {
		faults = "each scenario's own (FAULTS below)"
	}
	if len(sum.Failures) > 0 {
		fmt.Fprintln(w) // after the failures
	}
	fmt.Fprintf(w, "campaign: impl %s, faults %s, seeds from %d, shard %d/%d\n", l.Impl, faults, l.Start, l.Shard, l.Shards)
	fmt.Fprintf(w, "%s in %.1fs (%.0f seeds/s)\n", plural(sum.Seeds, "seed"), sum.Elapsed.Seconds(), sum.SeedsPerSecond())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tFAULTS\tRUNS\tPASSED\tFAILED")
	for _, c := range sum.Scenarios {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\n", c.Scenario, c.Faults, c.Runs, c.Passed, c.Failed)
	}
	tw.Flush()
	var verdicts []string
	for v, n := range sum.Verdicts {
		verdicts = append(verdicts, fmt.Sprintf("%s %d", v, n))
	}
	sort.Strings(verdicts)
	fmt.Fprintf(w, "verdicts: %s\n", cmp.Or(strings.Join(verdicts, ", "), "none: no run was made"))
	if len(sum.Failures) > 0 {
		r := sum.Failures[0]
		fmt.Fprintf(w, "lowest failing seed: %d (%s): %s\n", r.Seed, r.Scenario, r.Run)
	}
	for _, warn := range sum.Warnings {
		fmt.Fprintf(w, "warning: %s in %s, first %s: %s\n", warn.Name, plural(warn.Runs, "run"), warn.Run, warn.Example.Text)
	}
	if sum.Interrupted {
		fmt.Fprintln(w, "interrupted: this summary is partial")
	}
	fmt.Fprintf(w, "%d passed, %d failed\n", sum.Passed, sum.Failed)
}

// summaryLine is the last line of --out: the summary and what was run.
type summaryLine struct {
	IsSummary bool `json:"summary"`
	campaign.Summary
	campaignLabel
	SeedsPerSecond float64 `json:"seeds_per_second"`
}

// catalogueRuns resolves a --scenario list ("all", or names separated by
// commas) and --faults through cat into runs of impl; an unknown name is
// a usage error naming what there is.
func catalogueRuns(cat campaign.Catalogue, list, faults string, impl kvsim.Impl) ([]scenarios.Config, error) {
	var names []string
	if list != "all" {
		names = strings.Split(list, ",")
	}
	runs, err := cat.Runs(names, faults, impl)
	if unknown := (*campaign.UnknownNameError)(nil); errors.As(err, &unknown) && unknown.Kind == "scenario" {
		return nil, usagef("%v, or all", err)
	} else if err != nil {
		return nil, usageError{err}
	}
	return runs, nil
}
