package campaign

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/check"
	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/zoo"
)

type (
	Result = scenarios.Result
	Impl   = kvsim.Impl
)

const swarm = scenarios.SwarmName

// runs resolves names through the default catalogue, as the command line
// does; impl "" is the reference.
func runs(t testing.TB, names []string, faults, impl string) []scenarios.Config {
	t.Helper()
	cat := Default()
	im, err := cat.Impl(impl)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := cat.Runs(names, faults, im)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// runsOf is runs for an implementation the catalogue does not know.
func runsOf(t testing.TB, names []string, impl Impl) []scenarios.Config {
	t.Helper()
	rs, err := Default().Runs(names, "", impl)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// runKey identifies a run of a campaign and what it did.
type runKey struct {
	scenario string
	seed     uint64
	hash     string
}

// collect runs a campaign and returns its summary and every run it made.
func collect(t *testing.T, cfg Config) (Summary, []runKey) {
	t.Helper()
	var runs []runKey
	cfg.OnResult = func(r Result) { runs = append(runs, runKey{r.Scenario, r.Seed, r.TraceHash}) }
	sum, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sum, runs
}

func TestCampaignShardsPartitionTheSeeds(t *testing.T) {
	cases := []struct {
		seeds, start uint64
		shards       int
	}{
		{seeds: 23, start: 0, shards: 1},
		{seeds: 23, start: 1000, shards: 3},
		{seeds: 5, start: 7, shards: 8}, // more shards than seeds: some run nothing
		{seeds: 16, start: 1 << 40, shards: 4},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d seeds from %d in %d shards", tc.seeds, tc.start, tc.shards), func(t *testing.T) {
			base := Config{Runs: runs(t, []string{"kv-random", "reliable-put"}, swarm, ""), Seeds: tc.seeds, Start: tc.start, KeepGoing: true}
			whole, all := collect(t, base)
			if whole.Failed != 0 || whole.Seeds != int(tc.seeds) || whole.Runs != 2*int(tc.seeds) {
				t.Fatalf("unsharded campaign: %+v", whole)
			}
			union := map[runKey]int{}
			for i := range tc.shards {
				cfg := base
				cfg.Shard, cfg.Shards, cfg.Parallel = i, tc.shards, 1+i%3
				sum, runs := collect(t, cfg)
				if uint64(sum.Seeds) != cfg.ShardSeeds() {
					t.Errorf("shard %d/%d ran %d seeds, ShardSeeds says %d", i, tc.shards, sum.Seeds, cfg.ShardSeeds())
				}
				for _, r := range runs {
					if (r.seed-tc.start)%uint64(tc.shards) != uint64(i) {
						t.Errorf("shard %d/%d ran seed %d", i, tc.shards, r.seed)
					}
					union[r]++
				}
			}
			// Same runs, same trace hashes, each exactly once.
			want := map[runKey]int{}
			for _, r := range all {
				want[r]++
			}
			if !maps.Equal(union, want) {
				t.Errorf("the shards' runs differ from the unsharded campaign's:\nshards: %v\nwhole:  %v", sortedKeys(union), sortedKeys(want))
			}
		})
	}
}

func sortedKeys(m map[runKey]int) []string {
	var keys []string
	for k, n := range m {
		keys = append(keys, fmt.Sprintf("%s/%d/%s x%d", k.scenario, k.seed, k.hash, n))
	}
	slices.Sort(keys)
	return keys
}

// firstFailing scans seeds one by one, the slow obvious way.
func firstFailing(t *testing.T, scenario, impl string, from uint64) uint64 {
	t.Helper()
	for seed := from; seed < from+1000; seed++ {
		r, err := Default().Run(kvsim.Spec{Scenario: scenario, Seed: seed, Faults: swarm, Impl: impl})
		if err != nil {
			t.Fatal(err)
		}
		if r.Failed() {
			return seed
		}
	}
	t.Fatalf("%s under %s: no failure in 1000 seeds", impl, scenario)
	return 0
}

func TestCampaignStopsAtTheLowestFailingSeed(t *testing.T) {
	// A bug that takes a few dozen seeds to show, so that parallel workers
	// race past the first failing seed.
	const impl, scenario, start = zoo.Prefix + "lock-release-no-owner-check", "lock-counter", 500
	want := firstFailing(t, scenario, impl, start)
	for _, parallel := range []int{1, 2, 8} {
		sum, _ := collect(t, Config{Runs: runs(t, []string{scenario}, swarm, impl), Start: start, Seeds: 1000, Parallel: parallel})
		if sum.Failed == 0 || sum.Failures[0].Seed != want {
			t.Fatalf("parallel %d: failures %v, want the first at seed %d", parallel, seedsOf(sum.Failures), want)
		}
		// Every lower seed ran. (Higher seeds ran too, as long as the
		// failing one was still running.)
		if sum.Seeds < int(want-start)+1 {
			t.Errorf("parallel %d: %d seeds ran for a first failure at seed %d from %d", parallel, sum.Seeds, want, start)
		}
		r := sum.Failures[0]
		if again, err := Default().Replay(r); err != nil || r.Impl != impl || r.Faults != swarm || again.TraceHash != r.TraceHash {
			t.Errorf("the failure cannot be replayed from its result: %+v", r)
		}
	}
}

func seedsOf(rs []Result) []uint64 {
	var seeds []uint64
	for _, r := range rs {
		seeds = append(seeds, r.Seed)
	}
	return seeds
}

func TestCampaignKeepGoingCounts(t *testing.T) {
	sum, runs := collect(t, Config{Runs: runs(t, nil, swarm, zoo.Prefix+"server-zero-overwrites"), Seeds: 40, KeepGoing: true})
	n := len(scenarios.All())
	if sum.Seeds != 40 || sum.Runs != 40*n || len(runs) != sum.Runs {
		t.Fatalf("%d seeds, %d runs, %d results seen; want 40, %d, %d", sum.Seeds, sum.Runs, len(runs), 40*n, 40*n)
	}
	if sum.Failed == 0 || sum.Passed+sum.Failed != sum.Runs || len(sum.Failures) != sum.Failed {
		t.Errorf("passed %d + failed %d != runs %d, or %d failures kept", sum.Passed, sum.Failed, sum.Runs, len(sum.Failures))
	}
	verdicts := 0
	for _, c := range sum.Verdicts {
		verdicts += c
	}
	if verdicts != sum.Runs || sum.Verdicts[kvsim.OK] != sum.Passed {
		t.Errorf("verdicts %v do not add up to %d runs, %d passed", sum.Verdicts, sum.Runs, sum.Passed)
	}
	perScenario := ScenarioCount{}
	for i, c := range sum.Scenarios {
		if c.Scenario != scenarios.All()[i].Name || c.Faults == "" || c.Runs != 40 || c.Passed+c.Failed != c.Runs {
			t.Errorf("scenario count %+v", c)
		}
		perScenario.Passed += c.Passed
		perScenario.Failed += c.Failed
	}
	if perScenario.Passed != sum.Passed || perScenario.Failed != sum.Failed {
		t.Errorf("per-scenario counts %+v do not add up to %d passed, %d failed", perScenario, sum.Passed, sum.Failed)
	}
	order := func(r Result) string {
		return fmt.Sprintf("%020d %04d", r.Seed, slices.IndexFunc(scenarios.All(), func(s scenarios.Scenario) bool { return s.Name == r.Scenario }))
	}
	if !slices.IsSortedFunc(sum.Failures, func(a, b Result) int { return strings.Compare(order(a), order(b)) }) {
		t.Errorf("failures are not by seed, then scenario: %v", seedsOf(sum.Failures))
	}
}

// trapServer is the reference server, except that the constructor of the
// nth server of a campaign panics or never returns, outside the simulator.
func trapServer(n int64, trap func()) Impl {
	var made atomic.Int64
	return Impl{Name: "trap", NewServer: func() rpc.Server {
		if made.Add(1) == n {
			trap()
		}
		return kv.NewServer()
	}}
}

func TestCampaignGuardsEveryRun(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) }) // lets the abandoned run end with the test
	cases := []struct {
		name    string
		trap    func()
		verdict kvsim.Verdict
		reason  string
	}{
		{"panic", func() { panic("constructor exploded") }, kvsim.Panic, "panic outside the simulator: constructor exploded"},
		{"hang", func() { <-release }, kvsim.Stuck, "did not return within 2s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// One scenario, one worker: the third server is the third seed's.
			sum, _ := collect(t, Config{Runs: runsOf(t, []string{"kv-random"}, trapServer(3, tc.trap)),
				Start: 10, Seeds: 6, Parallel: 1, KeepGoing: true, RunTimeout: 2 * time.Second})
			if sum.Runs != 6 || sum.Failed != 1 || sum.Verdicts[tc.verdict] != 1 {
				t.Fatalf("runs %d, failed %d, verdicts %v; want the campaign to go on past one %s", sum.Runs, sum.Failed, sum.Verdicts, tc.verdict)
			}
			r := sum.Failures[0]
			if r.Seed != 12 || r.Scenario != "kv-random" || r.Impl != "trap" || !strings.Contains(r.Reason, tc.reason) {
				t.Errorf("got %s", r.Summary())
			}
			if repro := Default().ReproOf(r).Run; !strings.Contains(repro, "--seed 12 ") {
				t.Errorf("repro line %q does not name the seed", repro)
			}
			if !strings.Contains(r.Stack, "trapServer") {
				t.Errorf("the stack does not show the trap:\n%s", r.Stack)
			}
		})
	}
}

// spinningServer is the reference server, except that the nth Put it
// handles spins until stop is set.
type spinningServer struct {
	*kv.Server
	n, puts int
	stop    *atomic.Bool
}

func (s *spinningServer) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	if s.puts++; s.puts == s.n {
		for !s.stop.Load() {
		}
	}
	s.Server.Put(args, reply)
}

// TestStuckRunShowsWhereItSpins: a handler that spins inside a simulated
// run is reported stuck after the run timeout, with the handler's stack,
// and the campaign goes on.
func TestStuckRunShowsWhereItSpins(t *testing.T) {
	var stop atomic.Bool
	t.Cleanup(func() { stop.Store(true) })
	im := Impl{Name: "spin", NewServer: func() rpc.Server { return &spinningServer{Server: kv.NewServer(), n: 3, stop: &stop} }}
	// Every run spins, so a short timeout cannot fail a slow but correct
	// run; the third Put comes within milliseconds.
	sum, _ := collect(t, Config{Runs: runsOf(t, []string{"reliable-put"}, im), Seeds: 2, Parallel: 1, KeepGoing: true, RunTimeout: 500 * time.Millisecond})
	if sum.Runs != 2 || sum.Failed != 2 || sum.Verdicts[kvsim.Stuck] != 2 {
		t.Fatalf("runs %d, failed %d, verdicts %v; want 2 stuck runs", sum.Runs, sum.Failed, sum.Verdicts)
	}
	for _, r := range sum.Failures {
		if !strings.Contains(r.Stack, "campaign.(*spinningServer).Put") || strings.Count("\n"+r.Stack, "\ngoroutine ") != 1 {
			t.Errorf("seed %d: want the spinning handler's goroutine alone, got:\n%s", r.Seed, r.Stack)
		}
	}
}

func TestCampaignInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	seen := 0
	sum, err := Run(ctx, Config{Runs: runs(t, []string{"kv-random"}, "", ""), Duration: time.Hour, OnResult: func(Result) {
		if seen++; seen == 20 {
			cancel()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Interrupted || sum.Runs < 20 || sum.Runs != sum.Passed || sum.Seeds != sum.Runs {
		t.Errorf("interrupted campaign: %+v", sum)
	}
}

func TestCampaignDuration(t *testing.T) {
	sum, err := Run(context.Background(), Config{Runs: runs(t, []string{"reliable-put"}, "", ""), Duration: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Interrupted || sum.Seeds == 0 || sum.Elapsed < 100*time.Millisecond || sum.Elapsed > 10*time.Second {
		t.Errorf("a 100ms campaign: %+v", sum)
	}
}

func TestCampaignConfigErrors(t *testing.T) {
	one := runs(t, []string{"kv-random"}, "", "")
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no runs", Config{Seeds: 1}, "no scenario"},
		{"no bound", Config{Runs: one}, "number of seeds or a duration"},
		{"shard too big", Config{Runs: one, Seeds: 1, Shard: 2, Shards: 2}, "shard 2/2"},
		{"shard without shards", Config{Runs: one, Seeds: 1, Shard: 1}, "shard 1/0"},
		{"negative shards", Config{Runs: one, Seeds: 1, Shards: -1}, "shard 0/-1"},
		{"negative parallel", Config{Runs: one, Seeds: 1, Parallel: -1}, "parallelism"},
		{"negative duration", Config{Runs: one, Duration: -time.Second}, "negative duration"},
		{"twice", Config{Runs: append(one, one...), Seeds: 1}, "named twice"},
		{"past the largest seed", Config{Runs: one, Seeds: 10, Start: 1<<64 - 5}, "past the largest seed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(context.Background(), tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
			if verr := tc.cfg.Validate(); fmt.Sprint(verr) != fmt.Sprint(err) {
				t.Errorf("Validate says %v, Run %v", verr, err)
			}
		})
	}
}

// TestUnknownNames: every unknown name is a typed error that lists the
// names there are.
func TestUnknownNames(t *testing.T) {
	cases := []struct {
		spec kvsim.Spec
		kind string
		have string
	}{
		{kvsim.Spec{Scenario: "nope"}, "scenario", "reliable-put"},
		{kvsim.Spec{Scenario: "kv-random", Faults: "nope"}, "fault profile", "reliable"},
		{kvsim.Spec{Scenario: "kv-random", Impl: "zoo/nope"}, "implementation", "reference"},
	}
	for _, tc := range cases {
		_, err := Default().Resolve(tc.spec)
		var unknown *UnknownNameError
		if !errors.As(err, &unknown) || unknown.Kind != tc.kind || !slices.Contains(unknown.Have, tc.have) {
			t.Errorf("Resolve(%+v) = %v, want an UnknownNameError for a %s listing %s", tc.spec, err, tc.kind, tc.have)
		}
	}
}

func TestShardSeeds(t *testing.T) {
	cases := []struct {
		seeds         uint64
		shard, shards int
		want          uint64
	}{
		{10, 0, 0, 10}, {10, 0, 1, 10}, {10, 0, 3, 4}, {10, 1, 3, 3}, {10, 2, 3, 3},
		{2, 2, 3, 0}, {0, 0, 1, 0}, {1 << 63, 7, 8, 1 << 60},
	}
	for _, tc := range cases {
		if got := (Config{Seeds: tc.seeds, Shard: tc.shard, Shards: tc.shards}).ShardSeeds(); got != tc.want {
			t.Errorf("%d seeds, shard %d/%d: %d seeds, want %d", tc.seeds, tc.shard, tc.shards, got, tc.want)
		}
	}
}

func TestRunGuarded(t *testing.T) {
	cfg := runs(t, []string{"reliable-put"}, "", "")[0]
	cfg.Seed, cfg.Trace = 3, true
	r, err := RunGuarded(context.Background(), nil, cfg, 0)
	if err != nil || r.Failed() || r.Trace == nil || r.Faults != "reliable" || r.Impl != kvsim.ReferenceName {
		t.Errorf("RunGuarded: %v, %s", err, r.Summary())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	block := make(chan struct{})
	defer close(block)
	hang := trapServer(1, func() { <-block })
	if _, err := RunGuarded(ctx, nil, runsOf(t, []string{"reliable-put"}, hang)[0], time.Hour); err != context.Canceled {
		t.Errorf("RunGuarded under a cancelled context: %v", err)
	}
}

// BenchmarkCampaign measures campaign throughput on kv-random under swarm,
// every run checked: one op is one seed. parallel-1 with -cpu 1 is the
// per-core throughput; parallel-2 against parallel-1 is how a campaign
// scales on two cores.
func BenchmarkCampaign(b *testing.B) {
	for _, bc := range []struct {
		name     string
		parallel int
	}{{"parallel-1", 1}, {"parallel-2", 2}} {
		b.Run(bc.name, func(b *testing.B) {
			sum, err := Run(context.Background(), Config{
				Runs: runs(b, []string{"kv-random"}, swarm, ""), Seeds: uint64(b.N), Parallel: bc.parallel, KeepGoing: true})
			if err != nil {
				b.Fatal(err)
			}
			if sum.Failed != 0 {
				b.Fatalf("the reference failed: %s", sum.Failures[0].Summary())
			}
			b.ReportMetric(float64(sum.Seeds)/b.Elapsed().Seconds(), "seeds/s")
		})
	}
}

// gaveUp is a check that never decides, as a checker that timed out.
type gaveUp struct{}

func (gaveUp) Name() string { return "test/gave-up" }

func (gaveUp) Check(_ *check.Recording, o *check.Outcome) {
	o.Add(check.Finding{Check: "test/gave-up", Verdict: kvsim.Unknown, Reason: "test/gave-up: the check timed out"})
}

// TestCampaignCountsUnknownAsFailed: a run whose check gave up is a
// failure of the campaign, never a pass.
func TestCampaignCountsUnknownAsFailed(t *testing.T) {
	cfg := runs(t, []string{"reliable-put"}, "reliable", kvsim.ReferenceName)[0]
	cfg.Scenario.Name = "test/gave-up"
	setup := cfg.Scenario.Setup
	cfg.Scenario.Setup = func(e *scenarios.Env) func() string {
		e.AddCheck(gaveUp{})
		return setup(e)
	}
	const seeds = 5
	sum, _ := collect(t, Config{Runs: []scenarios.Config{cfg}, Seeds: seeds, KeepGoing: true})
	if sum.Failed != seeds || sum.Passed != 0 || sum.Verdicts[kvsim.Unknown] != seeds || len(sum.Failures) != seeds {
		t.Fatalf("%d failed, %d passed, verdicts %v: want every run an unknown failure", sum.Failed, sum.Passed, sum.Verdicts)
	}
}
