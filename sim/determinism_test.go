package sim

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

const determinismSeeds = 1000

func hashes(t *testing.T, n int) []uint64 {
	t.Helper()
	out := make([]uint64, n)
	for seed := range n {
		r := runChaos(uint64(seed))
		if r.Status != Done {
			t.Fatalf("seed %d: %v: %s", seed, r.Status, r.Reason)
		}
		out[seed] = r.Hash
	}
	return out
}

// TestSameSeedSameHash runs every seed twice, at GOMAXPROCS 1 and 2, and
// requires identical hashes; different seeds must give different hashes.
func TestSameSeedSameHash(t *testing.T) {
	n := determinismSeeds
	if testing.Short() {
		n = 100
	}
	sameHashes(t, n, func(n int) []uint64 { return hashes(t, n) })
}

// sameHashes has hashes give the hashes of seeds 0 to n-1, at GOMAXPROCS
// 1 and then 2, and requires the same hash for each seed both times and a
// different one for every seed.
func sameHashes(t *testing.T, n int, hashes func(n int) []uint64) {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	first := hashes(n)
	runtime.GOMAXPROCS(2)
	second := hashes(n)
	seen := make(map[uint64]int, n)
	for seed := range n {
		if first[seed] != second[seed] {
			t.Errorf("seed %d: hash %016x at GOMAXPROCS=1, %016x at GOMAXPROCS=2", seed, first[seed], second[seed])
		}
		if prev, dup := seen[first[seed]]; dup {
			t.Errorf("seeds %d and %d share hash %016x", prev, seed, first[seed])
		}
		seen[first[seed]] = seed
	}
}

// TestGoldenHashes pins the hashes of a few seeds across processes, builds
// and -race: a change here means runs no longer replay as they did.
func TestGoldenHashes(t *testing.T) {
	const path = "testdata/hashes.golden"
	var b strings.Builder
	for seed := range 16 {
		fmt.Fprintf(&b, "%d %016x\n", seed, runChaos(uint64(seed)).Hash)
	}
	golden(t, path, b.String())
}

// golden requires got to be what the file at path holds, and with -update
// writes it there first.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./sim -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s changed: a run no longer replays as it did:\n got:\n%s want:\n%s", path, got, want)
	}
}

// TestTraceReplays checks that the readable trace is itself deterministic
// and that tracing does not change the run.
func TestTraceReplays(t *testing.T) {
	run := func(trace bool) (Result, []Record) {
		w, _ := newCounterWorld(42, Options{Faults: chaos, Trace: trace})
		workload(w, 3, 10)
		return w.Run(), w.Records()
	}
	plain, _ := run(false)
	r1, rec1 := run(true)
	r2, rec2 := run(true)
	if plain.Hash != r1.Hash || r1.Hash != r2.Hash {
		t.Fatalf("hashes differ: untraced %x, traced %x and %x", plain.Hash, r1.Hash, r2.Hash)
	}
	var a, b strings.Builder
	if err := WriteTrace(&a, rec1); err != nil {
		t.Fatal(err)
	}
	if err := WriteTrace(&b, rec2); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Fatal("same seed, different traces")
	}
	if len(rec1) == 0 {
		t.Fatal("empty trace")
	}
	kinds := map[RecordKind]bool{}
	for _, r := range rec1 {
		kinds[r.Kind] = true
	}
	for _, k := range []RecordKind{RecSpawn, RecSend, RecDeliver, RecReply, RecExit, RecNote} {
		if !kinds[k] {
			t.Errorf("trace has no %v record", k)
		}
	}
	sc := bufio.NewScanner(strings.NewReader(a.String()))
	for sc.Scan() && strings.Contains(sc.Text(), " tie ") {
	}
	if !strings.Contains(sc.Text(), "spawn") {
		t.Errorf("first line after the ties %q is not a spawn", sc.Text())
	}
}

// TestTiesAreTraced checks that every tie-break is a trace record naming how
// many events were due and which one was picked.
func TestTiesAreTraced(t *testing.T) {
	w, _ := newCounterWorld(3, Options{Trace: true})
	workload(w, 4, 5)
	r := w.Run()
	ties := 0
	for _, rec := range w.Records() {
		if rec.Kind != RecTie {
			continue
		}
		ties++
		var pick, due int
		if _, err := fmt.Sscanf(rec.Text, "picked %d of %d due", &pick, &due); err != nil || due < 2 || pick >= due {
			t.Errorf("tie record %q: want \"picked i of n due\" with i < n, n >= 2", rec)
		}
	}
	if ties == 0 || ties != r.Stats.Ties || ties != r.Stats.Count(RecTie) {
		t.Errorf("%d tie records, Stats.Ties %d, Count %d: want equal and nonzero", ties, r.Stats.Ties, r.Stats.Count(RecTie))
	}
}

// TestFirstDifference runs the same seed twice, the second time with one
// client noting something else at its third call, and finds the fold where
// the runs part.
func TestFirstDifference(t *testing.T) {
	run := func(odd bool) ([]Fold, []Record) {
		var log FoldLog
		w, _ := newCounterWorld(9, Options{Faults: chaos, Trace: true, OnFold: log.Add})
		w.Spawn("c", func(p *Proc) {
			for j := range 5 {
				var reply addReply
				ok := p.Call("server", "Counter.Add", &addArgs{N: 1}, &reply)
				text := fmt.Sprint(j, ok)
				if odd && j == 2 {
					text = "different"
				}
				w.Note(p, text)
			}
		})
		w.Run()
		return log.Folds, w.Records()
	}
	a, recs := run(false)
	b, _ := run(true)
	if i := FirstDifference(a, a); i != -1 {
		t.Fatalf("a run differs from itself at fold %d", i)
	}
	i := FirstDifference(a, b)
	if i <= 0 {
		t.Fatalf("FirstDifference = %d, want a fold after the start", i)
	}
	if a[i-1].Hash != b[i-1].Hash || a[i].Hash == b[i].Hash {
		t.Errorf("hashes at folds %d,%d: %x,%x vs %x,%x: want equal then different", i-1, i, a[i-1].Hash, a[i].Hash, b[i-1].Hash, b[i].Hash)
	}
	notes := 0
	var third Record
	for _, r := range recs {
		if r.Kind == RecNote {
			if notes == 2 {
				third = r
			}
			notes++
		}
	}
	if a[i].Kind != RecNote || a[i].At != third.At {
		t.Errorf("runs part at %v, want at the third note %v", a[i], third)
	}
}

// TestNotef checks that Notef hashes what it is given without formatting
// it, tells types and values apart, and traces the formatted line.
func TestNotef(t *testing.T) {
	hashOf := func(trace bool, format string, args ...any) (uint64, []Record) {
		w := New(1, Options{Trace: trace})
		w.Notef(nil, format, args...)
		return w.Run().Hash, w.Records()
	}
	type point struct{ X, Y int }
	base, _ := hashOf(false, "op %s %d %v", "k", 300, true)
	traced, recs := hashOf(true, "op %s %d %v", "k", 300, true)
	if base != traced || len(recs) != 1 || recs[0].Text != "op k 300 true" {
		t.Errorf("traced: hash %x vs %x, records %v", traced, base, recs)
	}
	seen := map[uint64]string{base: "base"}
	for _, c := range []struct {
		name   string
		format string
		args   []any
	}{
		{"other format", "op %s %d %t", []any{"k", 300, true}},
		{"other string", "op %s %d %v", []any{"j", 300, true}},
		{"other int", "op %s %d %v", []any{"k", 301, true}},
		{"uint, not int", "op %s %d %v", []any{"k", uint64(300), true}},
		{"other bool", "op %s %d %v", []any{"k", 300, false}},
		{"string, not int", "op %s %d %v", []any{"k", "300", true}},
		{"a struct", "op %v", []any{point{1, 2}}},
		{"another struct", "op %v", []any{point{2, 1}}},
		{"a float", "op %v", []any{1.5}},
		{"a duration", "op %v", []any{time.Second}},
	} {
		h, _ := hashOf(false, c.format, c.args...)
		if prev, dup := seen[h]; dup {
			t.Errorf("%s hashes as %s", c.name, prev)
		}
		seen[h] = c.name
	}
}
