package kvraft_test

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kvraft"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/sim"
)

var (
	flagSeeds  = flag.Int("kvraft.seeds", 0, "TestReplicatedPasses: seeds per scenario, profile and cluster size (0: the test's default)")
	flagStart  = flag.Uint64("kvraft.start", 0, "TestReplicatedPasses: first seed")
	flagUpdate = flag.Bool("kvraft.update", false, "TestSameSeedSameHash: rewrite testdata/hashes.golden")
	flagDrawn  = flag.String("kvraft.drawn", "", "TestReplicatedPasses: only the seeds whose fault model has this fault on (a long campaign's back-fill once a fault kind is added: with it off a seed replays as before)")
)

// goldenSeeds are the seeds of each scenario and cluster whose trace
// hashes testdata/hashes.golden pins, across builds and -race.
const goldenSeeds = 2

// profile is the profile named name.
func profile(t testing.TB, name string) scenarios.Profile {
	for _, p := range scenarios.Profiles() {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no profile %q", name)
	return scenarios.Profile{}
}

// drawnKind is the fault kind -kvraft.drawn names, nil without the flag.
func drawnKind(t *testing.T) *sim.FaultKind {
	if *flagDrawn == "" {
		return nil
	}
	for _, k := range sim.FaultKinds() {
		if k.Name() == *flagDrawn {
			return k
		}
	}
	t.Fatalf("-kvraft.drawn: no fault kind %q", *flagDrawn)
	return nil
}

// drawn reports whether seed's run under p is one to run: every run for
// a nil only, else those whose fault model (drawn first from the seed's
// entropy, as the run draws it) has only on.
func drawn(p scenarios.Profile, only *sim.FaultKind, seed uint64) bool {
	if only == nil {
		return true
	}
	return p.Faults != nil && only.Setting(p.Faults(sim.NewPCG(seed))) != ""
}

// campaign runs seeds [start, start+seeds) of sc under p on impl (those
// that draw only on, if only is not nil), on every core, and returns the failures, lowest seed first, at most max,
// how many failed, and how many ran.
func campaign(sc scenarios.Scenario, p scenarios.Profile, impl kvsim.Impl, only *sim.FaultKind, start, seeds uint64, max int) (failed []scenarios.Result, n, runs int) {
	workers := runtime.GOMAXPROCS(0)
	results := make([]scenarios.Result, seeds)
	ran := make([]bool, seeds)
	var wg sync.WaitGroup
	for k := range workers {
		wg.Go(func() {
			var r scenarios.Runner
			for i := uint64(k); i < seeds; i += uint64(workers) {
				if !drawn(p, only, start+i) {
					continue
				}
				results[i], ran[i] = r.Try(scenarios.Config{Scenario: sc, Profile: p, Impl: impl, Seed: start + i}), true
			}
		})
	}
	wg.Wait()
	for i, r := range results {
		if !ran[i] {
			continue
		}
		if runs++; !r.Failed() {
			continue
		}
		if n++; len(failed) < max {
			failed = append(failed, r)
		}
	}
	return failed, n, runs
}

// TestReplicatedPasses runs every scenario on the replicated reference,
// 3 and 5 servers, under the scenario's own profile and under swarm: a
// false alarm is the worst bug a checker can have.
func TestReplicatedPasses(t *testing.T) {
	seeds := uint64(24)
	if testing.Short() {
		seeds = 4
	}
	if *flagSeeds > 0 {
		seeds = uint64(*flagSeeds)
	}
	only := drawnKind(t)
	for _, impl := range kvraft.Impls() {
		for _, sc := range scenarios.All() {
			profiles := []string{sc.DefaultFaults}
			if sc.DefaultFaults != scenarios.SwarmName {
				profiles = append(profiles, scenarios.SwarmName)
			}
			for _, faults := range profiles {
				t.Run(fmt.Sprintf("%s/%s/%s", impl.Name, sc.Name, faults), func(t *testing.T) {
					failed, n, runs := campaign(sc, profile(t, faults), impl, only, *flagStart, seeds, 3)
					if only != nil {
						t.Logf("%d of %d seeds draw %s", runs, seeds, only.Name())
					}
					for _, r := range failed {
						t.Errorf("%s\n%s", r.Described().Summary(), reproLine(r))
					}
					if n > 0 {
						t.Errorf("%d of %d seeds failed", n, seeds)
					}
				})
			}
		}
	}
}

// reproLine is the command line that replays r.
func reproLine(r scenarios.Result) string {
	return fmt.Sprintf("kvsim run --scenario %s --seed %d --faults %s --impl %s", r.Scenario, r.Seed, r.Faults, r.Impl)
}

// TestSameSeedSameHash: a replicated run replays to the same trace hash
// at GOMAXPROCS 1 and 2, tracing or not, and different seeds differ.
func TestSameSeedSameHash(t *testing.T) {
	seeds := uint64(6)
	if testing.Short() {
		seeds = goldenSeeds
	}
	hashes := func() string {
		var b strings.Builder
		for _, impl := range kvraft.Impls() {
			for _, sc := range scenarios.All() {
				for seed := range seeds {
					r := scenarios.Run(scenarios.Config{Scenario: sc, Profile: profile(t, scenarios.SwarmName), Impl: impl, Seed: seed})
					fmt.Fprintf(&b, "%s %s %d %s %s\n", impl.Name, sc.Name, seed, r.TraceHash, r.Verdict)
				}
			}
		}
		return b.String()
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	one := hashes()
	runtime.GOMAXPROCS(2)
	if two := hashes(); one != two {
		t.Fatalf("hashes differ between GOMAXPROCS 1 and 2:\n%s\nvs\n%s", one, two)
	}
	seen := map[string]string{}
	var pinned strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(one), "\n") {
		f := strings.Fields(line)
		if prev, dup := seen[f[3]]; dup {
			t.Errorf("%q and %q share a trace hash", prev, line)
		}
		seen[f[3]] = line
		if seed, _ := strconv.Atoi(f[2]); seed < goldenSeeds {
			pinned.WriteString(line + "\n")
		}
	}
	const path = "testdata/hashes.golden"
	if *flagUpdate {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(pinned.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./kvraft -run TestSameSeedSameHash -kvraft.update writes it)", err)
	}
	if got := pinned.String(); got != string(want) {
		t.Errorf("trace hashes changed: replicated runs no longer replay as they did\n got:\n%s\nwant:\n%s", got, want)
	}
	var sc scenarios.Scenario
	for _, s := range scenarios.All() {
		if s.Name == "kv-random" {
			sc = s
		}
	}
	cfg := scenarios.Config{Scenario: sc, Profile: profile(t, "chaos"), Impl: kvraft.Impl(3), Seed: 3}
	plain := scenarios.Run(cfg)
	cfg.Trace = true
	if traced := scenarios.Run(cfg); traced.TraceHash != plain.TraceHash {
		t.Errorf("tracing changed the run: %s vs %s", traced.TraceHash, plain.TraceHash)
	}
}
