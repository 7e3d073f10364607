package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/report"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/zoo"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// runFlags are the flags of one run's outputs, kvsim run's and kvsim
// lab's.
type runFlags struct {
	asJSON, showTrace            bool
	vizPath, artifacts, reportTo string
	timeout                      time.Duration
}

// registerOutputs registers the outputs only a run has.
func (rf *runFlags) registerOutputs(f *pflag.FlagSet) {
	f.BoolVar(&rf.asJSON, "json", false, "print the result as one JSON object")
	f.BoolVar(&rf.showTrace, "trace", false, "print the trace of every scheduler and network event")
	f.StringVar(&rf.vizPath, "viz", "", "write porcupine's HTML visualization of the history to `FILE`")
	f.StringVar(&rf.reportTo, "report", "", "write the run's one-page HTML report to `FILE`")
}

// check refuses what cannot work before the run: a path that cannot be
// written would turn a pass into an error after it.
func (rf *runFlags) check() error {
	if rf.timeout <= 0 {
		return usagef("--run-timeout must be positive")
	}
	return checkOutputs(output{"--viz", rf.vizPath, false}, output{"--report", rf.reportTo, false}, output{"--artifacts", rf.artifacts, true})
}

func newRunCmd(e edge) *cobra.Command {
	var (
		spec kvsim.Spec
		rf   runFlags
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
			cfg, err := e.cat.Resolve(spec)
			if err != nil {
				return usageError{err}
			}
			if err := rf.check(); err != nil {
				return err
			}
			return runTraced(cmd, e, cfg, rf, nil)
		},
	}
	f := cmd.Flags()
	f.StringVar(&spec.Scenario, "scenario", "", "scenario to run (see 'kvsim scenarios')")
	f.Uint64Var(&spec.Seed, "seed", 0, "seed of the run")
	f.StringVar(&spec.Faults, "faults", "", "fault profile (default: the scenario's own)")
	f.StringVar(&spec.Impl, "impl", kvsim.ReferenceName, "implementation: reference or zoo/NAME")
	f.StringVar(&spec.Strategy, "strategy", "", strategyUsage)
	rf.registerOutputs(f)
	f.StringVar(&rf.artifacts, "artifacts", "", "on failure, write trace, history, visualization and report under `DIR`")
	f.DurationVar(&rf.timeout, "run-timeout", campaign.DefaultRunTimeout, "report the run stuck when it has not returned after this much time (a SUT spinning or blocked outside simulator calls): wall time, or, for a lab folder's run on Linux, processor time, so that a slow run on a loaded machine is not taken for a stuck one")
	return cmd
}

// runTraced makes cfg's run through e's executor, guarded (a SUT that
// panics in a constructor or spins outside the simulator, a student's
// say, is a reported failure, not a crash or a hang) and traced when an
// output asks, and prints it: the trace, the result (as JSON, or as the
// failure reporter prints it) and where the files went. first, if set,
// sees the result before anything is printed, and may end the command.
func runTraced(cmd *cobra.Command, e edge, cfg scenarios.Config, rf runFlags, first func(r scenarios.Result, head io.Writer) error) error {
	outs := report.Outputs{Artifacts: rf.artifacts, Report: rf.reportTo, Viz: rf.vizPath, Trace: rf.showTrace, Repro: e.cat.ReproFor(cfg.Spec())}
	written, err := e.ex.Traced(cmd.Context(), cfg, rf.timeout, outs)
	if err != nil {
		return err
	}
	r := written.Result.Described()
	out := cmd.OutOrStdout()
	aside := out // what is not the result, when the result is JSON
	if rf.asJSON {
		aside = cmd.ErrOrStderr()
	}
	if first != nil {
		if err := first(r, aside); err != nil {
			return err
		}
	}
	if rf.showTrace {
		if _, err := io.WriteString(aside, written.Trace); err != nil {
			return err
		}
	}
	if rf.asJSON {
		if err := json.NewEncoder(out).Encode(r); err != nil {
			return err
		}
	} else {
		e.reporter("").Print(out, r)
	}
	// The verdict is out; where the files went comes after it, and a file
	// that could not be written exits 2, never 1.
	campaign.PrintWritten(cmd.ErrOrStderr(), report.Written{Artifacts: written.Artifacts})
	if written.Err != "" {
		return writeError{errors.New(written.Err)}
	}
	if r.Failed() {
		return errFailureFound
	}
	return nil
}

// strategyUsage documents --strategy for run and campaign.
const strategyUsage = "how the seed chooses its run: random (default), priority[:d=DEPTH,k=STEPS] (PCT-style), or replay:CHOICES (a run kvsim explore found)"

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
