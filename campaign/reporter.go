package campaign

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/report"
	"github.com/kvsim/kvsim/scenarios"
)

// Reporter is the one way a failure is reported, whichever front door
// found it (the command line's run, campaign and explore, go test through
// kvsimtest, a course folder through kvsim lab): the same lines, the
// repro lines of the catalogue that resolved the run, and the same
// artifacts, report.html among them, written from a traced replay made by
// the executor that made the run.
type Reporter struct {
	// Catalogue resolved the runs: its Repro writes their repro lines.
	Catalogue Catalogue
	// Executor made the runs and replays a failure, traced, for its
	// artifacts; nil means InProcess.
	Executor Executor
	// Artifacts, if set, is the directory under which each failure's
	// artifacts go.
	Artifacts string
	// Timeout bounds a replay in wall time; 0 means DefaultRunTimeout.
	Timeout time.Duration
}

// Report prints the failure r as Print does and, given Artifacts, replays
// it traced to write its artifacts and says where they are. It returns
// what the replay wrote, with r's repro lines.
func (rep Reporter) Report(ctx context.Context, w io.Writer, r scenarios.Result) report.Written {
	r.Repro = rep.Catalogue.ReproOf(r)
	rep.Print(w, r)
	out := report.Written{Result: r}
	switch {
	case rep.Artifacts == "":
		return out
	case r.TraceHash == "":
		// Only a guard makes results without a hash.
		fmt.Fprintf(w, "artifacts: none: the run never finished (%s outside the simulator), so it has no trace\n", r.Verdict)
		return out
	}
	replay, err := executorOr(rep.Executor).Traced(ctx, r.Config(), rep.Timeout, report.Outputs{Artifacts: rep.Artifacts, Repro: r.Repro})
	switch {
	case err != nil:
		fmt.Fprintf(w, "artifacts: none: the replay did not finish: %v\n", err)
		return out
	case replay.Result.TraceHash == "":
		fmt.Fprintf(w, "artifacts: none: the replay never finished (%s outside the simulator), so it has no trace\n", replay.Result.Verdict)
		return out
	case replay.Result.TraceHash != r.TraceHash:
		fmt.Fprintf(w, "warning: the replay's trace hash %s differs from the first run's %s: the run is not deterministic\n", replay.Result.TraceHash, r.TraceHash)
	}
	PrintWritten(w, replay)
	return replay
}

// PrintWritten says where a traced run's artifacts went, or why they did
// not.
func PrintWritten(w io.Writer, written report.Written) {
	if written.Err != "" {
		fmt.Fprintf(w, "artifacts: %s\n", written.Err)
	}
	if a := written.Artifacts; a.Dir != "" {
		fmt.Fprintf(w, "artifacts: %s\n", a.Dir)
		if a.Report != "" {
			fmt.Fprintf(w, "report: %s\n", a.Report)
		}
	}
}

// Print prints r: its summary, fault model, workload, trace hash and
// size, then its stack, hint, warnings and output, and for a failure the
// lines that replay and shrink it (r's own, or the catalogue's).
func (rep Reporter) Print(w io.Writer, r scenarios.Result) {
	if r.Failed() && r.Run == "" {
		r.Repro = rep.Catalogue.ReproOf(r)
	}
	r = r.Described()
	fmt.Fprintln(w, r.Summary())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  fault model\t%s\n", r.FaultModel)
	if r.Workload != "" {
		fmt.Fprintf(tw, "  workload\t%s\n", r.Workload)
	}
	fmt.Fprintf(tw, "  trace hash\t%s\n", r.TraceHash)
	fmt.Fprintf(tw, "  ops, rpcs\t%d, %d\n", r.Ops, r.RPCs)
	fmt.Fprintf(tw, "  simulated time\t%.3fs\n", float64(r.SimTimeNS)/1e9)
	if r.Failed() {
		fmt.Fprintf(tw, "  kvsim\t%s\n", kvsim.Version())
	}
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

// outputLines is how much of an implementation's output a failure shows in
// the terminal.
const outputLines = 20

// tailLines is the last n lines of s, each indented, ending in a newline.
func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	lines = lines[max(0, len(lines)-n):]
	return "  | " + strings.Join(lines, "\n  | ") + "\n"
}

// ReproOf is the lines that replay r (ReproFor its Spec), or, when its
// entropy came from rapid or a fuzzer, which no Spec names, the note that
// only the go test command that found it replays it.
func (c Catalogue) ReproOf(r scenarios.Result) kvsim.Repro {
	if r.Config().Entropy != nil {
		return kvsim.Repro{Run: "this run's entropy came from rapid or a fuzzer: replay it with the go test command that reported it"}
	}
	return c.ReproFor(r.Spec)
}

// ReproFor is the lines that replay the run s names: the catalogue's
// Repro, the kvsim command line's by default.
func (c Catalogue) ReproFor(s kvsim.Spec) kvsim.Repro {
	if c.Repro == nil {
		return cliRepro(s)
	}
	return c.Repro(s)
}

// cliRepro is the Repro of an implementation the kvsim command line knows
// by name (the reference and the zoo).
func cliRepro(s kvsim.Spec) kvsim.Repro {
	var flags, args strings.Builder
	for _, f := range s.Flags() {
		fmt.Fprintf(&flags, " --%s %s", f[0], f[1])
		fmt.Fprintf(&args, " -%s=%s", f[0], f[1])
	}
	shrink := fmt.Sprintf("go test ./campaign -run TestShrink -v -args -scenario=%s -faults=%s -impl=%s",
		s.Scenario, cmp.Or(s.Faults, scenarios.SwarmName), s.Impl)
	return kvsim.Repro{
		Run:    "kvsim run" + flags.String(),
		GoTest: "go test ./campaign -run TestReplay -args" + args.String(),
		Shrink: shrink,
	}
}
