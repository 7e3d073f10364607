package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim/scenarios"
)

// kvsim runs the command line as main does.
func kvsim(args ...string) (code int, stdout, stderr string) {
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
		{[]string{"--scenario", "all", "--seeds", "3", "--start", "1000000"}, "21 passed, 0 failed"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := kvsim(append([]string{"campaign"}, tc.args...)...)
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
	const impl = scenarios.ZooPrefix + "server-ignores-version"
	code, out, errOut := kvsim("campaign", "--scenario", "kv-random,lock-counter", "--faults", "swarm", "--seeds", "200", "--impl", impl,
		"--artifacts", art, "--out", jsonl, "--junit", junit, "--save-failures", corpus)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitFailure, out, errOut)
	}
	if !regexp.MustCompile(`^0 passed, [1-9][0-9]* failed$`).MatchString(lastLine(out)) {
		t.Errorf("last line %q", lastLine(out))
	}
	repro := regexp.MustCompile(`repro: (kvsim run --scenario kv-random --seed (\d+) --faults swarm --impl ` + impl + `)\n +go test ./scenarios`).FindStringSubmatch(out)
	if repro == nil {
		t.Fatalf("no repro lines:\n%s", out)
	}

	// The repro line replays the failure.
	args := strings.Fields(repro[1])[1:]
	if code, replayOut, _ := kvsim(args...); code != exitFailure || !strings.Contains(replayOut, "violation") {
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
	saved, err := scenarios.ReadRegressions(corpus)
	if err != nil || len(saved) != report.Failures {
		t.Errorf("saved %v (%v), want %d entries", saved, err, report.Failures)
	}
}

func TestCampaignPassingJUnit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.xml")
	if code, out, _ := kvsim("campaign", "--scenario", "reliable-put", "--seeds", "5", "--junit", path); code != exitOK {
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
	// One test case sums up the passed seeds, however many there are.
	if report.Tests != 5 || report.Failures != 0 || len(report.Suites) != 1 || len(report.Suites[0].Cases) != 1 ||
		!strings.HasPrefix(report.Suites[0].Cases[0].Name, "5 seeds passed") {
		t.Errorf("report:\n%s", raw)
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
		{"unknown scenario", []string{"--scenario", "nope", "--seeds", "5"}, `unknown scenario "nope" (have: reliable-put, concurrent-put`},
		{"unknown in a list", []string{"--scenario", "kv-random,nope", "--seeds", "5"}, `unknown scenario "nope"`},
		{"unknown profile", []string{"--scenario", "all", "--seeds", "5", "--faults", "nope"}, `unknown fault profile "nope" (have: reliable, lossy`},
		{"unknown impl", []string{"--scenario", "all", "--seeds", "5", "--impl", "nope"}, `unknown implementation "nope" (have: reference`},
		{"bad flag", []string{"--scenario", "all", "--seeds", "5", "--nope"}, "unknown flag: --nope"},
		{"bad number", []string{"--scenario", "all", "--seeds", "many"}, `invalid argument "many"`},
		{"argument", []string{"--scenario", "all", "--seeds", "5", "extra"}, `unexpected argument "extra"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := kvsim(append([]string{"campaign"}, tc.args...)...)
			if code != exitUsage || !strings.Contains(errOut, tc.want) || out != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want exit 2 and %q", code, errOut, out, tc.want)
			}
		})
	}
}

func TestCampaignBadOutputPath(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "missing", "out.jsonl")
	code, out, errOut := kvsim("campaign", "--scenario", "kv-random", "--seeds", "5", "--out", bad)
	if code != exitFailure || !strings.Contains(errOut, "missing") || out != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
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
	root := newRootCmd()
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
