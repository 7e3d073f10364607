package report

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kvsim/kvsim"
)

// TestBrowserViolations opens, in headless Chromium, the reports a user
// finds hardest to read and saves a screenshot of each as it first
// appears (under $KVSIM_TEST_ARTIFACTS/report when set, which CI keeps):
// a lock's mutual exclusion broken, thirty clients, and a run of about 700
// operations. Besides the page's self-test (the violation's operations
// in view and marked at first, on open lanes; no two labels overlapping;
// the server lane and the axis in view when the lanes scroll; a click on
// a violating operation opening its lane and zooming to it), it checks
// what is shown first: the violation's lanes, the others folded, and
// messages bundled where they would be too dense to read.
func TestBrowserViolations(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the screenshots at scale take a browser several seconds each; TestBrowser covers the page")
	}
	bin := chromium(t)
	dir := artifactDir(t)
	for _, tc := range []struct {
		name      string
		spec      kvsim.Spec
		minOps    int
		lanes     []string // the open lanes shown first
		minFolded int
		lock      bool
	}{
		{name: "lock", spec: kvsim.Spec{Scenario: "lock-counter", Seed: 7, Faults: "lossy", Impl: "zoo/lock-ignores-maybe"},
			lanes: []string{"c0", "c1"}, lock: true},
		{name: "30-clients", spec: kvsim.Spec{Scenario: "many-clients", Seed: 0, Impl: "zoo/server-ignores-version"},
			lanes: []string{"c9", "c21"}, minFolded: 28},
		{name: "700-ops", spec: kvsim.Spec{Scenario: "lock-swarm", Seed: 12, Faults: "swarm", Impl: "zoo/lock-ignores-maybe"},
			minOps: 700, lanes: []string{"c1", "c2"}, lock: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := traced(t, tc.spec)
			if r.Verdict != kvsim.Violation {
				t.Fatalf("want a violation: %s", r.Summary())
			}
			if n := len(r.KVHistory) + len(r.LockHist); n < tc.minOps {
				t.Fatalf("%d operations, want at least %d", n, tc.minOps)
			}
			run := FromResult(r)
			path := filepath.Join(dir, "report-"+tc.name+".html")
			st, _ := writeAndCheck(t, bin, path, run)
			if got := st.First.Lanes; tc.minFolded > 0 && !slices.Equal(got[:min(len(got), len(tc.lanes))], tc.lanes) {
				t.Errorf("the lanes shown first are %v, want %v first", got, tc.lanes)
			}
			for _, l := range tc.lanes {
				if !slices.Contains(st.First.Lanes, l) {
					t.Errorf("lane %s is not shown first (%v)", l, st.First.Lanes)
				}
			}
			if st.First.Stats.Folded < tc.minFolded {
				t.Errorf("%d lanes folded at first, want at least %d", st.First.Stats.Folded, tc.minFolded)
			}
			if d := build(run); tc.lock != (d.Lock != nil) {
				t.Errorf("lock why = %v, want one: %v", d.Lock, tc.lock)
			}
			shot := filepath.Join(dir, "report-"+tc.name+".png")
			headless(t, bin, "--hide-scrollbars", "--window-size=1400,1300", "--screenshot="+shot, fileURL(path))
			if fi, err := os.Stat(shot); err != nil || fi.Size() == 0 {
				t.Fatalf("no screenshot: %v", err)
			}
			t.Logf("%s: report %s, screenshot %s; first: %+v", r.Summary(), path, shot, st.First)
			if tc.minFolded == 0 {
				return
			}
			// Every lane in its place, the last violating operation's lane
			// scrolled into view: the axis and the server lane stay on top.
			d := build(run)
			o := slices.MaxFunc(d.Core, func(a, b int) int { return d.Ops[a].Lane - d.Ops[b].Lane })
			shot = filepath.Join(dir, "report-"+tc.name+"-every-lane.png")
			headless(t, bin, "--hide-scrollbars", "--window-size=1400,1300", "--screenshot="+shot, fmt.Sprintf("%s#lanes=all&o=%d", fileURL(path), o))
			t.Logf("every lane, zoomed to %s: %s", d.Ops[o].Label, shot)
		})
	}
}

// firstView is what the page showed before anything was clicked.
type firstView struct {
	Lanes []string `json:"lanes"`
	V0    float64  `json:"v0"`
	V1    float64  `json:"v1"`
	Stats struct {
		Shown   int `json:"shown"`
		Bundles int `json:"bundles"`
		Away    int `json:"away"`
		Folded  int `json:"folded"`
		Labels  int `json:"labels"`
	} `json:"stats"`
}

func (f firstView) String() string {
	return fmt.Sprintf("lanes %v, %.1fms to %.1fms, %+v", f.Lanes, f.V0/1e6, f.V1/1e6, f.Stats)
}
