package campaign

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/models"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/sim"
	"github.com/kvsim/kvsim/sim/explore"
	"github.com/kvsim/kvsim/zoo"
)

// TestRegressions replays the regression corpus: bugs once found in the
// reference must stay fixed, and the zoo's bugs must stay caught. An entry
// with choices replays the run they record, whatever a seed draws today.
func TestRegressions(t *testing.T) {
	entries, err := ReadRegressions(filepath.Join("testdata", "regressions.txt"))
	if err != nil {
		t.Fatal(err)
	}
	reference := 0
	for _, e := range entries {
		if e.Choices == nil {
			t.Errorf("%s: no choices: it replays its seed, which names another run once draws change (rewrite it with SaveRegression)", e.Spec)
		}
		if !strings.HasPrefix(e.Impl, zoo.Prefix) {
			reference++
		}
		t.Run(e.Spec.String(), func(t *testing.T) {
			cfg, err := Default().ResolveEntry(e)
			if err != nil {
				t.Fatal(err)
			}
			r, err := RunGuarded(context.Background(), nil, cfg, 0)
			if err != nil {
				t.Fatal(err)
			}
			zoo := strings.HasPrefix(e.Impl, zoo.Prefix)
			switch {
			case zoo && !r.Failed():
				t.Errorf("%s: the checks no longer catch this zoo bug\nreplay: go test ./campaign -run '%s' -v", r.Summary(), runPattern(t.Name()))
			case !zoo && r.Failed():
				t.Errorf("%s: a fixed bug is back\nreplay: go test ./campaign -run '%s' -v\nseed's run: %s", r.Summary(), runPattern(t.Name()), cliRepro(r.Spec).Run)
			}
		})
	}
	if reference == 0 {
		t.Error("the corpus has no entry of the reference: nothing it replays guards a fixed bug")
	}
}

// runPattern is a go test -run pattern for the test named name, exactly:
// each level quoted, the slashes of a level's own name in brackets.
func runPattern(name string) string {
	top, sub, _ := strings.Cut(name, "/")
	return "^" + top + "$/^" + strings.ReplaceAll(regexp.QuoteMeta(sub), "/", "[/]") + "$"
}

// reseeded is a change of how seeds draw, made on purpose, as a commit
// that touches the PRNG, the keying of streams or the order of draws
// would make one: every seed's run becomes another run.
type reseeded struct {
	e       sim.Entropy
	rekey   bool // streams keyed by other names
	streams map[string]*skipFirst
}

// skipFirst draws one value of its own before the first the world asks
// for.
type skipFirst struct {
	e       sim.Entropy
	skipped bool
}

func (s *skipFirst) Uint64N(n uint64) uint64 {
	if !s.skipped {
		s.skipped = true
		s.e.Uint64N(1 << 32)
	}
	return s.e.Uint64N(n)
}

func (r *reseeded) Uint64N(n uint64) uint64 { return r.Stream("").Uint64N(n) }

func (r *reseeded) Stream(name string) sim.Entropy {
	s := r.streams[name]
	if s == nil {
		key := name
		if r.rekey {
			key = "v2/" + name
		}
		s = &skipFirst{e: sim.Stream(r.e, key), skipped: r.rekey}
		r.streams[name] = s
	}
	return s
}

// changedDraws is cfg with the seeded PRNG changed as reseeded says: the
// strategy is still named "random", so the Spec is the same.
func changedDraws(cfg scenarios.Config, rekey bool) scenarios.Config {
	cfg.Strategy = explore.Strategy{Name: "random", New: func(seed uint64) sim.Entropy {
		return &reseeded{e: sim.NewPCG(seed), rekey: rekey, streams: map[string]*skipFirst{}}
	}}
	return cfg
}

// TestEntryOutlivesAChangeOfDraws: a regression entry written before a
// change of how seeds draw (an extra value drawn first on every stream, or
// every stream keyed by another name) replays the same failing run after
// it: same verdict, reason, trace hash and history. The entry's bare seed
// is another run after the change, which is what a seed-only entry
// silently became.
func TestEntryOutlivesAChangeOfDraws(t *testing.T) {
	for _, tc := range []struct{ scenario, impl string }{
		{"kv-random", zoo.Prefix + "server-ignores-version"},
		{"lock-swarm", zoo.Prefix + "lock-no-reread"},
	} {
		sum, err := Run(context.Background(), Config{Runs: runs(t, []string{tc.scenario}, swarm, tc.impl), Seeds: 100})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Failed == 0 {
			t.Fatalf("%s of %s: no failure in 100 seeds", tc.scenario, tc.impl)
		}
		failure := sum.Failures[0]
		path := filepath.Join(t.TempDir(), "regressions.txt")
		if added, err := SaveRegression(path, failure); err != nil || !added {
			t.Fatalf("SaveRegression: added %v, %v", added, err)
		}
		entries, err := ReadRegressions(path)
		if err != nil || len(entries) != 1 || entries[0].Choices == nil {
			t.Fatalf("the corpus holds %v (%v), want one entry with choices", entries, err)
		}
		entry := entries[0]
		before := traced(t, failure.Config())

		for _, rekey := range []bool{false, true} {
			change := map[bool]string{false: "an extra draw first on every stream", true: "streams keyed by other names"}[rekey]
			seedCfg, err := Default().Resolve(entry.Spec)
			if err != nil {
				t.Fatal(err)
			}
			seedRun := traced(t, changedDraws(seedCfg, rekey))
			if seedRun.Spec != entry.Spec {
				t.Fatalf("the change of draws changed the Spec: %s", seedRun.Spec)
			}
			if seedRun.TraceHash == before.TraceHash {
				t.Errorf("%s: after %s, the bare seed still makes the run it made: the change changes nothing", entry.Spec, change)
			}
			entryCfg, err := Default().ResolveEntry(entry)
			if err != nil {
				t.Fatal(err)
			}
			after := traced(t, changedDraws(entryCfg, rekey))
			if after.Verdict != before.Verdict || after.Reason != before.Reason || after.TraceHash != before.TraceHash {
				t.Errorf("%s: after %s, the entry replays %s (hash %s), want %s (hash %s)", entry.Spec, change, after.Summary(), after.TraceHash, before.Summary(), before.TraceHash)
			}
			if got, want := models.FormatKV(after.KVHistory), models.FormatKV(before.KVHistory); got != want {
				t.Errorf("%s: after %s, the entry's history differs:\n%s\nwant\n%s", entry.Spec, change, got, want)
			}
		}
	}
}

// traced makes cfg's run, traced, in this process.
func traced(t *testing.T, cfg scenarios.Config) scenarios.Result {
	t.Helper()
	cfg.Trace = true
	return scenarios.Run(cfg)
}

// TestEntryOfAPriorityRun: a failure found under a strategy that is a
// Chooser records the decisions it made, by stream, and its entry replays
// it with no strategy to draw from.
func TestEntryOfAPriorityRun(t *testing.T) {
	cfgs := runs(t, []string{"lock-swarm"}, swarm, zoo.Prefix+"lock-no-reread")
	strategy, err := Default().Strategy("priority:d=3")
	if err != nil {
		t.Fatal(err)
	}
	cfgs[0].Strategy = strategy
	sum, err := Run(context.Background(), Config{Runs: cfgs, Seeds: 100})
	if err != nil || sum.Failed == 0 {
		t.Fatalf("no failure under priority in 100 seeds (%v)", err)
	}
	r := sum.Failures[0]
	e, err := entry(context.Background(), r, 0)
	if err != nil {
		t.Fatal(err)
	}
	if e.Strategy != "priority:d=3" || e.Choices == nil {
		t.Fatalf("entry %s, want the strategy and choices", e)
	}
	back, err := parseRegression(e.String())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Default().ResolveEntry(back)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Strategy = explore.Strategy{Name: "priority:d=3"} // no way to draw but the choices
	if got := scenarios.Run(cfg); got.TraceHash != r.TraceHash || got.Verdict != r.Verdict {
		t.Errorf("the entry replays %s (hash %s), want %s (hash %s)", got.Summary(), got.TraceHash, r.Summary(), r.TraceHash)
	}
}

// TestEntrySeedAlone: a failure whose run cannot be made again here (a
// result read back from elsewhere, say) is saved as its seed alone, and
// the file says why; its first line and header are written once, an
// entry of a Spec the file has is not added again.
func TestEntrySeedAlone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "regressions.txt")
	a := Result{Spec: kvsim.Spec{Scenario: "kv-random", Seed: 17, Faults: swarm, Impl: zoo.Prefix + "x"}, Verdict: kvsim.Violation, Reason: "linearizability: no\nmore"}
	b := a
	b.Seed = 18
	// An empty file, as the command line leaves it when it checks that
	// the corpus can be written, gets the header too.
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for i, r := range []Result{a, a, b, a} {
		added, err := SaveRegression(path, r)
		if err != nil {
			t.Fatal(err)
		}
		if want := i == 0 || i == 2; added != want {
			t.Errorf("entry %d (seed %d): added %v, want %v", i, r.Seed, added, want)
		}
	}
	got, err := ReadRegressions(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []Regression{{Spec: a.Spec}, {Spec: b.Spec}}
	if !slices.EqualFunc(got, want, func(x, y Regression) bool { return x.Spec == y.Spec && x.Choices == nil && y.Choices == nil }) {
		t.Errorf("corpus holds %v, want %v", got, want)
	}
	text, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(text), "kvsim regression corpus v2\n"+corpus.Header) ||
		!strings.Contains(string(text), "# violation: linearizability: no\n# its seed alone: its choices were not recorded: the run was not made in this process\nkv-random 17 swarm zoo/x\n") {
		t.Errorf("corpus text:\n%s", text)
	}
}

// TestSaveRegressionRecordsChoices: a campaign's failure is saved with its
// choices, and the entry replays it.
func TestSaveRegressionRecordsChoices(t *testing.T) {
	sum, err := Run(context.Background(), Config{Runs: runs(t, []string{"kv-swarm"}, swarm, zoo.Prefix+"server-empty-value-deletes"), Seeds: 200})
	if err != nil || sum.Failed == 0 {
		t.Fatalf("no failure (%v)", err)
	}
	r := sum.Failures[0]
	path := filepath.Join(t.TempDir(), "regressions.txt")
	if _, err := SaveRegression(path, r); err != nil {
		t.Fatal(err)
	}
	entries, err := ReadRegressions(path)
	if err != nil || len(entries) != 1 || entries[0].Choices == nil {
		t.Fatalf("corpus holds %v (%v)", entries, err)
	}
	cfg, err := Default().ResolveEntry(entries[0])
	if err != nil {
		t.Fatal(err)
	}
	if got := scenarios.Run(cfg); got.TraceHash != r.TraceHash || got.Verdict != r.Verdict {
		t.Errorf("the entry replays %s (hash %s), want %s (hash %s)", got.Summary(), got.TraceHash, r.Summary(), r.TraceHash)
	}
	// A replay of the entry that fails again is saved with the same
	// choices, without a run.
	replayed, err := RunGuarded(context.Background(), nil, cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	e, err := entry(context.Background(), replayed, 0)
	if err != nil || e.String() != entries[0].String() {
		t.Errorf("the replay's entry: %v (%v), want the entry", e.Spec, err)
	}
}

// TestVersion1 reads a corpus written before version 2 (no first line,
// seeds alone) and brings it to version 2 when an entry is added: the old
// entries stay, as seeds.
func TestVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.txt")
	const old = "# kvsim regression corpus: one failure per line, \"scenario seed faults impl\".\n# violation: x\nkv-random 3 swarm zoo/x\n"
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRegressions(path)
	if err != nil || len(got) != 1 || got[0].Seed != 3 || got[0].Choices != nil {
		t.Fatalf("read %v (%v), want one entry of seed 3", got, err)
	}
	r := runOne(t, "reliable-put", "", 1)
	if _, err := SaveRegression(path, r); err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(text), "kvsim regression corpus v2\n"+old) {
		t.Errorf("upgraded corpus:\n%s", text)
	}
	got, err = ReadRegressions(path)
	if err != nil || len(got) != 2 || got[0].Choices != nil || got[1].Choices == nil {
		t.Errorf("read %v (%v), want the old entry and a new one with choices", got, err)
	}
}

// runOne is one run of the reference, as a campaign makes it.
func runOne(t *testing.T, scenario, faults string, seed uint64) Result {
	t.Helper()
	cfg := runs(t, []string{scenario}, faults, "")[0]
	cfg.Seed = seed
	return scenarios.Run(cfg)
}

func TestReadRegressionsErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"# comment\n\nkv-random 1 swarm\n", "r.txt:3"},
		{"# comment\n\nkv-random x swarm reference\n", "r.txt:3"},
		{"# comment\n\nkv-random 1 swarm reference color=red\n", "r.txt:3"},
		{"# comment\n\nkv-random 1 swarm reference choices=tie:1\n", "choices= in a version 1 file"},
		{"kvsim regression corpus v2\n\nkv-random 1 swarm reference choices=tie\n", "r.txt:3"},
		{"kvsim regression corpus v2\nkv-random 1 swarm reference choices=tie:1 choices=tie:2\n", "r.txt:2"},
		{"kvsim regression corpus v3\n", "this kvsim reads versions 1 to 2"},
		{"kvsim regression corpus v02\n", "bad kvsim regression corpus version"},
	} {
		path := filepath.Join(t.TempDir(), "r.txt")
		if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadRegressions(path); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want an error with %q", tc.text, err, tc.want)
		}
	}
}
