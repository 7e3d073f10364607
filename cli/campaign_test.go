package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/zoo"
)

// kvsim runs the command line as main does.
func runKvsim(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = Main(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestCampaignPasses(t *testing.T) {
	cases := []struct {
		args []string
		last string
	}{
		{[]string{"--scenario", "kv-random", "--faults", "swarm", "--seeds", "30"}, "30 passed, 0 failed"},
		{[]string{"--scenario", "reliable-put,unreliable-put", "--seeds", "10", "--parallel", "1"}, "20 passed, 0 failed"},
		// Seeds 1, 5 and 9 of 0..9 are shard 1 of 4.
		{[]string{"--scenario", "kv-random", "--seeds", "10", "--shard", "1/4"}, "3 passed, 0 failed"},
		{[]string{"--scenario", "all", "--seeds", "3", "--start", "1000000"}, fmt.Sprintf("%d passed, 0 failed", 3*len(scenarios.All()))},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := runKvsim(append([]string{"campaign"}, tc.args...)...)
			if code != exitOK || lastLine(out) != tc.last {
				t.Errorf("exit %d, last line %q; want 0, %q\nstdout:\n%s\nstderr:\n%s", code, lastLine(out), tc.last, out, errOut)
			}
			// Progress goes to stderr, never into stdout.
			progress := regexp.MustCompile(`(?m)^campaign: \d+ seeds in `)
			if progress.MatchString(out) || !progress.MatchString(errOut) {
				t.Errorf("progress in the wrong place:\nstdout:\n%s\nstderr:\n%s", out, errOut)
			}
		})
	}
}

func TestCampaignFindsAZooBug(t *testing.T) {
	dir := t.TempDir()
	art, jsonl, junit, corpus := filepath.Join(dir, "art"), filepath.Join(dir, "out.jsonl"), filepath.Join(dir, "report.xml"), filepath.Join(dir, "regressions.txt")
	const impl = zoo.Prefix + "server-ignores-version"
	code, out, errOut := runKvsim("campaign", "--scenario", "kv-random,lock-counter", "--faults", "swarm", "--seeds", "200", "--impl", impl,
		"--artifacts", art, "--out", jsonl, "--junit", junit, "--save-failures", corpus)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitFailure, out, errOut)
	}
	if !regexp.MustCompile(`^0 passed, [1-9][0-9]* failed$`).MatchString(lastLine(out)) {
		t.Errorf("last line %q", lastLine(out))
	}
	repro := regexp.MustCompile(`repro: (kvsim run --scenario kv-random --seed (\d+) --faults swarm --impl ` + impl + `)\n +go test ./campaign`).FindStringSubmatch(out)
	if repro == nil {
		t.Fatalf("no repro lines:\n%s", out)
	}

	// The repro line replays the failure.
	args := strings.Fields(repro[1])[1:]
	if code, replayOut, _ := runKvsim(args...); code != exitFailure || !strings.Contains(replayOut, "violation") {
		t.Errorf("%s: exit %d\n%s", repro[1], code, replayOut)
	}

	// Artifacts.
	m := regexp.MustCompile(`artifacts: (\S+)`).FindStringSubmatch(out)
	if m == nil || !strings.HasPrefix(m[1], art) {
		t.Fatalf("no artifacts directory printed:\n%s", out)
	}
	for _, file := range []string{"result.json", "trace.txt", "history.txt", "history.html"} {
		if _, err := os.Stat(filepath.Join(m[1], file)); err != nil {
			t.Error(err)
		}
	}

	// JSON lines: failures, then the summary.
	f, err := os.Open(jsonl)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("%v: %s", err, sc.Text())
		}
		lines = append(lines, line)
	}
	if len(lines) < 2 {
		t.Fatalf("%d JSON lines, want failures and a summary", len(lines))
	}
	sum := lines[len(lines)-1]
	if sum["summary"] != true || sum["failed"] != float64(len(lines)-1) || sum["impl"] != impl {
		t.Errorf("summary line %v after %d failures", sum, len(lines)-1)
	}
	for _, l := range lines[:len(lines)-1] {
		if l["verdict"] == "ok" || l["impl"] != impl || !strings.HasPrefix(l["repro"].(string), "kvsim run ") {
			t.Errorf("failure line %v", l)
		}
	}

	// JUnit.
	raw, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var report junitSuites
	if err := xml.Unmarshal(raw, &report); err != nil {
		t.Fatalf("%v:\n%s", err, raw)
	}
	if report.Failures != len(lines)-1 || len(report.Suites) != 2 || report.Suites[0].Name != "kv-random" {
		t.Errorf("report: %+v", report)
	}
	failures := 0
	for _, s := range report.Suites {
		for _, c := range s.Cases {
			if c.Failure != nil {
				failures++
				if !strings.Contains(c.Failure.Message, "repro: kvsim run --scenario "+s.Name) {
					t.Errorf("failure message %q has no repro", c.Failure.Message)
				}
			}
		}
	}
	if failures != report.Failures {
		t.Errorf("%d failed test cases, the report says %d", failures, report.Failures)
	}

	// The corpus.
	saved, err := campaign.ReadRegressions(corpus)
	if err != nil || len(saved) != report.Failures {
		t.Errorf("saved %v (%v), want %d entries", saved, err, report.Failures)
	}
}

// One test case sums up the passed seeds of a scenario, however many
// there are, under a name that stays the same whatever the seed count and
// shard (CI keeps a test's history by its name); the counts are in its
// output. The report's counts are of test cases, as JUnit readers expect.
func TestCampaignPassingJUnit(t *testing.T) {
	var names []string
	for _, args := range [][]string{{"--seeds", "5"}, {"--seeds", "7", "--shard", "1/2", "--start", "3"}} {
		path := filepath.Join(t.TempDir(), "report.xml")
		args = append([]string{"campaign", "--scenario", "reliable-put", "--junit", path}, args...)
		if code, out, _ := runKvsim(args...); code != exitOK {
			t.Fatalf("exit %d\n%s", code, out)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var report junitSuites
		if err := xml.Unmarshal(raw, &report); err != nil {
			t.Fatal(err)
		}
		if report.Tests != 1 || report.Failures != 0 || len(report.Suites) != 1 || len(report.Suites[0].Cases) != 1 {
			t.Fatalf("report:\n%s", raw)
		}
		c := report.Suites[0].Cases[0]
		names = append(names, c.Name)
		if want := "seeds passed (faults reliable, impl reference"; !strings.Contains(c.SystemOut, want) {
			t.Errorf("the passing case's output %q lacks %q", c.SystemOut, want)
		}
	}
	if names[0] != names[1] || names[0] != "passing seeds (impl reference)" {
		t.Errorf("the passing case is named %q, then %q; want one name", names[0], names[1])
	}
}

func TestCampaignUsage(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no scenario", []string{"--seeds", "5"}, "needs --scenario"},
		{"no bound", []string{"--scenario", "all"}, "exactly one of --seeds and --duration"},
		{"both bounds", []string{"--scenario", "all", "--seeds", "5", "--duration", "1s"}, "exactly one of --seeds and --duration"},
		{"zero seeds", []string{"--scenario", "all", "--seeds", "0"}, "--seeds must be at least 1"},
		{"zero duration", []string{"--scenario", "all", "--duration", "0s"}, "--duration must be positive"},
		{"shard out of range", []string{"--scenario", "all", "--seeds", "5", "--shard", "8/8"}, `--shard "8/8"`},
		{"negative shard", []string{"--scenario", "all", "--seeds", "5", "--shard", "-1/8"}, `--shard "-1/8"`},
		{"shard not i/n", []string{"--scenario", "all", "--seeds", "5", "--shard", "3"}, `--shard "3"`},
		{"zero shards", []string{"--scenario", "all", "--seeds", "5", "--shard", "0/0"}, `--shard "0/0"`},
		{"negative parallel", []string{"--scenario", "all", "--seeds", "5", "--parallel", "-2"}, "--parallel"},
		{"shard with no seeds", []string{"--scenario", "kv-random", "--seeds", "2", "--shard", "4/5"}, "--shard 4/5 has no seeds: shard i of n runs seeds start+i, start+i+n, ..., and the campaign has 2 seeds (want --seeds 5 or more, or fewer shards)"},
		{"no failure in full", []string{"--scenario", "all", "--seeds", "5", "--artifacts-max", "0"}, "--artifacts-max must be at least 1"},
		{"unknown scenario", []string{"--scenario", "nope", "--seeds", "5"}, `unknown scenario "nope" (have: reliable-put, concurrent-put`},
		{"unknown in a list", []string{"--scenario", "kv-random,nope", "--seeds", "5"}, `unknown scenario "nope"`},
		{"unknown profile", []string{"--scenario", "all", "--seeds", "5", "--faults", "nope"}, `unknown fault profile "nope" (have: reliable, lossy`},
		{"unknown impl", []string{"--scenario", "all", "--seeds", "5", "--impl", "nope"}, `unknown implementation "nope" (have: reference`},
		{"bad flag", []string{"--scenario", "all", "--seeds", "5", "--nope"}, "unknown flag: --nope"},
		{"bad number", []string{"--scenario", "all", "--seeds", "many"}, `invalid argument "many"`},
		{"argument", []string{"--scenario", "all", "--seeds", "5", "extra"}, "kvsim: campaign: unexpected argument \"extra\"\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runKvsim(append([]string{"campaign"}, tc.args...)...)
			if code != exitUsage || !strings.Contains(errOut, tc.want) || out != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want exit 2 and %q", code, errOut, out, tc.want)
			}
		})
	}
}

// Outputs that cannot be written are setup errors (exit 2), found before
// the campaign starts.
func TestCampaignBadOutputPath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing", "x")
	for _, flag := range []string{"--out", "--junit", "--save-failures", "--artifacts"} {
		bad := missing
		if flag == "--artifacts" {
			bad = filepath.Join(file, "sub") // a directory under a file
		}
		code, out, errOut := runKvsim("campaign", "--scenario", "kv-random", "--seeds", "5", flag, bad)
		if code != exitUsage || !strings.Contains(errOut, flag+": ") || out != "" {
			t.Errorf("%s %s: exit %d, stdout %q, stderr %q; want exit 2 before any run", flag, bad, code, out, errOut)
		}
	}
}

// Failures come out in seed order and the summary names the lowest
// failing seed, whatever the order the workers finished in.
func TestCampaignFailuresInSeedOrder(t *testing.T) {
	code, out, _ := runKvsim("campaign", "--scenario", "kv-random", "--faults", "swarm", "--seeds", "40", "--keep-going",
		"--impl", zoo.Prefix+"server-ignores-version", "--parallel", "2")
	if code != exitFailure {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var seeds []int
	for _, m := range regexp.MustCompile(`(?m)^FAIL kv-random seed=(\d+) `).FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[1])
		seeds = append(seeds, n)
	}
	if len(seeds) < 2 || !slices.IsSorted(seeds) {
		t.Fatalf("FAIL lines not in seed order: %v\n%s", seeds, out)
	}
	if !strings.Contains(out, fmt.Sprintf("lowest failing seed: %d (kv-random): kvsim run --scenario kv-random --seed %d ", seeds[0], seeds[0])) {
		t.Errorf("the summary does not name the lowest failing seed %d:\n%s", seeds[0], out)
	}
}

func TestCampaignSeedOverflow(t *testing.T) {
	code, _, errOut := runKvsim("campaign", "--scenario", "kv-random", "--seeds", "10", "--start", "18446744073709551610")
	if code != exitUsage || !strings.Contains(errOut, "past the largest seed") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestETA(t *testing.T) {
	cases := []struct {
		left, rate float64
		want       string
	}{
		{100, 10, "10s"},
		{99999999999999, 1, "more than 100 years"},
		{5, 0, "more than 100 years"},
	}
	for _, tc := range cases {
		if got := eta(tc.left, tc.rate); got != tc.want {
			t.Errorf("eta(%v, %v) = %q, want %q", tc.left, tc.rate, got, tc.want)
		}
	}
}

// An interrupted campaign prints its partial summary and says so. The test
// cancels the command's context, which is what SIGINT does through
// signal.NotifyContext, without sending a signal to the test process.
func TestCampaignInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(300*time.Millisecond, cancel)
	var out, errOut bytes.Buffer
	root := newRootCmd(edge{cat: campaign.Default(), ex: campaign.InProcess{}})
	root.SetArgs([]string{"campaign", "--scenario", "kv-random", "--duration", "1h"})
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.ExecuteContext(ctx)
	if !errors.Is(err, errInterrupted) {
		t.Fatalf("got %v, want %v\nstdout:\n%s", err, errInterrupted, out.String())
	}
	if !strings.Contains(out.String(), "interrupted") || !regexp.MustCompile(`^\d+ passed, 0 failed$`).MatchString(lastLine(out.String())) {
		t.Errorf("stdout:\n%s", out.String())
	}
}

// An interrupted campaign's JUnit report says so, with counts that match
// its test cases.
func TestCampaignInterruptedJUnit(t *testing.T) {
	var buf bytes.Buffer
	sum := campaign.Summary{Runs: 3, Passed: 3, Seeds: 3, Interrupted: true, Scenarios: []campaign.ScenarioCount{{Scenario: "kv-random", Runs: 3, Passed: 3}}}
	if err := writeJUnit(&buf, campaignLabel{Impl: "reference", Shards: 1}, sum); err != nil {
		t.Fatal(err)
	}
	var report junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &report); err != nil {
		t.Fatal(err)
	}
	if report.Tests != 2 || report.Skipped != 1 || report.Suites[0].Tests != 2 || report.Suites[0].Cases[1].Skipped == nil {
		t.Errorf("report:\n%s", buf.String())
	}
}
