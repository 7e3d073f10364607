package lab_test

import (
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRaftReport: a failing run of a raft1 folder (the zoo's
// apply-under-lock-out-of-order, caught by state machine safety) writes
// its one-page Raft report with --report, made from the trace the worker
// sends back: a lane per server, the violation in words and the repro
// line. A campaign with --artifacts writes each failure's trace and
// report.html.
func TestRaftReport(t *testing.T) {
	dir := raftFolder(t, "apply-under-lock-out-of-order")
	out := t.TempDir()
	code, stdout, errOut := kvsim(t, "lab", "--dir", dir, "--scenario", "unreliable-agree", "--seeds", "2", "--parallel", "2", "--artifacts", out)
	fs := failures(t, stdout)
	if code != 1 || len(fs) == 0 {
		t.Fatalf("exit %d, want 1 with failures; output:\n%s%s", code, stdout, errOut)
	}
	arts, _ := filepath.Glob(filepath.Join(out, "unreliable-agree-*", "report.html"))
	traces, _ := filepath.Glob(filepath.Join(out, "unreliable-agree-*", "trace.txt"))
	if len(arts) != 1 || len(traces) != 1 || !strings.Contains(stdout, "report: "+arts[0]) {
		t.Errorf("artifacts %v %v, want one report.html and trace.txt, named in the output:\n%s", arts, traces, stdout)
	}

	path := filepath.Join(t.TempDir(), "report.html")
	args := append(strings.Fields(fs[0].repro)[1:], "--report", path)
	code, stdout, errOut = kvsim(t, args...)
	if code != 1 || !strings.Contains(stdout, "report: "+path) {
		t.Fatalf("%v: exit %d, want 1 and the report named; output:\n%s%s", args, code, stdout, errOut)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{
		`"lanes":["s0","s1","s2","s3","s4"]`,
		`<span id="check">state-machine-safety</span>`,
		`<p id="what">applied index`,
		`<code id="repro">` + html.EscapeString(fs[0].repro) + `</code>`,
		`<td id="verdict">violation</td>`,
		`"msgs":[[`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %s", want)
		}
	}
}
