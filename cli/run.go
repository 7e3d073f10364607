package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/report"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/sim"
	"github.com/kvsim/kvsim/zoo"
	"github.com/spf13/cobra"
)

func newRunCmd(cat campaign.Catalogue) *cobra.Command {
	var (
		spec      kvsim.Spec
		asJSON    bool
		showTrace bool
		vizPath   string
		artifacts string
		reportTo  string
		timeout   time.Duration
	)
	cmd := &cobra.Command{
		Use:   "run --scenario S --seed N [--faults P] [--impl I]",
		Short: "Run one scenario at one seed and check it",
		Long: `Run one scenario at one seed and check it. The same flags always replay
the same run. Exit 0 when every check passed, 1 when one failed, 2 on bad
usage or an output (--viz, --report, --artifacts) that cannot be written,
checked before the run. With --json the result is one JSON object on
stdout, and --trace goes to stderr.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("scenario") || !cmd.Flags().Changed("seed") {
				return usagef("run needs --scenario and --seed")
			}
			if timeout <= 0 {
				return usagef("--run-timeout must be positive")
			}
			cfg, err := cat.Resolve(spec)
			if err != nil {
				return usageError{err}
			}
			// A path that cannot be written is refused now: after the run
			// it would turn a pass into an error.
			if err := checkOutputs(output{"--viz", vizPath, false}, output{"--report", reportTo, false}, output{"--artifacts", artifacts, true}); err != nil {
				return err
			}
			cfg.Trace = showTrace || vizPath != "" || artifacts != "" || reportTo != ""
			// Guarded, so that a SUT that panics in a constructor or spins
			// outside the simulator (a student's, say) is a reported
			// failure, not a crash or a hang.
			r, err := campaign.RunGuarded(cmd.Context(), cfg, timeout)
			if err != nil {
				return err
			}
			r = r.Described()
			out := cmd.OutOrStdout()
			if showTrace {
				traceOut := out
				if asJSON {
					traceOut = cmd.ErrOrStderr()
				}
				if err := sim.WriteTrace(traceOut, r.Trace); err != nil {
					return err
				}
			}
			if asJSON {
				if err := json.NewEncoder(out).Encode(r); err != nil {
					return err
				}
			} else {
				printResult(out, r)
			}
			// The verdict is out; the files come after it, and a file that
			// still cannot be written exits 2, never 1.
			if vizPath != "" {
				if err := scenarios.WriteViz(r, vizPath); err != nil {
					return writeError{fmt.Errorf("--viz: %w", err)}
				}
			}
			if reportTo != "" {
				if err := report.WriteFile(reportTo, report.FromResult(r)); err != nil {
					return writeError{fmt.Errorf("--report: %w", err)}
				}
			}
			if r.Failed() && artifacts != "" {
				a, err := campaign.WriteArtifacts(r, artifacts)
				if err != nil {
					return writeError{fmt.Errorf("--artifacts: %w", err)}
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "artifacts: %s\n", a.Dir)
			}
			if r.Failed() {
				return errFailureFound
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&spec.Scenario, "scenario", "", "scenario to run (see 'kvsim scenarios')")
	f.Uint64Var(&spec.Seed, "seed", 0, "seed of the run")
	f.StringVar(&spec.Faults, "faults", "", "fault profile (default: the scenario's own)")
	f.StringVar(&spec.Impl, "impl", kvsim.ReferenceName, "implementation: reference or zoo/NAME")
	f.StringVar(&spec.Strategy, "strategy", "", strategyUsage)
	f.BoolVar(&asJSON, "json", false, "print the result as one JSON object")
	f.BoolVar(&showTrace, "trace", false, "print the trace of every scheduler and network event")
	f.StringVar(&vizPath, "viz", "", "write porcupine's HTML visualization of the history to `FILE`")
	f.StringVar(&artifacts, "artifacts", "", "on failure, write trace, history, visualization and report under `DIR`")
	f.DurationVar(&timeout, "run-timeout", campaign.DefaultRunTimeout, "report the run stuck when it has not returned after this much wall time (a SUT spinning or blocked outside simulator calls)")
	f.StringVar(&reportTo, "report", "", "write the run's one-page HTML report to `FILE`")
	return cmd
}

// strategyUsage documents --strategy for run and campaign.
const strategyUsage = "how the seed chooses its run: random (default), priority[:d=DEPTH,k=STEPS] (PCT-style), or replay:CHOICES (a run kvsim explore found)"

func printResult(w io.Writer, r scenarios.Result) {
	fmt.Fprintln(w, r.Summary())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  fault model\t%s\n", r.FaultModel)
	if r.Workload != "" {
		fmt.Fprintf(tw, "  workload\t%s\n", r.Workload)
	}
	fmt.Fprintf(tw, "  trace hash\t%s\n", r.TraceHash)
	fmt.Fprintf(tw, "  ops, rpcs\t%d, %d\n", r.Ops, r.RPCs)
	fmt.Fprintf(tw, "  simulated time\t%.3fs\n", float64(r.SimTimeNS)/1e9)
	tw.Flush()
	if r.Stack != "" {
		fmt.Fprintf(w, "  stack:\n%s\n", r.Stack)
	}
	if r.Hint != "" {
		fmt.Fprintf(w, "hint: %s\n", r.Hint)
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "warning: %s (x%d): %s\n", warn.Name, warn.Count, warn.Text)
	}
	if r.Output != "" {
		fmt.Fprintf(w, "output of the implementation (last %d lines; artifacts keep it all):\n%s", outputLines, tailLines(r.Output, outputLines))
	}
	if r.Failed() {
		fmt.Fprintf(w, "repro: %s\n", r.Run)
		if r.GoTest != "" {
			fmt.Fprintf(w, "       %s\n", r.GoTest)
		}
		if r.Shrink != "" {
			fmt.Fprintf(w, "shrink: %s\n", r.Shrink)
		}
	}
}

func newScenariosCmd(cat campaign.Catalogue) *cobra.Command {
	return &cobra.Command{
		Use:   "scenarios",
		Short: "List scenarios, fault profiles and implementations",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "SCENARIO\tDEFAULT FAULTS\tWHAT IT DOES")
			for _, s := range cat.Scenarios {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, s.DefaultFaults, s.Doc)
			}
			fmt.Fprintln(tw, "\nPROFILE\t\tFAULTS")
			for _, p := range cat.Profiles {
				fmt.Fprintf(tw, "%s\t\t%s\n", p.Name, p.Doc)
			}
			var impls []string
			for _, im := range cat.Impls {
				if !strings.HasPrefix(im.Name, zoo.Prefix) {
					impls = append(impls, im.Name)
				}
			}
			fmt.Fprintf(tw, "\nIMPLEMENTATIONS: %s, and the bug zoo ('kvsim zoo')\n", strings.Join(impls, ", "))
			return tw.Flush()
		},
	}
}

// outputLines is how much of an implementation's output a failure shows in
// the terminal.
const outputLines = 20

// tailLines is the last n lines of s, each indented, ending in a newline.
func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	lines = lines[max(0, len(lines)-n):]
	return "  | " + strings.Join(lines, "\n  | ") + "\n"
}
