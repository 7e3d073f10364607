package report

import (
	"bytes"
	"cmp"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/clerk"
	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/sim"
	"github.com/kvsim/kvsim/zoo"
)

// traced makes the run spec names, traced. It resolves names itself, not
// through package campaign, which may write reports and so import this one.
func traced(t testing.TB, spec kvsim.Spec) scenarios.Result {
	t.Helper()
	byName := func(kind, name string, names []string) int {
		t.Helper()
		i := slices.Index(names, name)
		if i < 0 {
			t.Fatalf("no %s %q", kind, name)
		}
		return i
	}
	scs, profs, impls := scenarios.All(), scenarios.Profiles(), append(zoo.All(), kvsim.Reference())
	var names []string
	for _, s := range scs {
		names = append(names, s.Name)
	}
	cfg := scenarios.Config{Scenario: scs[byName("scenario", spec.Scenario, names)], Seed: spec.Seed, Trace: true}
	names = names[:0]
	for _, p := range profs {
		names = append(names, p.Name)
	}
	cfg.Profile = profs[byName("profile", cmp.Or(spec.Faults, cfg.Scenario.DefaultFaults), names)]
	names = names[:0]
	for _, i := range impls {
		names = append(names, i.Name)
	}
	cfg.Impl = impls[byName("implementation", cmp.Or(spec.Impl, kvsim.ReferenceName), names)]
	return scenarios.Run(cfg)
}

// zooFailure is the acceptance run: a server that ignores versions, caught
// on kv-random's first swarm seed.
func zooFailure(t testing.TB) scenarios.Result {
	t.Helper()
	r := traced(t, kvsim.Spec{Scenario: "kv-random", Seed: 1, Faults: "swarm", Impl: "zoo/server-ignores-version"})
	if r.Verdict != kvsim.Violation {
		t.Fatalf("want a violation: %s", r.Summary())
	}
	return r
}

func render(t testing.TB, run Run) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, run); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestReportNamesTheRun checks the static page: the header, the repro
// lines and the core are in the HTML itself, not only drawn by the script.
func TestReportNamesTheRun(t *testing.T) {
	r := zooFailure(t)
	page := render(t, FromResult(r))
	for _, want := range []string{
		`<td id="seed">1</td>`,
		`<td id="verdict">violation</td>`,
		`<td id="impl">zoo/server-ignores-version</td>`,
		html.EscapeString(r.Run), html.EscapeString(r.GoTest), html.EscapeString(r.Shrink),
		html.EscapeString(r.Reason),
		fmt.Sprintf("%d clients, %d key/value ops on keys a, b, c", len(r.Clients), len(r.KVHistory)),
		`<ul id="core">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}

// TestSelfContained checks that the page loads nothing from elsewhere.
func TestSelfContained(t *testing.T) {
	page := render(t, FromResult(zooFailure(t)))
	external := regexp.MustCompile(`(?i)<script[^>]+src=|<link[^>]+href=|@import|url\(\s*['"]?(https?:)?//|<img[^>]+src=["']?(https?:)?//`)
	if m := external.FindString(page); m != "" {
		t.Errorf("the report loads a resource from elsewhere: %q", m)
	}
}

// TestCore: the report shows the core the checks found, and derives none
// of its own. On the shrunk failure of the tutorial (two Puts that both
// created the key) that is the fast checker's core and words, or, when
// porcupine decided, the explanation models gives of its result.
func TestCore(t *testing.T) {
	ops, err := models.ParseKV(`
c0 [0,10] put(a, "x", v0) -> OK
c1 [20,30] put(a, "y", v0) -> OK
c2 [40,50] get(a) -> "y"@v2
c3 [0,5] get(b) -> ErrNoKey
`)
	if err != nil {
		t.Fatal(err)
	}
	fast := models.CheckKV(ops, 0)
	run := Run{Clients: []string{"c0", "c1", "c2", "c3"}, KV: ops, KVCheck: fast}
	d := build(run)
	if fmt.Sprint(d.Core) != fmt.Sprint(fast.Core) || d.CoreReason != fast.Reason {
		t.Errorf("core %v %q, want the checker's: %v %q", d.Core, d.CoreReason, fast.Core, fast.Reason)
	}
	run.KVCheck = models.CheckKVPorcupine(ops, 0)
	d = build(run)
	wantCore, wantWhy := run.KVCheck.Explain(ops, func(i int) string { return label(run, ops[i]) })
	if fmt.Sprint(d.Core) != "[0 1]" || fmt.Sprint(d.Core) != fmt.Sprint(wantCore) || d.CoreReason != wantWhy {
		t.Errorf("core %v %q, want [0 1] as models explains it: %v %q", d.Core, d.CoreReason, wantCore, wantWhy)
	}
	if !strings.Contains(d.CoreReason, `c0 put(a,"x",v0) -> OK`) {
		t.Errorf("reason %q does not name operations as the report labels them", d.CoreReason)
	}
	if len(d.Keys) != 2 || d.Keys[1].Key != "b" || len(d.Keys[1].Ops) != 1 {
		t.Errorf("linearizations = %+v, want keys a and b, b's complete", d.Keys)
	}
	run.Core, run.CoreReason = []int{1, 2}, "the checker's words"
	if d := build(run); fmt.Sprint(d.Core) != "[1 2]" || d.CoreReason != "the checker's words" {
		t.Errorf("the checker's core was not used: %v %q", d.Core, d.CoreReason)
	}
	ok := Run{KV: ops[3:], KVCheck: models.CheckKV(ops[3:], 0)}
	if d := build(ok); len(d.Core) != 0 {
		t.Errorf("a linearizable history has core %v", d.Core)
	}
}

func TestLabel(t *testing.T) {
	run := Run{Clients: []string{"c0", "c1"}}
	for _, tc := range []struct {
		op   models.KVOp
		want string
	}{
		{models.KVOp{Client: 1, Input: models.KVInput{Op: models.OpPut, Key: "k", Value: "x", Version: 3}, Output: models.KVOutput{Err: rpc.ErrMaybe}}, `c1 put(k,"x",v3) -> ErrMaybe`},
		{models.KVOp{Client: 0, Input: models.KVInput{Op: models.OpGet, Key: "k"}, Output: models.KVOutput{Err: rpc.OK, Value: "x", Version: 4}}, `c0 get(k) -> "x"@v4`},
		{models.KVOp{Client: 0, Input: models.KVInput{Op: models.OpGet, Key: "k"}, Output: models.KVOutput{Err: rpc.ErrNoKey}}, `c0 get(k) -> ErrNoKey`},
		{models.KVOp{Client: 7, Input: models.KVInput{Op: models.OpPut, Key: "k", Value: "y"}, Output: models.KVOutput{Unknown: true}}, `c7 put(k,"y",v0) -> ?`},
	} {
		if got := label(run, tc.op); got != tc.want {
			t.Errorf("label = %q, want %q", got, tc.want)
		}
	}
}

// TestMessages checks how trace records become arrows: pairing by call id,
// fates, duplicates, retries, and lasting faults.
func TestMessages(t *testing.T) {
	ms := time.Millisecond
	rec := func(at time.Duration, k sim.RecordKind, proc, peer string, call uint64, text string) sim.Record {
		return sim.Record{At: at, Kind: k, Proc: proc, Peer: peer, Call: call, Method: rpc.MethodPut, Text: text}
	}
	trace := []sim.Record{
		rec(0, sim.RecSend, "c0", "server", 1, ""),
		rec(0, sim.RecDropReq, "c0", "server", 1, ""),
		rec(0, sim.RecCut, "c0", "", 0, ""),
		rec(100*ms, sim.RecTimeout, "c0", "server", 1, ""),
		rec(100*ms, sim.RecSend, "c0", "server", 2, ""), // the retry
		rec(100*ms, sim.RecDup, "c0", "server", 2, ""),
		rec(101*ms, sim.RecDeliver, "c0", "server", 2, ""),
		rec(101*ms, sim.RecDropReply, "c0", "server", 2, ""),
		rec(102*ms, sim.RecHeal, "c0", "", 0, ""),
		rec(102*ms, sim.RecPause, "", "server", 0, ""),
		rec(103*ms, sim.RecHeld, "c0", "server", 2, ""), // the duplicate
		rec(150*ms, sim.RecResume, "", "server", 0, ""),
		rec(150*ms, sim.RecDeliver, "c0", "server", 2, ""),
		rec(152*ms, sim.RecReply, "c0", "server", 2, ""),
	}
	kvOps := []models.KVOp{{Client: 0, Input: models.KVInput{Op: models.OpPut, Key: "k", Value: "x"}, Output: models.KVOutput{Err: rpc.ErrMaybe}, Call: 0, Return: int64(152 * ms)}}
	d := build(Run{Server: "server", Clients: []string{"c0"}, Trace: trace, KV: kvOps})
	type m struct {
		call           uint64
		reply          bool
		fate           string
		dup            bool
		attempt, first int
		start, end     int
	}
	var got []m
	for _, x := range d.Msgs {
		got = append(got, m{x.Call, x.Reply, x.Fate, x.Dup, x.Attempt, x.First, x.Start, x.End})
	}
	want := []m{
		{1, false, fateDrop, false, 1, -1, 0, 1},
		{2, false, fateArrived, false, 2, 0, 4, 6},
		{2, false, fateHeld, true, 2, 0, 5, 10},
		{2, true, fateDrop, false, 0, -1, 6, 7},
		{2, true, fateArrived, false, 0, -1, 12, 13},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("messages:\n got %v\nwant %v", got, want)
	}
	if d.Ops[0].First != 0 {
		t.Errorf("the op's first event is %d, want 0", d.Ops[0].First)
	}
	for i, e := range d.Events {
		if e.Op != 0 && trace[i].Call != 0 {
			t.Errorf("event %d (%s) is not tied to the op", i, trace[i])
		}
	}
	spans := fmt.Sprint(d.Spans)
	if want := "[{1 0 102000000 cut isolated 2 8} {0 102000000 150000000 pause paused 9 11}]"; spans != want {
		t.Errorf("spans = %s, want %s", spans, want)
	}
}

// TestEventsEncodeAsArrays pins the encoding the page's script reads.
func TestEventsEncodeAsArrays(t *testing.T) {
	b, err := event{At: 5, Kind: sim.RecSend, Proc: 1, Peer: 0, Call: 3, Method: 0, Text: `&{Key:"a"}`, Op: 2, Msg: -1}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `[5,4,1,0,3,0,"&{Key:\"a\"}",2,-1]`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestDataCannotEndTheScript checks that text from the run (here a value
// a buggy server might echo) cannot close the page's <script> element.
func TestDataCannotEndTheScript(t *testing.T) {
	js, err := encodeData(&data{Seed: "</script><!--", Events: []event{{Text: "</SCRIPT>"}}})
	if err != nil {
		t.Fatal(err)
	}
	if s := strings.ToLower(string(js)); strings.Contains(s, "</script") || strings.Contains(s, "<!--") {
		t.Errorf("encoded data can end the script: %s", js)
	}
}

// bigRun simulates clients making n operations in all through the
// reference clerk over a lossy, duplicating, slow network, and checks the
// history: a realistic report of n operations.
func bigRun(t testing.TB, n int) Run {
	t.Helper()
	const clients = 10
	w := sim.New(1, sim.Options{Trace: true, Faults: sim.Faults{
		DropRequest: 0.05, DropReply: 0.05, Jitter: 2 * time.Millisecond, TailProb: 0.02, Tail: 200 * time.Millisecond,
	}})
	srv := kv.NewServer()
	s := w.NewServer("server")
	sim.Handle(s, rpc.MethodGet, srv.Get)
	sim.Handle(s, rpc.MethodPut, srv.Put)
	var ops []models.KVOp
	names := make([]string, clients)
	for c := range clients {
		names[c] = fmt.Sprintf("c%d", c)
		w.Spawn(names[c], func(p *sim.Proc) {
			ck := clerk.New(p, p, "server", clerk.Options{})
			for i := range n / clients {
				key := fmt.Sprintf("k%d", (c*7+i)%20)
				op := models.KVOp{Client: c, Call: int64(p.Now())}
				if i%2 == 0 {
					op.Input = models.KVInput{Op: models.OpGet, Key: key}
					op.Output.Value, op.Output.Version, op.Output.Err = ck.Get(key)
				} else {
					ver := ops[len(ops)-1].Output.Version // this client's last Get
					for j := len(ops) - 1; j >= 0; j-- {
						if ops[j].Client == c {
							ver = ops[j].Output.Version
							key = ops[j].Input.Key
							break
						}
					}
					op.Input = models.KVInput{Op: models.OpPut, Key: key, Value: fmt.Sprintf("%s.%d", names[c], i), Version: ver}
					op.Output.Err = ck.Put(key, op.Input.Value, ver)
				}
				op.Return = int64(p.Now())
				ops = append(ops, op)
			}
		})
	}
	res := w.Run()
	if res.Status != sim.Done {
		t.Fatalf("the big run did not finish: %v %s", res.Status, res.Reason)
	}
	check := models.CheckKV(ops, time.Minute)
	return Run{
		Scenario: "big", Seed: 1, Impl: "reference", Verdict: strings.ToLower(check.Verdict.String()), Reason: check.Reason,
		TraceHash: fmt.Sprintf("%016x", res.Hash), Server: "server", Clients: names,
		Trace: w.Records(), KV: ops, KVCheck: check,
	}
}

// BenchmarkWrite10k measures building a 10,000-operation report and its
// size (see BENCHMARKS.md; BenchmarkOpen10k measures opening it).
func BenchmarkWrite10k(b *testing.B) {
	run := bigRun(b, 10000)
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := Write(&buf, run); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "bytes")
	b.ReportMetric(float64(len(run.Trace)), "events")
}

// TestEveryRecordKindNamed: the page names every kind the simulator
// records, so a trace with targeted faults or tails renders.
func TestEveryRecordKindNamed(t *testing.T) {
	d := build(Run{})
	for _, k := range sim.RecordKinds() {
		if int(k) >= len(d.Kinds) || d.Kinds[k] != k.String() {
			t.Errorf("kind %v is not named on the page", k)
		}
	}
}
