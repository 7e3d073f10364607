package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kvsim/kvsim/raft/raftcheck"
	"github.com/kvsim/kvsim/raft/scenario"
	"github.com/kvsim/kvsim/sim"
)

// RaftRun is what a Raft report shows: one run of a Raft scenario
// (package raft/scenario), its identity, outcome, trace and the events
// its checks saw. FromRaft fills it from a traced scenario.Result.
type RaftRun struct {
	Scenario string
	Seed     uint64
	Impl     string // the Raft: "reference", or a course folder
	Profile  string // the network profile's name
	Faults   string // the fault model in force
	Servers  int
	// Verdict is "ok", "violation" (a check's, Violation says which),
	// or how else the run failed ("stuck", "panic", "fail").
	Verdict   string
	Failure   string // the failure in one line, "" if the run passed
	Violation *raftcheck.Violation
	TraceHash string
	Time      time.Duration // virtual time the run took
	RPCs      int
	// Repro is the line that replays the run.
	Repro  string
	Output string // what the Raft printed, if anything was kept
	Trace  []sim.Record
	Events []raftcheck.Event
}

// FromRaft builds a report's RaftRun from a result of a run made with
// scenario.Config.Trace set (without it, the lanes are empty), of the
// Raft impl, replayed by the line repro.
func FromRaft(r scenario.Result, impl, repro string) RaftRun {
	run := RaftRun{
		Scenario: r.Scenario, Seed: r.Seed, Impl: impl, Profile: r.Profile, Faults: r.Faults, Servers: r.Servers,
		Failure: r.Failure, Violation: r.Violation, Time: r.Time, RPCs: r.RPCs, Repro: repro,
		Trace: r.Trace, Events: r.Events,
	}
	if r.Hash != 0 || len(r.Trace) > 0 {
		run.TraceHash = fmt.Sprintf("%016x", r.Hash)
	}
	switch {
	case !r.Failed():
		run.Verdict = "ok"
	case r.Violation != nil:
		run.Verdict = "violation"
	case r.Status != sim.Done:
		run.Verdict = r.Status.String()
	default:
		run.Verdict = "fail"
	}
	return run
}

//go:embed raft.html.tmpl
var raftTemplate string

//go:embed raft.css
var raftCSS string

//go:embed raft.js
var raftJS string

var raftPage = template.Must(template.New("raft").Parse(raftTemplate))

// raftView is what the Raft template fills in.
type raftView struct {
	Run      RaftRun
	Failed   bool
	Check    string // the violated check's name
	What     string // the violation in words
	Where    string // when and where it happened
	Counts   string // messages, by method
	Prelude  template.JS
	CSS      template.CSS
	JS       template.JS
	Data     template.JS
	Duration string
}

// WriteRaft writes run's report to w: the page of package report, drawn
// for Raft (raft.html.tmpl and raft.js, with the key/value page's CSS,
// error capture and self-test).
func WriteRaft(w io.Writer, run RaftRun) error {
	d := buildRaft(run)
	js, err := encodeJSON(d)
	if err != nil {
		return err
	}
	v := raftView{
		Run:      run,
		Failed:   run.Verdict != "" && run.Verdict != "ok",
		Prelude:  template.JS(prelude),
		CSS:      template.CSS(pageCSS + raftCSS),
		JS:       template.JS(raftJS),
		Data:     js,
		Counts:   d.counts(),
		Duration: run.Time.String(),
	}
	if x := run.Violation; x != nil {
		v.Check, v.What = x.Check, x.What
		v.Where = "at " + x.At.String()
		if x.Server >= 0 {
			v.Where += fmt.Sprintf(", on s%d", x.Server)
		}
		if x.Term >= 0 {
			v.Where += fmt.Sprintf(", term %d", x.Term)
		}
		if x.Index >= 0 {
			v.Where += fmt.Sprintf(", index %d", x.Index)
		}
	}
	return raftPage.Execute(w, v)
}

// WriteRaftFile writes run's report to a file at path.
func WriteRaftFile(path string, run RaftRun) error {
	var b bytes.Buffer
	if err := WriteRaft(&b, run); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// RaftArtifacts are the files WriteRaftArtifacts writes.
type RaftArtifacts struct {
	Dir, Trace, Report string
	Output             string // what the Raft printed, if anything
}

// WriteRaftArtifacts writes a failing Raft run's artifacts under dir, in
// a directory of its own named after scenario, seed and implementation:
// the trace (trace.txt, headed by the failure and the repro line), what
// the Raft printed (output.txt, if anything) and report.html.
func WriteRaftArtifacts(run RaftRun, dir string) (RaftArtifacts, error) {
	if run.Trace == nil {
		return RaftArtifacts{}, fmt.Errorf("report: WriteRaftArtifacts: the run has no trace (run with Config.Trace)")
	}
	impl := strings.NewReplacer("/", "_", string(filepath.Separator), "_").Replace(filepath.Base(run.Impl))
	a := RaftArtifacts{Dir: filepath.Join(dir, fmt.Sprintf("%s-%d-%s", run.Scenario, run.Seed, impl))}
	if err := os.MkdirAll(a.Dir, 0o755); err != nil {
		return a, err
	}
	a.Trace, a.Report = filepath.Join(a.Dir, "trace.txt"), filepath.Join(a.Dir, "report.html")
	var b strings.Builder
	fmt.Fprintf(&b, "# %s seed %d (%s, %d servers, %s): %s\n# %s\n", run.Scenario, run.Seed, run.Profile, run.Servers, run.Faults, run.Failure, run.Repro)
	if err := sim.WriteTrace(&b, run.Trace); err != nil {
		return a, err
	}
	if err := os.WriteFile(a.Trace, []byte(b.String()), 0o644); err != nil {
		return a, err
	}
	if run.Output != "" {
		a.Output = filepath.Join(a.Dir, "output.txt")
		if err := os.WriteFile(a.Output, []byte(run.Output), 0o644); err != nil {
			return a, err
		}
	}
	return a, WriteRaftFile(a.Report, run)
}
