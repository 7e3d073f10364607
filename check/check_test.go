package check

import (
	"strings"
	"testing"

	"github.com/kvsim/kvsim"
)

// fixed is a check that finds what it was given.
type fixed struct {
	name  string
	found []Finding
	reads bool // it reads the server
	ran   *bool
}

func (f fixed) Name() string      { return f.name }
func (f fixed) readsServer() bool { return f.reads }
func (f fixed) Check(_ *Recording, o *Outcome) {
	if f.ran != nil {
		*f.ran = true
	}
	for _, x := range f.found {
		x.Check = f.name
		o.Add(x)
	}
}

func finding(v kvsim.Verdict, reason string, at int64, seq uint64) Finding {
	return Finding{Verdict: v, Reason: reason, at: moment{at, seq}}
}

// TestFirst: the failure a run reports when several checks fail.
func TestFirst(t *testing.T) {
	for _, tc := range []struct {
		name  string
		found []Finding // in the order the checks found them
		want  string
	}{
		{"none", nil, ""},
		{"violation before unknown", []Finding{finding(kvsim.Unknown, "u", 0, 0), finding(kvsim.Violation, "v", 0, 0)}, "v"},
		{"unknown before stuck", []Finding{finding(kvsim.Stuck, "s", 0, 0), finding(kvsim.Unknown, "u", 0, 0)}, "u"},
		{"violation before stuck", []Finding{finding(kvsim.Stuck, "s", 0, 0), finding(kvsim.Violation, "v", 0, 0)}, "v"},
		{"seen at a moment before seen in the whole", []Finding{finding(kvsim.Violation, "whole", 0, 0), finding(kvsim.Violation, "moment", 9, 3)}, "moment"},
		{"moments in order", []Finding{finding(kvsim.Violation, "later", 9, 3), finding(kvsim.Violation, "earlier", 9, 2)}, "earlier"},
		{"moments in order of time first", []Finding{finding(kvsim.Violation, "later", 9, 1), finding(kvsim.Violation, "earlier", 8, 2)}, "earlier"},
		{"the whole in the order found", []Finding{finding(kvsim.Violation, "first", 0, 0), finding(kvsim.Violation, "second", 0, 0)}, "first"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Outcome{Findings: tc.found}
			f, failed := o.First()
			if failed != (tc.want != "") || f.Reason != tc.want {
				t.Errorf("First = %q, %v; want %q", f.Reason, failed, tc.want)
			}
			if ranked := o.Ranked(); len(ranked) != len(tc.found) || failed && ranked[0].Reason != tc.want {
				t.Errorf("Ranked = %+v, want every finding, %q first", ranked, tc.want)
			}
		})
	}
}

// TestReadsServerOnlyAfterAFinishedRun: a check that reads the server runs
// only on a finished run in which no check failed before it.
func TestReadsServerOnlyAfterAFinishedRun(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before []Finding
		r      Recording
		runs   bool
	}{
		{"finished", nil, Recording{}, true},
		{"stuck", nil, Recording{Stall: Stall{Stuck: true}}, false},
		{"interrupted", nil, Recording{Interrupted: true}, false},
		{"a check failed", []Finding{finding(kvsim.Violation, "v", 0, 0)}, Recording{}, false},
		{"a checker gave up", []Finding{finding(kvsim.Unknown, "u", 0, 0)}, Recording{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ran, plainRan := false, false
			run(&tc.r, fixed{name: "before", found: tc.before}, fixed{name: "reads", reads: true, ran: &ran}, fixed{name: "plain", ran: &plainRan})
			if ran != tc.runs || !plainRan {
				t.Errorf("the reading check ran: %v, want %v; a check that reads nothing ran: %v", ran, tc.runs, plainRan)
			}
		})
	}
}

func TestFunc(t *testing.T) {
	none(t, run(&Recording{}, Func{Label: "final", F: func() string { return "" }}))
	only(t, run(&Recording{}, Func{Label: "final", F: func() string { return "bad" }}), kvsim.Violation, "bad")
	f := only(t, run(&Recording{}, Func{Label: "the scenario's final check", F: func() string { panic("boom") }}), kvsim.Violation,
		"the scenario's final check panicked: boom")
	if !strings.Contains(f.Reason, "check_test.go") {
		t.Errorf("the panic's reason has no stack: %q", f.Reason)
	}
}

func TestVerdictFailed(t *testing.T) {
	for v, failed := range map[kvsim.Verdict]bool{kvsim.OK: false, kvsim.Violation: true, kvsim.Unknown: true, kvsim.Panic: true, kvsim.Stuck: true, "": true} {
		if v.Failed() != failed {
			t.Errorf("%q.Failed() = %v", v, !failed)
		}
	}
}
