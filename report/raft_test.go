package report

import (
	"bytes"
	"fmt"
	"html"
	"slices"
	"strings"
	"testing"

	"github.com/kvsim/kvsim/raft/raftcheck"
	"github.com/kvsim/kvsim/raft/ref"
	"github.com/kvsim/kvsim/raft/scenario"
	"github.com/kvsim/kvsim/sim"
)

// raftFailure is the first failing run of scenario sc, at a seed below
// limit with the given number of servers (0: any), of the reference Raft
// with the deliberate bug flaw, replayed traced.
func raftFailure(t testing.TB, flaw, sc string, servers, limit int) scenario.Result {
	t.Helper()
	return raftFailureWhere(t, flaw, sc, limit, func(r scenario.Result) bool { return servers == 0 || r.Servers == servers })
}

// votedTwice is the first failure of the reference with its vote-twice
// flaw in the swarm scenario on 5 servers after a leader was elected (it
// sent an AppendEntries): a page with both kinds of message and every
// role. Which seed that is depends on the swarm's draws.
func votedTwice(t testing.TB) scenario.Result {
	t.Helper()
	return raftFailureWhere(t, "vote-twice", "swarm", 400, func(r scenario.Result) bool {
		return r.Servers == 5 && slices.ContainsFunc(r.Trace, func(rec sim.Record) bool { return rec.Method == "Raft.AppendEntries" })
	})
}

// raftFailureWhere is the first failing seed below limit of scenario sc
// with the reference's flaw whose traced run accept takes, traced.
func raftFailureWhere(t testing.TB, flaw, sc string, limit int, accept func(scenario.Result) bool) scenario.Result {
	t.Helper()
	mk, ok := ref.Flawed(flaw)
	if !ok {
		t.Fatalf("no flaw %q", flaw)
	}
	s, err := scenario.Named(sc)
	if err != nil {
		t.Fatal(err)
	}
	for seed := range uint64(limit) {
		r := scenario.Run(s, scenario.Config{Seed: seed, Make: mk})
		if !r.Failed() {
			continue
		}
		tr := scenario.Run(s, scenario.Config{Seed: seed, Make: mk, Trace: true})
		if tr.Hash != r.Hash || tr.Failure != r.Failure {
			t.Fatalf("seed %d traced: %s, untraced: %s", seed, tr.String(), r.String())
		}
		if accept(tr) {
			return tr
		}
	}
	t.Fatalf("%s: no %s failure in %d seeds", flaw, sc, limit)
	return scenario.Result{}
}

func raftRepro(r scenario.Result, flaw string) string {
	return fmt.Sprintf("go test ./raft/ref -run 'TestFlawsAreFound' # %s, scenario %s seed %d", flaw, r.Scenario, r.Seed)
}

// TestRaftReportOfAViolation: the report of a reference Raft that votes
// twice in a term, caught on a 5-server swarm run, has a lane per server
// (with, for a breach of election safety, the two leaders of the term on
// theirs), the violation in words with its check in the header, at its
// instant on the diagram, and the repro line.
func TestRaftReportOfAViolation(t *testing.T) {
	r := votedTwice(t)
	v := r.Violation
	if v == nil {
		t.Fatalf("%s: want a check's violation", r.String())
	}
	run := FromRaft(r, "reference (vote-twice)", raftRepro(r, "vote-twice"))
	var b bytes.Buffer
	if err := WriteRaft(&b, run); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`<td id="scenario">swarm</td>`,
		fmt.Sprintf(`<td id="seed">%d</td>`, r.Seed),
		`<td id="servers">5</td>`,
		`<td id="verdict">violation</td>`,
		`<td id="profile">` + html.EscapeString(r.Profile) + `</td>`,
		`<span id="check">` + v.Check + `</span>`,
		`<p id="what">` + html.EscapeString(v.What) + `</p>`,
		fmt.Sprintf("at %v, on s%d, term %d", v.At, v.Server, v.Term),
		`<code id="repro">` + html.EscapeString(run.Repro) + `</code>`,
		`"lanes":["s0","s1","s2","s3","s4"]`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	for _, ref := range []string{`src="http`, `href="http`, `@import`, `url(http`} {
		if strings.Contains(page, ref) {
			t.Errorf("the page is not self-contained: it holds %s", ref)
		}
	}

	d := buildRaft(run)
	if d.Why == nil || d.Why.At != int64(v.At) || d.Why.Lane != v.Server || d.Why.Event < 0 {
		t.Fatalf("the violation is drawn as %+v, want at %v on s%d with its trace record", d.Why, v.At, v.Server)
	}
	if e := d.Events[d.Why.Event]; e.At != int64(v.At) {
		t.Errorf("the violation's record is at %v, want %v", e.At, v.At)
	}
	// Both leaders of the term are drawn leading it on their lanes.
	leaders := map[int]bool{}
	for _, s := range d.Roles {
		if s.Role == roleLeader && s.Term == v.Term {
			leaders[s.Lane] = true
		}
	}
	if v.Check == "election-safety" && (len(leaders) < 2 || !leaders[v.Server]) {
		t.Errorf("leaders of term %d drawn on lanes %v, want two, s%d among them", v.Term, leaders, v.Server)
	}
	// Messages between servers, by method, with the lost ones marked.
	methods := map[string]int{}
	lost := 0
	for _, m := range d.Msgs {
		if m.From < 0 || m.To < 0 {
			t.Errorf("message %+v has no lanes", m)
		}
		if !m.Reply {
			methods[d.Methods[m.Method]]++
		}
		if m.Fate == fateLost || m.Fate == fateDrop {
			lost++
		}
	}
	if methods["Raft.RequestVote"] == 0 || methods["Raft.AppendEntries"] == 0 {
		t.Errorf("requests by method: %v, want RequestVote and AppendEntries", methods)
	}
	// The votes granted, on the voters' lanes: a server that voted twice
	// in a term shows both.
	votes := map[[2]int]map[int]bool{} // voter, term -> candidates
	for _, m := range d.Marks {
		if m.Kind == "vote" {
			var term int
			fmt.Sscanf(m.Text[strings.LastIndex(m.Text, "term"):], "term %d", &term)
			k := [2]int{m.Lane, term}
			if votes[k] == nil {
				votes[k] = map[int]bool{}
			}
			votes[k][m.Index] = true
		}
	}
	twice := false
	for _, cs := range votes {
		twice = twice || len(cs) > 1
	}
	if !twice {
		t.Errorf("votes drawn %v: no server votes for two candidates in a term", votes)
	}
	t.Logf("%s: %d events (%d scheduler records left out), %d messages (%d lost), %d role segments, %d spans, %d marks, %d bytes",
		r.String(), len(d.Events), d.Skipped, len(d.Msgs), lost, len(d.Roles), len(d.Spans), len(d.Marks), len(page))
}

// TestRaftRolesFromMessages: roles come from what the servers did: a
// server that asks for votes in a term is its candidate, one that sends
// AppendEntries of a term leads it, one that answers with a higher term
// follows it, a crashed one is down until it restarts.
func TestRaftRolesFromMessages(t *testing.T) {
	r := raftFailure(t, "apply-out-of-order", "concurrent-starts", 0, 20)
	d := buildRaft(FromRaft(r, "reference (apply-out-of-order)", ""))
	seen := map[string]bool{}
	for _, s := range d.Roles {
		seen[s.Role] = true
		if s.To < s.From {
			t.Errorf("role segment %+v ends before it starts", s)
		}
	}
	for _, role := range []string{roleFollower, roleCandidate, roleLeader} {
		if !seen[role] {
			t.Errorf("no %s drawn: %+v", role, d.Roles)
		}
	}
	var applied int
	for _, m := range d.Marks {
		if m.Kind == "apply" {
			applied++
		}
	}
	if applied == 0 {
		t.Errorf("no applied index drawn")
	}
	if d.Why == nil || d.Why.Check != "state-machine-safety" {
		t.Errorf("violation %+v, want state-machine-safety's", d.Why)
	}
}

// TestRaftReportOfAPass: a run that passed has no violation box, and its
// crashes and restarts are drawn on their lanes.
func TestRaftReportOfAPass(t *testing.T) {
	s, err := scenario.Named("persist2")
	if err != nil {
		t.Fatal(err)
	}
	r := scenario.Run(s, scenario.Config{Seed: 1, Make: ref.Make, Trace: true})
	if r.Failed() {
		t.Fatalf("the reference fails: %s", r.String())
	}
	run := FromRaft(r, "reference", "")
	var b bytes.Buffer
	if err := WriteRaft(&b, run); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), `id="violation"`) || !strings.Contains(b.String(), `<td id="verdict">ok</td>`) {
		t.Errorf("a passing run's page shows a violation, or no ok verdict")
	}
	d := buildRaft(run)
	kinds := map[string]int{}
	for _, m := range d.Marks {
		kinds[m.Kind]++
		if (m.Kind == "crash" || m.Kind == "restart") && m.Event < 0 {
			t.Errorf("%s of s%d at %v is not tied to its trace record", m.Kind, m.Lane, m.At)
		}
	}
	var crashes int
	for _, e := range r.Events {
		if e.Kind == raftcheck.Crash {
			crashes++
		}
	}
	if crashes == 0 || kinds["crash"] != crashes || kinds["restart"] == 0 {
		t.Errorf("marks %v, want %d crashes and restarts", kinds, crashes)
	}
	down := false
	for _, s := range d.Roles {
		down = down || s.Role == roleDown
	}
	if !down {
		t.Errorf("no server drawn down")
	}
}
