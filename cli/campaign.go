package cli

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/kvsim/kvsim/scenarios"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// errInterrupted reports a campaign stopped by Ctrl-C or SIGTERM before it
// found a failure; its partial summary has been printed.
var errInterrupted = errors.New("interrupted")

type campaignFlags struct {
	scenario, faults, impl, shard      string
	seeds, start                       uint64
	duration                           time.Duration
	parallel                           int
	keepGoing                          bool
	out, junit, artifacts, saveFailure string
}

func newCampaignCmd() *cobra.Command {
	var fl campaignFlags
	cmd := &cobra.Command{
		Use:   "campaign --scenario S|all --seeds N | --duration D [flags]",
		Short: "Run scenarios over many seeds, on every core, sharded across jobs if asked",
		Long: `Run every selected scenario at every seed of the campaign, on every core.

A seed s of [start, start+seeds) belongs to shard i of n iff (s-start) % n == i,
so n jobs running --shard 0/n .. --shard n-1/n cover the campaign exactly once.
The campaign stops at the first failure unless --keep-going. Each failure
prints its repro lines; the last line of output is "N passed, N failed".
Exit 0 when no run failed, 1 when one did, 2 on bad usage, 130 when
interrupted before any failure.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := fl.config(cmd)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runCampaign(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), cfg, fl)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.scenario, "scenario", "", "scenarios to run at every seed, comma-separated, or all")
	f.Uint64Var(&fl.seeds, "seeds", 0, "number of seeds of the campaign, all shards together")
	f.DurationVar(&fl.duration, "duration", 0, "run seeds until this much wall time has passed")
	f.StringVar(&fl.faults, "faults", "", "fault profile or swarm (default: each scenario's own)")
	f.StringVar(&fl.impl, "impl", scenarios.ReferenceName, "implementation: reference or zoo/NAME")
	f.IntVar(&fl.parallel, "parallel", 0, "seeds run at once (default: every core)")
	f.StringVar(&fl.shard, "shard", "0/1", "run shard `i/n` of the seeds, 0 <= i < n")
	f.Uint64Var(&fl.start, "start", 0, "first seed of the campaign")
	f.StringVar(&fl.out, "out", "", "write one JSON line per failure and a summary line to `FILE`")
	f.StringVar(&fl.junit, "junit", "", "write a JUnit XML report to `FILE`")
	f.BoolVar(&fl.keepGoing, "keep-going", false, "run every seed instead of stopping at the first failure")
	f.StringVar(&fl.artifacts, "artifacts", "", "write each failure's trace and visualization under `DIR`")
	f.StringVar(&fl.saveFailure, "save-failures", "", "append failures to the regression corpus `FILE` (e.g. scenarios/testdata/regressions.txt)")
	return cmd
}

// config checks the flags and turns them into a campaign; every error is
// the user's.
func (fl campaignFlags) config(cmd *cobra.Command) (scenarios.CampaignConfig, error) {
	cfg := scenarios.CampaignConfig{Faults: fl.faults, Impl: fl.impl, Seeds: fl.seeds, Duration: fl.duration,
		Start: fl.start, Parallel: fl.parallel, KeepGoing: fl.keepGoing}
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
	if fl.scenario != "all" {
		cfg.Scenarios = strings.Split(fl.scenario, ",")
	}
	shard, shards, ok := parseShard(fl.shard)
	if !ok {
		return cfg, usagef("--shard %q: want i/n with 0 <= i < n", fl.shard)
	}
	cfg.Shard, cfg.Shards = shard, shards
	if err := cfg.Validate(); err != nil {
		if strings.HasPrefix(err.Error(), "unknown scenario") {
			return cfg, usagef("%v, or all", err)
		}
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

// runCampaign runs the campaign and reports it: failures as they come, then
// the summary, whose last line is "N passed, N failed".
func runCampaign(ctx context.Context, stdout, stderr io.Writer, cfg scenarios.CampaignConfig, fl campaignFlags) error {
	// Open every output first: a bad path should fail now, not after hours.
	var jsonl, junit *os.File
	var err error
	if fl.out != "" {
		if jsonl, err = os.Create(fl.out); err != nil {
			return err
		}
		defer jsonl.Close()
	}
	if fl.junit != "" {
		if junit, err = os.Create(fl.junit); err != nil {
			return err
		}
		defer junit.Close()
	}
	if fl.artifacts != "" {
		if err := os.MkdirAll(fl.artifacts, 0o755); err != nil {
			return err
		}
	}

	prog := newProgress(stderr, cfg)
	var errs []error
	cfg.OnResult = func(r scenarios.Result) {
		prog.add(r)
		if !r.Failed() {
			return
		}
		prog.clear()
		reportFailure(ctx, stdout, r, fl.artifacts)
		if jsonl != nil {
			errs = append(errs, json.NewEncoder(jsonl).Encode(r))
		}
	}
	sum, err := scenarios.Campaign(ctx, cfg)
	if err != nil {
		return usageError{err} // config checked the same configuration
	}
	prog.finish(sum)

	if fl.saveFailure != "" {
		for _, r := range sum.Failures {
			errs = append(errs, scenarios.SaveRegression(fl.saveFailure, r))
		}
		if len(sum.Failures) > 0 {
			fmt.Fprintf(stdout, "saved %d failures to %s\n", len(sum.Failures), fl.saveFailure)
		}
	}
	if jsonl != nil {
		errs = append(errs, json.NewEncoder(jsonl).Encode(summaryLine{Summary: true, CampaignSummary: sum,
			SeedsPerSecond: sum.SeedsPerSecond(), Faults: cfg.Faults, Impl: cfg.Impl, Start: cfg.Start, Shard: cfg.Shard, Shards: cfg.Shards}))
	}
	if junit != nil {
		errs = append(errs, writeJUnit(junit, cfg, sum))
	}
	printSummary(stdout, cfg, sum)
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

// reportFailure prints a failure with its repro lines and, given a
// directory, replays it with tracing to write its artifacts there.
func reportFailure(ctx context.Context, w io.Writer, r scenarios.Result, dir string) {
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
	replay, err := scenarios.RunGuarded(ctx, scenarios.Config{Scenario: r.Scenario, Seed: r.Seed, Faults: r.Faults, Impl: r.Impl, Trace: true}, 0)
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
	adir, err := writeArtifacts(replay, dir)
	if err != nil {
		fmt.Fprintf(w, "artifacts: %v\n", err)
		return
	}
	fmt.Fprintf(w, "artifacts: %s\nreport: %s\n", adir, filepath.Join(adir, "report.html"))
}

func printSummary(w io.Writer, cfg scenarios.CampaignConfig, sum scenarios.CampaignSummary) {
	faults := cfg.Faults
	if faults == "" {
		faults = "each scenario's own"
	}
	fmt.Fprintf(w, "\ncampaign: impl %s, faults %s, seeds from %d, shard %d/%d\n", cfg.Impl, faults, cfg.Start, cfg.Shard, max(cfg.Shards, 1))
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
	if sum.Interrupted {
		fmt.Fprintln(w, "interrupted: this summary is partial")
	}
	fmt.Fprintf(w, "%d passed, %d failed\n", sum.Passed, sum.Failed)
}

// summaryLine is the last line of --out: the summary and what was run.
type summaryLine struct {
	Summary bool `json:"summary"`
	scenarios.CampaignSummary
	SeedsPerSecond float64 `json:"seeds_per_second"`
	Faults         string  `json:"faults"`
	Impl           string  `json:"impl"`
	Start          uint64  `json:"start"`
	Shard          int     `json:"shard"`
	Shards         int     `json:"shards"`
}

// JUnit XML, as CI systems read it. Passed seeds are summarised in one
// test case per scenario: a campaign has millions.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Time     float64      `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func writeJUnit(w io.Writer, cfg scenarios.CampaignConfig, sum scenarios.CampaignSummary) error {
	doc := junitSuites{Name: "kvsim campaign", Tests: sum.Runs, Failures: sum.Failed, Time: sum.Elapsed.Seconds()}
	for _, c := range sum.Scenarios {
		suite := junitSuite{Name: c.Scenario, Tests: c.Runs, Failures: c.Failed}
		class := "kvsim." + c.Scenario
		for _, r := range sum.Failures {
			if r.Scenario != c.Scenario {
				continue
			}
			text := fmt.Sprintf("%s\nfault model: %s\nrepro: %s\n       %s\nshrink: %s\n", r.Summary(), r.FaultModel, r.Repro, r.GoTest, r.Shrink)
			if r.Stack != "" {
				text += "stack:\n" + r.Stack
			}
			suite.Cases = append(suite.Cases, junitCase{
				Name:      fmt.Sprintf("seed %d (faults %s, impl %s)", r.Seed, r.Faults, r.Impl),
				Classname: class,
				Failure:   &junitFailure{Message: "repro: " + r.Repro, Type: string(r.Verdict), Text: text},
			})
		}
		if c.Passed > 0 {
			suite.Cases = append(suite.Cases, junitCase{
				Name:      fmt.Sprintf("%d seeds passed (impl %s, seeds from %d, shard %d/%d)", c.Passed, cfg.Impl, cfg.Start, cfg.Shard, max(cfg.Shards, 1)),
				Classname: class,
			})
		}
		doc.Suites = append(doc.Suites, suite)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// progress reports a running campaign on stderr: a bar on a terminal,
// otherwise a plain line every few seconds (CI logs keep every line).
type progress struct {
	w        io.Writer
	bar      *progressbar.ProgressBar // nil when w is not a terminal
	perSeed  int                      // runs per seed
	total    uint64                   // seeds this shard runs; 0 when --duration bounds it
	deadline time.Time                // zero unless --duration bounds it
	start    time.Time
	last     time.Time // of the last plain line
	runs     int
	failed   int
}

const progressEvery = 5 * time.Second

func newProgress(w io.Writer, cfg scenarios.CampaignConfig) *progress {
	p := &progress{w: w, perSeed: len(cfg.Scenarios), total: cfg.ShardSeeds(), start: time.Now()}
	if p.perSeed == 0 {
		p.perSeed = len(scenarios.Scenarios())
	}
	p.last = p.start
	if cfg.Duration > 0 {
		p.deadline = p.start.Add(cfg.Duration)
	}
	if f, ok := w.(interface{ Fd() uintptr }); ok && term.IsTerminal(int(f.Fd())) {
		limit := int64(p.total)
		if p.total == 0 {
			limit = -1 // a spinner: only time bounds the campaign
		}
		p.bar = progressbar.NewOptions64(limit,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("0 failed"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("seeds"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionFullWidth(),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

// add counts one run. The runs of a seed arrive together, so every
// perSeed runs is one seed done.
func (p *progress) add(r scenarios.Result) {
	p.runs++
	if r.Failed() {
		p.failed++
		if p.bar != nil {
			p.bar.Describe(fmt.Sprintf("%d failed", p.failed))
		}
	}
	if p.runs%p.perSeed != 0 {
		return
	}
	if p.bar != nil {
		p.bar.Add(1)
		return
	}
	if now := time.Now(); now.Sub(p.last) >= progressEvery {
		p.last = now
		fmt.Fprintln(p.w, p.line(now))
	}
}

func (p *progress) line(now time.Time) string {
	seeds := p.runs / p.perSeed
	elapsed := now.Sub(p.start)
	rate := float64(seeds) / elapsed.Seconds()
	switch {
	case p.total > 0:
		left := time.Duration(float64(p.total-uint64(seeds)) / rate * float64(time.Second))
		return fmt.Sprintf("campaign: %d/%d seeds (%.0f%%), %.0f seeds/s, %d failed, ETA %v",
			seeds, p.total, 100*float64(seeds)/float64(p.total), rate, p.failed, left.Round(time.Second))
	default:
		return fmt.Sprintf("campaign: %d seeds, %.0f seeds/s, %d failed, %v left",
			seeds, rate, p.failed, max(0, p.deadline.Sub(now)).Round(time.Second))
	}
}

// clear takes the bar off the terminal before a failure is printed.
func (p *progress) clear() {
	if p.bar != nil {
		p.bar.Clear()
	}
}

func (p *progress) finish(sum scenarios.CampaignSummary) {
	if p.bar != nil {
		p.bar.Finish()
	}
	fmt.Fprintf(p.w, "campaign: %d seeds in %v (%.0f seeds/s)\n", sum.Seeds, sum.Elapsed.Round(time.Millisecond), sum.SeedsPerSecond())
}
