package cli

import (
	"fmt"
	"io"

	"github.com/kvsim/kvsim/report"
	"github.com/kvsim/kvsim/worker"
)

// raftOutputs are what a raft1 folder's run writes besides its verdict:
// --report FILE, the run's one-page Raft report, and --artifacts DIR, a
// failure's trace, output and report.html (package report, WriteRaft and
// WriteRaftArtifacts). The worker sends the trace back with the result;
// the report is written here.
type raftOutputs struct {
	impl     string // the folder
	reportTo string
	artifact string
}

// check refuses paths that cannot be written before any run.
func (o raftOutputs) check() error {
	return checkOutputs(output{"--report", o.reportTo, false}, output{"--artifacts", o.artifact, true})
}

// traced reports whether a single run must be traced for them.
func (o raftOutputs) traced() bool { return o.reportTo != "" || o.artifact != "" }

// write writes resp's report, if asked, and for a failure its artifacts,
// saying where they went on w. resp must come from a traced run.
func (o raftOutputs) write(w io.Writer, resp *worker.RaftResponse, repro string) error {
	run := report.FromRaft(resp.Result, o.impl, repro)
	run.Output = resp.Output
	var errs []error
	if o.reportTo != "" {
		if err := report.WriteRaftFile(o.reportTo, run); err != nil {
			errs = append(errs, fmt.Errorf("--report: %w", err))
		} else {
			fmt.Fprintf(w, "report: %s\n", o.reportTo)
		}
	}
	if o.artifact != "" && resp.Result.Failed() {
		a, err := report.WriteRaftArtifacts(run, o.artifact)
		if err != nil {
			errs = append(errs, fmt.Errorf("--artifacts: %w", err))
		} else {
			fmt.Fprintf(w, "artifacts: %s\nreport: %s\n", a.Dir, a.Report)
		}
	}
	for _, err := range errs {
		fmt.Fprintf(w, "kvsim lab: %v\n", err)
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}
