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
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/spf13/cobra"
)

// errInterrupted reports a campaign stopped by Ctrl-C or SIGTERM before it
// found a failure; its partial summary has been printed.
var errInterrupted = errors.New("interrupted")

type campaignFlags struct {
	scenario, faults, impl, shard      string
	strategy                           string
	seeds, start                       uint64
	duration                           time.Duration
	parallel                           int
	keepGoing                          bool
	out, junit, artifacts, saveFailure string
}

func newCampaignCmd(cat campaign.Catalogue) *cobra.Command {
	var fl campaignFlags
	cmd := &cobra.Command{
		Use:   "campaign --scenario S|all --seeds N | --duration D [flags]",
		Short: "Run scenarios over many seeds, on every core, sharded across jobs if asked",
		Long: `Run every selected scenario at every seed of the campaign, on every core.

A seed s of [start, start+seeds) belongs to shard i of n iff (s-start) % n == i,
so n jobs running --shard 0/n .. --shard n-1/n cover the campaign exactly once.
The campaign stops at the first failure unless --keep-going. Failures are
printed in seed order with their repro lines, the lowest failing seed first;
the last line of output is "N passed, N failed".
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
			return runCampaign(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), cat, cfg, fl)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.scenario, "scenario", "", "scenarios to run at every seed, comma-separated, or all")
	f.Uint64Var(&fl.seeds, "seeds", 0, "number of seeds of the campaign, all shards together")
	f.DurationVar(&fl.duration, "duration", 0, "run seeds until this much wall time has passed")
	f.StringVar(&fl.faults, "faults", "", "fault profile or swarm (default: each scenario's own)")
	f.StringVar(&fl.impl, "impl", scenarios.ReferenceName, "implementation: reference or zoo/NAME")
	f.StringVar(&fl.strategy, "strategy", "", strategyUsage)
	f.IntVar(&fl.parallel, "parallel", 0, "seeds run at once (default: every core)")
	f.StringVar(&fl.shard, "shard", "0/1", "run shard `i/n` of the seeds, 0 <= i < n")
	f.Uint64Var(&fl.start, "start", 0, "first seed of the campaign")
	f.StringVar(&fl.out, "out", "", "write one JSON line per failure and a summary line to `FILE`")
	f.StringVar(&fl.junit, "junit", "", "write a JUnit XML report to `FILE`")
	f.BoolVar(&fl.keepGoing, "keep-going", false, "run every seed instead of stopping at the first failure")
	f.StringVar(&fl.artifacts, "artifacts", "", "write each failure's trace and visualization under `DIR`")
	f.StringVar(&fl.saveFailure, "save-failures", "", "append failures to the regression corpus `FILE` (e.g. campaign/testdata/regressions.txt)")
	return cmd
}

// config checks the flags and resolves them into a campaign; every error
// is the user's.
func (fl campaignFlags) config(cmd *cobra.Command, cat campaign.Catalogue) (campaign.Config, error) {
	cfg := campaign.Config{Seeds: fl.seeds, Duration: fl.duration, Start: fl.start, Parallel: fl.parallel, KeepGoing: fl.keepGoing}
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
	}
	var names []string
	if fl.scenario != "all" {
		names = strings.Split(fl.scenario, ",")
	}
	impl, err := cat.Impl(fl.impl)
	if err != nil {
		return cfg, usageError{err}
	}
	if cfg.Runs, err = cat.Runs(names, fl.faults, impl); err != nil {
		if unknown := (*campaign.UnknownNameError)(nil); errors.As(err, &unknown) && unknown.Kind == "scenario" {
			return cfg, usagef("%v, or all", err)
		}
		return cfg, usageError{err}
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
	if err := checkWritableDir("--artifacts", fl.artifacts); err != nil {
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

// checkWritableDir makes dir (if given) and proves a file can be made in it.
func checkWritableDir(flag, dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usagef("%s: %v", flag, err)
	}
	f, err := os.CreateTemp(dir, ".kvsim-check-*")
	if err != nil {
		return usagef("%s: %v", flag, err)
	}
	f.Close()
	return os.Remove(f.Name())
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
func runCampaign(ctx context.Context, stdout, stderr io.Writer, cat campaign.Catalogue, cfg campaign.Config, fl campaignFlags) error {
	out, err := openOutputs(fl)
	if err != nil {
		return err
	}
	defer out.close()

	prog := newProgress(stderr, cfg)
	cfg.OnResult = prog.add
	sum, err := campaign.Run(ctx, cfg)
	if err != nil {
		return usageError{err} // config checked the same configuration
	}
	prog.finish(sum)

	var errs []error
	for _, r := range sum.Failures {
		reportFailure(ctx, stdout, cat, r, fl.artifacts)
		if out.jsonl != nil {
			errs = append(errs, json.NewEncoder(out.jsonl).Encode(r))
		}
	}
	if fl.saveFailure != "" {
		for _, r := range sum.Failures {
			errs = append(errs, campaign.SaveRegression(fl.saveFailure, r))
		}
		if len(sum.Failures) > 0 {
			fmt.Fprintf(stdout, "saved %d failures to %s\n", len(sum.Failures), fl.saveFailure)
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
		return fmt.Errorf("writing the reports: %w", err)
	}
	switch {
	case sum.Failed > 0:
		return errFailureFound
	case sum.Interrupted:
		return errInterrupted
	}
	return nil
}

// campaignLabel says what a campaign ran, for its summaries.
type campaignLabel struct {
	Faults string `json:"faults"`
	Impl   string `json:"impl"`
	Start  uint64 `json:"start"`
	Shard  int    `json:"shard"`
	Shards int    `json:"shards"`
}

func labelOf(cfg campaign.Config, fl campaignFlags) campaignLabel {
	return campaignLabel{Faults: fl.faults, Impl: cfg.Runs[0].Spec().Impl, Start: cfg.Start, Shard: cfg.Shard, Shards: max(cfg.Shards, 1)}
}

// reportFailure prints a failure with its repro lines and, given a
// directory, replays it with tracing to write its artifacts there.
func reportFailure(ctx context.Context, w io.Writer, cat campaign.Catalogue, r scenarios.Result, dir string) {
	fmt.Fprint(w, "FAIL ")
	printResult(w, r)
	switch {
	case dir == "":
		return
	case r.TraceHash == "":
		// Only the campaign's guard makes results without a hash.
		fmt.Fprintf(w, "artifacts: none: the run never finished (%s outside the simulator), so it has no trace\n", r.Verdict)
		return
	}
	cfg := r.Config()
	cfg.Trace = true
	replay, err := campaign.RunGuarded(ctx, cfg, 0)
	switch {
	case err != nil:
		fmt.Fprintf(w, "artifacts: none: the replay did not finish: %v\n", err)
		return
	case replay.Trace == nil:
		fmt.Fprintf(w, "artifacts: none: the replay never finished (%s outside the simulator), so it has no trace\n", replay.Verdict)
		return
	case replay.TraceHash != r.TraceHash:
		fmt.Fprintf(w, "warning: the replay's trace hash %s differs from the campaign's %s: the run is not deterministic\n", replay.TraceHash, r.TraceHash)
	}
	a, err := campaign.WriteArtifacts(replay, dir)
	if err != nil {
		fmt.Fprintf(w, "artifacts: %v\n", err)
		return
	}
	fmt.Fprintf(w, "artifacts: %s\nreport: %s\n", a.Dir, a.Report)
}

func printSummary(w io.Writer, l campaignLabel, sum campaign.Summary) {
	faults := cmp.Or(l.Faults, "each scenario's own")
	fmt.Fprintf(w, "\ncampaign: impl %s, faults %s, seeds from %d, shard %d/%d\n", l.Impl, faults, l.Start, l.Shard, l.Shards)
	fmt.Fprintf(w, "%d seeds in %.1fs (%.0f seeds/s)\n", sum.Seeds, sum.Elapsed.Seconds(), sum.SeedsPerSecond())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tRUNS\tPASSED\tFAILED")
	for _, c := range sum.Scenarios {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", c.Scenario, c.Runs, c.Passed, c.Failed)
	}
	tw.Flush()
	var verdicts []string
	for v, n := range sum.Verdicts {
		verdicts = append(verdicts, fmt.Sprintf("%s %d", v, n))
	}
	sort.Strings(verdicts)
	fmt.Fprintf(w, "verdicts: %s\n", strings.Join(verdicts, ", "))
	if len(sum.Failures) > 0 {
		r := sum.Failures[0]
		fmt.Fprintf(w, "lowest failing seed: %d (%s): %s\n", r.Seed, r.Scenario, r.Run)
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
