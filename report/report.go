package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/models"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/sim"
)

// Run is what a report shows: one run's identity, outcome, trace and
// histories. FromResult fills it from a traced scenarios.Result; a
// harness of another kind can fill it directly.
type Run struct {
	Scenario   string
	Seed       uint64
	Impl       string
	Faults     string // the fault profile's name
	FaultModel string // the fault model in force (the drawn one, for swarm)
	Strategy   string // the exploration strategy; "" is uniform random
	Workload   string // the drawn workload; "" means a summary of the history
	Verdict    string
	Reason     string
	Stack      string // the panicking goroutine's stack, for a panic
	TraceHash  string
	// The lines that replay the run, run it under go test, and shrink it.
	Repro, GoTest, Shrink string

	Server  string   // the server's endpoint name in the trace
	Clients []string // client names by models.KVOp.Client
	Trace   []sim.Record
	KV      []models.KVOp
	KVCheck models.CheckResult // the check of KV, for the core and the model's states
	Locks   []models.LockOpRecord
	// Core, if set, is the checker's minimal violating core (indices into
	// KV) and CoreReason its explanation; otherwise the report shows
	// KVCheck's own (models.CheckResult.Explain).
	Core       []int
	CoreReason string

	// PorcupineLink, if set, is the address (relative to the report) of
	// porcupine's visualization of KV, which the report then links to
	// instead of embedding its own copy.
	PorcupineLink string
	// NoPorcupine leaves porcupine's visualization out: for a failure that
	// is not the history's (a lock's, a stuck run's), whose artifacts keep
	// their size for what the failure is about.
	NoPorcupine bool
}

// FromResult builds a report's Run from a result of a run made with
// scenarios.Config.Trace set (without it, the diagram is empty).
func FromResult(r scenarios.Result) Run {
	var core []int
	var coreReason string
	if r.KVCheck.Verdict == models.Violation {
		core, coreReason = r.KVCheck.Core, r.KVCheck.Reason
	}
	return Run{
		Core: core, CoreReason: coreReason,
		Scenario: r.Scenario, Seed: r.Seed, Impl: r.Impl,
		Faults: r.Faults, FaultModel: r.FaultModel,
		Verdict: string(r.Verdict), Reason: r.Reason, Stack: r.Stack, TraceHash: r.TraceHash,
		Strategy: r.Strategy, Workload: r.Workload,
		Repro: r.Run, GoTest: r.GoTest, Shrink: r.Shrink,
		Server: kvsim.ServerName, Clients: r.Clients,
		Trace: r.Trace, KV: r.KVHistory, KVCheck: r.KVCheck, Locks: r.LockHist,
	}
}

//go:embed page.html.tmpl
var pageTemplate string

//go:embed page.css
var pageCSS string

//go:embed page.js
var pageJS string

// prelude runs before anything else on the page, so that the self-test
// sees every script error, including those of the page's own script.
const prelude = `window.kvsimErrors = [];
window.addEventListener("error", function (e) { window.kvsimErrors.push(String(e.message || e)); });
(function () { var ce = console.error; console.error = function () { window.kvsimErrors.push(Array.prototype.join.call(arguments, " ")); return ce.apply(console, arguments); }; })();`

var page = template.Must(template.New("report").Parse(pageTemplate))

// view is what the template fills in.
type view struct {
	Run        Run
	Workload   string
	Failed     bool
	CoreReason string
	CoreOps    []coreOp
	Lock       *lockView
	Prelude    template.JS
	CSS        template.CSS
	JS         template.JS
	Data       template.JS
}

type coreOp struct {
	I     int
	Label string
	When  string
}

// embedLimit is the largest history whose porcupine visualization Write
// embeds in the report; past it the visualization, about 185 bytes an
// operation, would double the report's size. WriteFile then writes it
// beside the report and links it.
const embedLimit = 2000

// Write writes run's report to w.
func Write(w io.Writer, run Run) error {
	d := build(run)
	if run.PorcupineLink == "" && !run.NoPorcupine && len(run.KV) > 0 && len(run.KV) <= embedLimit {
		var b bytes.Buffer
		if err := run.KVCheck.Visualize(&b, nil); err == nil {
			d.Porcupine = b.String()
		}
	}
	js, err := encodeData(d)
	if err != nil {
		return err
	}
	v := view{
		Run:      run,
		Workload: run.Workload,
		Failed:   run.Verdict != "" && run.Verdict != string(kvsim.OK),
		Prelude:  template.JS(prelude),
		CSS:      template.CSS(pageCSS),
		JS:       template.JS(pageJS),
		Data:     js,
	}
	if v.Workload == "" {
		v.Workload = workload(run)
	}
	v.CoreReason = d.CoreReason
	for _, i := range d.Core {
		op := run.KV[i]
		v.CoreOps = append(v.CoreOps, coreOp{I: i, Label: d.Ops[i].Label, When: interval(op)})
	}
	if d.Lock != nil {
		v.Lock = newLockView(run, d)
	}
	return page.Execute(w, v)
}

// WriteFile writes run's report to a file at path. A history too large to
// embed porcupine's visualization (over 2,000 operations, which would
// double the report's size) gets it in a second file, path with
// .porcupine.html for its extension, unless run links one.
func WriteFile(path string, run Run) error {
	if run.PorcupineLink == "" && !run.NoPorcupine && len(run.KV) > embedLimit {
		viz := strings.TrimSuffix(path, filepath.Ext(path)) + ".porcupine.html"
		if err := run.KVCheck.VisualizeFile(viz, nil); err != nil {
			return err
		}
		run.PorcupineLink = filepath.Base(viz)
	}
	var b bytes.Buffer
	if err := Write(&b, run); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// workload summarizes the history: how many clients did what, on which keys.
func workload(run Run) string {
	clients := map[int]bool{}
	var keys []string
	for _, op := range run.KV {
		clients[op.Client] = true
		if !slices.Contains(keys, op.Input.Key) {
			keys = append(keys, op.Input.Key)
		}
	}
	for _, op := range run.Locks {
		clients[op.Client] = true
	}
	slices.Sort(keys)
	s := fmt.Sprintf("%d clients, %d key/value ops", len(clients), len(run.KV))
	switch {
	case len(keys) > 8:
		s += fmt.Sprintf(" on %d keys", len(keys))
	case len(keys) > 0:
		s += " on " + plural(len(keys), "key") + " " + strings.Join(keys, ", ")
	}
	if len(run.Locks) > 0 {
		s += fmt.Sprintf(", %d lock ops", len(run.Locks))
	}
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return what
	}
	return what + "s"
}

func interval(op models.KVOp) string {
	ret := "?"
	if !op.Output.Unknown {
		ret = ms(op.Return)
	}
	return "[" + ms(op.Call) + ", " + ret + "]"
}

func ms(ns int64) string { return fmt.Sprintf("%.3fms", float64(ns)/1e6) }
