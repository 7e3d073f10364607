package report

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/sim"
)

// Outputs are what a traced run writes besides its result: the files the
// command line's --artifacts, --report and --viz name, and the trace's
// text for --trace. Every front door asks for them here, and whoever makes
// the traced run writes them (WriteOutputs): this process, or the worker
// process that runs a course folder's code.
type Outputs struct {
	// Artifacts, if set, is the directory under which a failure's
	// artifacts go (WriteArtifacts); a run that passed writes none.
	Artifacts string
	// Report and Viz, if set, are files for the run's one-page report
	// and porcupine's visualization of its history.
	Report, Viz string
	// Trace keeps the trace's text (Written.Trace).
	Trace bool
	// Repro is the lines that replay the run, written into its files: the
	// front door that resolved the run knows them (campaign.Catalogue).
	Repro kvsim.Repro
}

// Any reports whether o asks for anything, that is for a traced run.
func (o Outputs) Any() bool { return o.Artifacts != "" || o.Report != "" || o.Viz != "" || o.Trace }

// Written is a traced run's result and what was written of it.
type Written struct {
	// Result is the run's result; made in another process, it lacks what
	// JSON does not carry (its trace and checked histories).
	Result scenarios.Result `json:"result"`
	// Artifacts are the failure's files, if Outputs.Artifacts asked.
	Artifacts scenarios.Artifacts `json:"artifacts"`
	// Trace is the trace's text, if Outputs.Trace asked.
	Trace string `json:"trace,omitempty"`
	// Err says which outputs could not be written, and why.
	Err string `json:"err,omitempty"`
}

// WriteOutputs writes o's outputs of r, which must come from a traced run,
// stamped with o.Repro. What cannot be written is reported in Written.Err,
// each output by the flag that names it.
func WriteOutputs(r scenarios.Result, o Outputs) Written {
	r.Repro = o.Repro
	w := Written{Result: r}
	var errs []error
	if o.Trace {
		var b strings.Builder
		errs = append(errs, sim.WriteTrace(&b, r.Trace))
		w.Trace = b.String()
	}
	if o.Viz != "" {
		if err := scenarios.WriteViz(r, o.Viz); err != nil {
			errs = append(errs, fmt.Errorf("--viz: %w", err))
		}
	}
	if o.Report != "" {
		if err := WriteFile(o.Report, FromResult(r)); err != nil {
			errs = append(errs, fmt.Errorf("--report: %w", err))
		}
	}
	if o.Artifacts != "" && r.Failed() {
		a, err := WriteArtifacts(r, o.Artifacts)
		w.Artifacts = a
		if err != nil {
			errs = append(errs, fmt.Errorf("--artifacts: %w", err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		w.Err = err.Error()
	}
	return w
}

// WriteArtifacts writes everything a failure comes with under dir: the
// trace, the history, porcupine's visualization when the history is what
// failed, and the result (scenarios.WriteArtifacts), and report.html, the
// one-page report that links to the visualization. r must come from a
// traced run. Every path that reports failures (the command line, the
// lab, kvsimtest) writes them here, so they all get the same files.
func WriteArtifacts(r scenarios.Result, dir string) (scenarios.Artifacts, error) {
	a, err := scenarios.WriteArtifacts(r, dir)
	if err != nil {
		return a, err
	}
	run := FromResult(r)
	if a.Viz != "" {
		run.PorcupineLink = filepath.Base(a.Viz)
	} else {
		run.NoPorcupine = true
	}
	a.Report = filepath.Join(a.Dir, "report.html")
	return a, WriteFile(a.Report, run)
}
