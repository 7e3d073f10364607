package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvsim/kvsim/raft/ref"
	"github.com/kvsim/kvsim/raft/scenario"
)

// raftSelftest is what the Raft page's self-test writes.
type raftSelftest struct {
	OK       bool     `json:"ok"`
	Failures []string `json:"failures"`
	Errors   []string `json:"errors"`
	Events   int      `json:"events"`
	Messages int      `json:"messages"`
	RenderMS float64  `json:"renderMs"`
	FitMS    float64  `json:"fitMs"`
	Fit      struct {
		Visible int `json:"visible"`
		Drawn   int `json:"drawn"`
		Bundles int `json:"bundles"`
	} `json:"fit"`
}

// checkRaftPage writes run's report at path, opens it under #selftest in
// headless Chromium and fails t if the self-test fails or the page logs
// anything. It returns the verdict and the DOM after the self-test.
func checkRaftPage(t *testing.T, bin, path string, run RaftRun) (raftSelftest, string) {
	t.Helper()
	if err := WriteRaftFile(path, run); err != nil {
		t.Fatal(err)
	}
	dom, log := headless(t, bin, "--window-size=1400,1000", "--dump-dom", fileURL(path)+"#selftest")
	m := selftestRE.FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("the page wrote no self-test result (did its script fail?); log:\n%s", consoleLines(log))
	}
	var st raftSelftest
	if err := json.Unmarshal([]byte(unescapeText(m[1])), &st); err != nil {
		t.Fatalf("self-test result %q: %v", m[1], err)
	}
	if !st.OK {
		t.Errorf("self-test failed: %v; errors: %v", st.Failures, st.Errors)
	}
	if lines := consoleLines(log); lines != "" {
		t.Errorf("the page logged to the console:\n%s", lines)
	}
	return st, dom
}

// TestBrowserRaft renders, in headless Chromium, the report of a
// reference Raft that votes twice in a term (a 5-server swarm run)
// under #selftest: the header names the check and
// explains it, every server has its lane with roles drawn, the violation
// is drawn at its instant and a click on the header's link brings it into
// view and selects its record, a click on a message shows its trace line
// as sim formats it, and the arrow keys step. It saves a screenshot.
func TestBrowserRaft(t *testing.T) {
	bin := chromium(t)
	r := votedTwice(t)
	run := FromRaft(r, "reference (vote-twice)", raftRepro(r, "vote-twice"))
	dir := artifactDir(t)
	path := filepath.Join(dir, "raft-report.html")
	st, dom := checkRaftPage(t, bin, path, run)
	for _, want := range []string{`<span id="check">` + r.Violation.Check + `</span>`, `id="violation-line"`, `<pre id="traceline">`} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered DOM lacks %s", want)
		}
	}
	for _, l := range []string{"s0", "s1", "s2", "s3", "s4"} {
		if !strings.Contains(dom, `class="lane-name" x="4" y=`) || !strings.Contains(dom, ">"+l+"</text>") {
			t.Errorf("the rendered DOM has no lane %s", l)
		}
	}
	shot := filepath.Join(dir, "raft-report.png")
	headless(t, bin, "--hide-scrollbars", "--window-size=1400,1000", "--screenshot="+shot, fileURL(path))
	if fi, err := os.Stat(shot); err != nil || fi.Size() == 0 {
		t.Fatalf("no screenshot: %v", err)
	}
	t.Logf("%d events, %d messages, render %vms; report %s, screenshot %s", st.Events, st.Messages, st.RenderMS, path, shot)
}

// TestBrowserRaftAtScale: the report of a 5-server reference run of a
// few thousand messages under the course's unreliable network, crashes
// and partitions included, passes its self-test and, fitted to the
// width, bundles its messages into a few hundred strokes drawn quickly.
func TestBrowserRaftAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a large report; TestBrowserRaft covers the page")
	}
	bin := chromium(t)
	s, err := scenario.Named("unreliable-churn")
	if err != nil {
		t.Fatal(err)
	}
	r := scenario.Run(s, scenario.Config{Seed: 1, Make: ref.Make, Trace: true})
	if r.Failed() || r.Servers != 5 {
		t.Fatalf("want a passing 5-server run: %s", r.String())
	}
	run := FromRaft(r, "reference", "")
	d := buildRaft(run)
	if len(d.Msgs) < 2000 {
		t.Fatalf("%d messages, want a few thousand", len(d.Msgs))
	}
	path := filepath.Join(artifactDir(t), "raft-report-large.html")
	st, _ := checkRaftPage(t, bin, path, run)
	if st.Fit.Visible <= 600 || st.Fit.Bundles == 0 || st.Fit.Drawn+st.Fit.Bundles > 1300 {
		t.Errorf("fitted: %+v, want the messages bundled into at most about 1,300 strokes", st.Fit)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d messages, %d events, %s, render %vms, fit %vms (%+v)", r.String(), st.Messages, st.Events, fmt.Sprintf("%.1f MB", float64(fi.Size())/1e6), st.RenderMS, st.FitMS, st.Fit)
}

// TestBrowserRaftRuns runs the Raft page's self-test on reports of other
// kinds of run: snapshots installed across crashes, a partitioned
// leader rejoining, a flawed Raft's Figure 8.
func TestBrowserRaftRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a browser per run; TestBrowserRaft covers the page")
	}
	bin := chromium(t)
	for _, sc := range []string{"snapshot-all-crash", "rejoin"} {
		t.Run(sc, func(t *testing.T) {
			s, err := scenario.Named(sc)
			if err != nil {
				t.Fatal(err)
			}
			r := scenario.Run(s, scenario.Config{Seed: 1, Make: ref.Make, Trace: true})
			checkRaftPage(t, bin, filepath.Join(artifactDir(t), "raft-report-"+sc+".html"), FromRaft(r, "reference", ""))
		})
	}
	t.Run("figure8-count-old-terms", func(t *testing.T) {
		r := raftFailure(t, "count-old-terms", "figure8", 0, 300)
		checkRaftPage(t, bin, filepath.Join(artifactDir(t), "raft-report-figure8.html"), FromRaft(r, "reference (count-old-terms)", raftRepro(r, "count-old-terms")))
	})
}
