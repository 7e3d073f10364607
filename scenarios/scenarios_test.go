package scenarios

import (
	"cmp"
	"flag"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kv/rpc"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files")

// config resolves a scenario and a profile by name, the way the campaign
// package's catalogue does, for the tests of this package.
func config(t testing.TB, scenario, faults string, seed uint64) Config {
	t.Helper()
	for _, sc := range All() {
		if sc.Name != scenario {
			continue
		}
		faults = cmp.Or(faults, sc.DefaultFaults)
		for _, p := range Profiles() {
			if p.Name == faults {
				return Config{Scenario: sc, Profile: p, Seed: seed}
			}
		}
		t.Fatalf("no profile %q", faults)
	}
	t.Fatalf("no scenario %q", scenario)
	return Config{}
}

// TestReferencePasses runs the reference under every profile: a false
// alarm is the worst bug a checker can have. Campaigns run far more seeds.
func TestReferencePasses(t *testing.T) {
	seeds := uint64(60)
	if testing.Short() {
		seeds = 10
	}
	for _, sc := range All() {
		for _, p := range Profiles() {
			t.Run(sc.Name+"/"+p.Name, func(t *testing.T) {
				t.Parallel()
				for seed := range seeds {
					r := Run(Config{Scenario: sc, Profile: p, Seed: seed})
					if r.Failed() {
						t.Fatalf("%s\n%s", r.Summary(), r.GoTest)
					}
				}
			})
		}
	}
}

// TestSameSeedSameHash: every scenario replays to the same trace hash at
// GOMAXPROCS 1 and 2, tracing or not; different seeds differ. The golden
// file pins the hashes across builds and -race; a few runs are pinned as
// readable text too (TestGoldenTraces).
func TestSameSeedSameHash(t *testing.T) {
	const seeds = 8
	hashes := func() string {
		var b strings.Builder
		for _, sc := range All() {
			for seed := range uint64(seeds) {
				r := Run(config(t, sc.Name, SwarmName, seed))
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
	plain := Run(config(t, "kv-random", "chaos", 3))
	cfg := config(t, "kv-random", "chaos", 3)
	cfg.Trace = true
	traced := Run(cfg)
	if traced.TraceHash != plain.TraceHash {
		t.Errorf("tracing changed the run: %s vs %s", traced.TraceHash, plain.TraceHash)
	}
	want := golden(t, "testdata/hashes.golden", one, "SameSeed")
	if one != want {
		t.Errorf("trace hashes changed: runs no longer replay as they did (TestGoldenTraces shows a few of them as text)\n got:\n%s\nwant:\n%s", one, want)
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
		b.c.Call(kvsim.ServerName, rpc.MethodGet, &rpc.GetArgs{Key: key}, &rpc.GetReply{})
	}
}

// slowClerk sleeps its pause of virtual time before each operation, and
// forever from operation number stopAt on (if positive).
type slowClerk struct {
	rpc.Clerk
	s      rpc.Sleeper
	pause  time.Duration
	stopAt int
	n      *int // operations begun
}

func (c slowClerk) wait() {
	*c.n++
	for c.stopAt > 0 && *c.n >= c.stopAt {
		c.s.Sleep(time.Hour)
	}
	c.s.Sleep(c.pause)
}

func (c slowClerk) Get(key string) (string, rpc.Tversion, rpc.Err) {
	c.wait()
	return c.Clerk.Get(key)
}

func (c slowClerk) Put(key, value string, version rpc.Tversion) rpc.Err {
	c.wait()
	return c.Clerk.Put(key, value, version)
}

// TestLivenessAsksForProgress: once the faults stop (at 2s), a run has a
// window to finish or to complete an operation, and each operation
// completed gives it another, up to LivenessCap: a slow service passes,
// one that stops answering or never gets done fails, each named as such.
// kv-random's four clients make 15 operations each.
func TestLivenessAsksForProgress(t *testing.T) {
	tests := []struct {
		name   string
		pause  time.Duration
		stopAt int
		reason string // "" to pass
	}{
		{"slow but steady", 3 * time.Second, 0, ""},
		{"stops answering", 3 * time.Second, 3, "liveness: faults stopped at 2s; no operation completed in the 10s after 6.0"},
		{"too slow to finish", 9 * time.Second, 0, "liveness: faults stopped at 2s and operations still completed (the last at 54.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config(t, "kv-random", "reliable", 1)
			cfg.Impl = kvsim.Impl{Name: "custom", NewClerk: func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk {
				return slowClerk{kvsim.Reference().NewClerk(c, s, server), s, tt.pause, tt.stopAt, new(int)}
			}}
			r := Run(cfg)
			if tt.reason == "" {
				if r.Failed() || r.SimTimeNS <= int64(2*time.Second+LivenessWindow) {
					t.Fatalf("%s after %v, want a pass later than the first window", r.Summary(), time.Duration(r.SimTimeNS))
				}
				return
			}
			if r.Verdict != kvsim.Stuck || !strings.HasPrefix(r.Reason, tt.reason) {
				t.Fatalf("%s, want stuck: %s...", r.Summary(), tt.reason)
			}
		})
	}
}

// TestSUTFailuresAreReported: a panicking server and a clerk that never
// returns are reported with their verdict, reason and repro line, never as
// a crash or a hang of the simulator.
func TestSUTFailuresAreReported(t *testing.T) {
	tests := []struct {
		name    string
		impl    kvsim.Impl
		verdict kvsim.Verdict
		reason  string
	}{
		{"server panics", kvsim.Impl{Name: "custom", NewServer: func() rpc.Server { return panickyServer{kvsim.Reference().NewServer()} }},
			kvsim.Panic, "server server: handler KVServer.Put panicked: server bug on key b"},
		{"clerk never returns", kvsim.Impl{Name: "custom", NewClerk: func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk {
			return busyClerk{kvsim.Reference().NewClerk(c, s, server), c}
		}}, kvsim.Stuck, "liveness: faults stopped at 2s but the run had not finished 10s later"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			found := false
			for seed := range uint64(20) {
				cfg := config(t, "kv-random", "reliable", seed)
				cfg.Impl = tt.impl
				r := Run(cfg)
				if !r.Failed() {
					continue
				}
				found = true
				if r.Verdict != tt.verdict || !strings.Contains(r.Reason, tt.reason) {
					t.Fatalf("got %s, want %s: %s", r.Summary(), tt.verdict, tt.reason)
				}
				if tt.verdict == kvsim.Panic && !strings.Contains(r.Stack, "panickyServer") {
					t.Errorf("stack does not show the panicking handler:\n%s", r.Stack)
				}
				if r.Seed != seed || r.Impl != "custom" || r.Run != "" {
					t.Errorf("%s: the result does not name seed %d and the implementation, or has repro lines (the front door's)", r.Summary(), seed)
				}
				break
			}
			if !found {
				t.Fatal("no seed failed")
			}
		})
	}
}
