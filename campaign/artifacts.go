package campaign

import (
	"path/filepath"

	"github.com/kvsim/kvsim/report"
	"github.com/kvsim/kvsim/scenarios"
)

// WriteArtifacts writes everything a failure comes with under dir: the
// trace, the history, porcupine's visualization when the history is what
// failed, and the result (scenarios.WriteArtifacts), and report.html, the
// one-page report that links to the visualization. r must come from a traced run. Every path
// that reports failures (the command line, the lab, kvsimtest) writes them
// here, so they all get the same files.
func WriteArtifacts(r scenarios.Result, dir string) (scenarios.Artifacts, error) {
	a, err := scenarios.WriteArtifacts(r, dir)
	if err != nil {
		return a, err
	}
	run := report.FromResult(r)
	if a.Viz != "" {
		run.PorcupineLink = filepath.Base(a.Viz)
	} else {
		run.NoPorcupine = true
	}
	a.Report = filepath.Join(a.Dir, "report.html")
	return a, report.WriteFile(a.Report, run)
}
