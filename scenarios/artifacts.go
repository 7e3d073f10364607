package scenarios

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/anishathalye/porcupine"
	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/models"
	"github.com/kvsim/kvsim/sim"
)

// Artifacts are the files written for a failed run.
type Artifacts struct {
	Dir     string
	Result  string // result.json
	Trace   string // trace.txt: every scheduler and network event
	History string // history.txt: the key/value history as text
	Viz     string // history.html: porcupine's visualization, annotated with faults, when the history is what failed
	LockViz string // lock.html, when the run used the lock
	Report  string // report.html, when campaign.WriteArtifacts wrote it
	Output  string // output.txt, what the implementation printed, when kept
}

// WriteArtifacts writes r's artifacts under dir/<scenario>-<seed>-<impl>/.
// r must come from a run with Config.Trace set.
func WriteArtifacts(r Result, dir string) (Artifacts, error) {
	if r.Trace == nil {
		return Artifacts{}, fmt.Errorf("scenarios: WriteArtifacts: the result has no trace (run with Config.Trace)")
	}
	name := fmt.Sprintf("%s-%d-%s", r.Scenario, r.Seed, strings.ReplaceAll(r.Impl, "/", "_"))
	a := Artifacts{Dir: filepath.Join(dir, name)}
	if err := os.MkdirAll(a.Dir, 0o755); err != nil {
		return a, err
	}
	path := func(file string) string { return filepath.Join(a.Dir, file) }
	a.Result, a.Trace, a.History = path("result.json"), path("trace.txt"), path("history.txt")

	// The kvsim that made the run: its repro lines replay it with that
	// kvsim only.
	js, err := json.MarshalIndent(struct {
		Result
		Kvsim string `json:"kvsim"`
	}{r, kvsim.Version()}, "", "  ")
	if err != nil {
		return a, err
	}
	if err := os.WriteFile(a.Result, append(js, '\n'), 0o644); err != nil {
		return a, err
	}
	var trace strings.Builder
	fmt.Fprintf(&trace, "# %s\n# %s\n# faults: %s\n", r.Summary(), r.Run, r.FaultModel)
	if err := sim.WriteTrace(&trace, r.Trace); err != nil {
		return a, err
	}
	if err := os.WriteFile(a.Trace, []byte(trace.String()), 0o644); err != nil {
		return a, err
	}
	history := models.FormatKV(r.KVHistory)
	if r.config.Profile.Delivery == AtLeastOnce {
		history = "# at-least-once delivery: a Put that returned ErrVersion may have been applied (a duplicate of it may have been); the run's check read it as ErrMaybe\n" + history
	}
	if err := os.WriteFile(a.History, []byte(history), 0o644); err != nil {
		return a, err
	}
	if r.Output != "" {
		a.Output = path("output.txt")
		if err := os.WriteFile(a.Output, []byte(r.Output), 0o644); err != nil {
			return a, err
		}
	}
	// Porcupine's picture is of the key/value history: worth its size (as
	// much as the trace) when the history is what failed, not for a
	// failure of the lock or of liveness, nor for a run whose history was
	// never checked (it panicked).
	if r.KVCheck.Checker != "" && r.KVCheck.Verdict != models.Ok {
		a.Viz = path("history.html")
		if err := WriteViz(r, a.Viz); err != nil {
			return a, err
		}
	}
	if r.LockCheck != nil {
		a.LockViz = path("lock.html")
		if err := r.LockCheck.VisualizeFile(a.LockViz, faultAnnotations(r)); err != nil {
			return a, err
		}
	}
	return a, nil
}

// WriteViz writes porcupine's visualization of r's key/value history to
// path, annotated with the faults of r's trace (none if r was not traced).
func WriteViz(r Result, path string) error {
	return r.KVCheck.VisualizeFile(path, faultAnnotations(r))
}

// faultAnnotations turns the trace's fault events into porcupine
// annotations: message faults on the row of the client they hit, partitions
// and pauses on a row of their own.
func faultAnnotations(r Result) []porcupine.Annotation {
	client := map[string]int{}
	for i, name := range r.Clients {
		client[name] = i
	}
	var notes []porcupine.Annotation
	for _, rec := range r.Trace {
		if !rec.Kind.IsFault() && rec.Kind != sim.RecHeal && rec.Kind != sim.RecResume && rec.Kind != sim.RecTimeout {
			continue
		}
		at := int64(rec.At)
		desc := rec.Kind.String()
		if rec.Call != 0 {
			desc = fmt.Sprintf("%s #%d", desc, rec.Call)
		}
		note := porcupine.Annotation{Start: at, End: at, Description: desc, Details: rec.String(), BackgroundColor: "#f7d7d7"}
		if id, ok := client[rec.Proc]; ok && rec.Call != 0 {
			note.ClientId = id
		} else {
			note.Tag = "network"
			note.BackgroundColor = "#d7e3f7"
		}
		notes = append(notes, note)
	}
	return notes
}
