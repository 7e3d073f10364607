package scenarios

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/kvsim/kvsim/kv/rpc"
)

var (
	replayScenario = flag.String("scenario", "", "TestReplay/TestShrink: scenario to replay")
	replaySeed     = flag.Uint64("seed", 0, "TestReplay: seed to replay")
	replayFaults   = flag.String("faults", "", "TestReplay/TestShrink: fault profile")
	replayImpl     = flag.String("impl", ReferenceName, "TestReplay/TestShrink: implementation")
	updateGolden   = flag.Bool("update", false, "rewrite golden files")
)

// TestReplay replays one run given on the command line, as printed in a
// failure's repro line, and fails if the run does:
//
//	go test ./scenarios -run TestReplay -args -scenario=kv-random -seed=7 -faults=swarm -impl=reference
func TestReplay(t *testing.T) {
	if *replayScenario == "" {
		t.Skip("give -args -scenario=S -seed=N [-faults=F] [-impl=I] to replay a run")
	}
	r, err := Run(Config{Scenario: *replayScenario, Seed: *replaySeed, Faults: *replayFaults, Impl: *replayImpl, Trace: true})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Failed() {
		t.Logf("%s (trace hash %s)", r.Summary(), r.TraceHash)
		return
	}
	a, err := WriteArtifacts(r, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	trace, _ := os.ReadFile(a.Trace)
	t.Logf("trace:\n%s", trace)
	t.Fatalf("%s\nhistory visualization (kept until the test exits): %s", r.Summary(), a.Viz)
}

// TestReferencePasses runs the reference under every profile: a false
// alarm is the worst bug a checker can have. Campaigns run far more seeds.
func TestReferencePasses(t *testing.T) {
	seeds := uint64(60)
	if testing.Short() {
		seeds = 10
	}
	for _, sc := range Scenarios() {
		for _, p := range Profiles() {
			t.Run(sc.Name+"/"+p.Name, func(t *testing.T) {
				t.Parallel()
				for seed := range seeds {
					r := mustRun(t, Config{Scenario: sc.Name, Seed: seed, Faults: p.Name})
					if r.Failed() {
						t.Fatalf("%s\n%s", r.Summary(), r.GoTest)
					}
				}
			})
		}
	}
}

func mustRun(t testing.TB, cfg Config) Result {
	t.Helper()
	r, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSameSeedSameHash: every scenario replays to the same trace hash at
// GOMAXPROCS 1 and 2, tracing or not; different seeds differ. The golden
// file pins the hashes across builds and -race.
func TestSameSeedSameHash(t *testing.T) {
	const seeds = 8
	hashes := func() string {
		var b strings.Builder
		for _, sc := range Scenarios() {
			for seed := range uint64(seeds) {
				r := mustRun(t, Config{Scenario: sc.Name, Seed: seed, Faults: SwarmName})
				fmt.Fprintf(&b, "%s %d %s %s\n", sc.Name, seed, r.TraceHash, r.Verdict)
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
	for _, line := range strings.Split(strings.TrimSpace(one), "\n") {
		f := strings.Fields(line)
		if prev, dup := seen[f[2]]; dup {
			t.Errorf("%q and %q share a trace hash", prev, line)
		}
		seen[f[2]] = line
	}
	traced := mustRun(t, Config{Scenario: "kv-random", Seed: 3, Faults: "chaos", Trace: true})
	plain := mustRun(t, Config{Scenario: "kv-random", Seed: 3, Faults: "chaos"})
	if traced.TraceHash != plain.TraceHash {
		t.Errorf("tracing changed the run: %s vs %s", traced.TraceHash, plain.TraceHash)
	}
	const golden = "testdata/hashes.golden"
	if *updateGolden {
		if err := os.WriteFile(golden, []byte(one), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./scenarios -run SameSeed -update creates it)", err)
	}
	if one != string(want) {
		t.Errorf("trace hashes changed: runs no longer replay as they did\n got:\n%s\nwant:\n%s", one, want)
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Scenario: "nope"}, `unknown scenario "nope"`},
		{Config{Scenario: "kv-random", Faults: "nope"}, `unknown fault profile "nope"`},
		{Config{Scenario: "kv-random", Impl: "zoo/nope"}, `unknown implementation "zoo/nope"`},
	}
	for _, tt := range tests {
		if _, err := Run(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Run(%+v) error = %v, want %q", tt.cfg, err, tt.want)
		}
	}
}

// panickyServer panics on a Put to key "b".
type panickyServer struct{ rpc.Server }

func (s panickyServer) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	if args.Key == "b" {
		panic("server bug on key b")
	}
	s.Server.Put(args, reply)
}

// busyClerk never returns from Get: it keeps asking.
type busyClerk struct {
	rpc.Clerk
	c rpc.Caller
}

func (b busyClerk) Get(key string) (string, rpc.Tversion, rpc.Err) {
	for {
		b.c.Call(ServerName, rpc.MethodGet, &rpc.GetArgs{Key: key}, &rpc.GetReply{})
	}
}

// TestSUTFailuresAreReported: a panicking server and a clerk that never
// returns are reported with their verdict, reason and repro line, never as
// a crash or a hang of the simulator.
func TestSUTFailuresAreReported(t *testing.T) {
	tests := []struct {
		name    string
		impl    Impl
		verdict Verdict
		reason  string
	}{
		{"server panics", Impl{NewServer: func() rpc.Server { return panickyServer{Reference().NewServer()} }},
			VerdictPanic, "server server: handler KVServer.Put panicked: server bug on key b"},
		{"clerk never returns", Impl{NewClerk: func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk {
			return busyClerk{Reference().NewClerk(c, s, server), c}
		}}, VerdictStuck, "liveness: faults stopped at 2s but the run had not finished 10s later"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			found := false
			for seed := range uint64(20) {
				r := mustRun(t, Config{Scenario: "kv-random", Seed: seed, Faults: "reliable", Impl: "custom", Custom: &tt.impl})
				if !r.Failed() {
					continue
				}
				found = true
				if r.Verdict != tt.verdict || !strings.Contains(r.Reason, tt.reason) {
					t.Fatalf("got %s, want %s: %s", r.Summary(), tt.verdict, tt.reason)
				}
				if tt.verdict == VerdictPanic && !strings.Contains(r.Stack, "panickyServer") {
					t.Errorf("stack does not show the panicking handler:\n%s", r.Stack)
				}
				if !strings.Contains(r.Repro, fmt.Sprintf("--seed %d ", seed)) {
					t.Errorf("repro %q does not name seed %d", r.Repro, seed)
				}
				break
			}
			if !found {
				t.Fatal("no seed failed")
			}
		})
	}
}
