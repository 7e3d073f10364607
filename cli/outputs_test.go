package cli

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kvsim/kvsim/zoo"
)

// An output that cannot be written is refused before the run, exit 2, for
// a passing run as for a failing one: it never turns a pass into "a
// failure was found" (exit 1), nor prints a verdict it then contradicts.
func TestBadOutputPathsBeforeRunning(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing", "x.html")
	history := filepath.Join(dir, "history.txt")
	if err := os.WriteFile(history, []byte(`c0 [1,2] put(k, "a", v0) -> OK`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pass := []string{"run", "--scenario", "reliable-put", "--seed", "1"}
	fail := []string{"run", "--scenario", "reliable-put", "--seed", "1", "--impl", zoo.Prefix + "server-ignores-version"}
	cases := []struct {
		args []string
		flag string
	}{
		{append(pass, "--report", missing), "--report"},
		{append(pass, "--report", dir), "--report"},
		{append(pass, "--viz", missing), "--viz"},
		{append(fail, "--report", missing), "--report"},
		{append(fail, "--viz", missing), "--viz"},
		{append(fail, "--artifacts", filepath.Join(file, "sub")), "--artifacts"},
		{[]string{"check", "--history", history, "--viz", missing}, "--viz"},
		{[]string{"load", "--addr", "127.0.0.1:1", "--check", "--viz", missing}, "--viz"},
	}
	for _, tc := range cases {
		code, out, errOut := runKvsim(tc.args...)
		if code != exitUsage || out != "" || !strings.HasPrefix(errOut, "kvsim: "+tc.flag+" ") && !strings.HasPrefix(errOut, "kvsim: "+tc.flag+": ") {
			t.Errorf("kvsim %s: exit %d, stdout %q, stderr %q; want exit 2, nothing run, and a message about %s",
				strings.Join(tc.args, " "), code, out, errOut, tc.flag)
		}
	}
	// A good path is left as it was found: checking it made nothing.
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("the checks left files behind: %v", entries)
	}
}

// Without --keep-going, a campaign prints the failure it stopped for, the
// lowest failing seed's, with its artifacts, and counts the failures of
// runs that were already going, instead of a block and artifacts for each.
func TestCampaignShowsTheLowestFailure(t *testing.T) {
	art := filepath.Join(t.TempDir(), "art")
	// Both scenarios fail at seed 0, so one seed makes two failures.
	code, out, errOut := runKvsim("campaign", "--scenario", "reliable-put,concurrent-put", "--seeds", "100", "--parallel", "1",
		"--impl", zoo.Prefix+"server-ignores-version", "--artifacts", art)
	if code != exitFailure {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if n := strings.Count(out, "FAIL "); n != 1 || !strings.HasPrefix(out, "FAIL reliable-put seed=0 ") {
		t.Errorf("%d FAIL blocks, want the one of reliable-put seed 0:\n%s", n, out)
	}
	if want := "1 other failure found by seeds already running when the campaign stopped (concurrent-put seed 0); --keep-going runs every seed\n"; !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	if entries, err := os.ReadDir(art); err != nil || len(entries) != 1 {
		t.Errorf("artifacts: %v, %v; want one directory", entries, err)
	}
}

// With --keep-going, the first --artifacts-max failures of each scenario
// are shown in full with their artifacts, the rest are counted, and the
// JUnit file and --out keep every failing seed.
func TestCampaignArtifactsMax(t *testing.T) {
	dir := t.TempDir()
	art, junit, jsonl := filepath.Join(dir, "art"), filepath.Join(dir, "r.xml"), filepath.Join(dir, "out.jsonl")
	code, out, errOut := runKvsim("campaign", "--scenario", "reliable-put,concurrent-put", "--seeds", "20", "--keep-going",
		"--impl", zoo.Prefix+"server-ignores-version", "--artifacts", art, "--artifacts-max", "2", "--junit", junit, "--out", jsonl)
	if code != exitFailure || lastLine(out) != "0 passed, 40 failed" {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	blocks := regexp.MustCompile(`(?m)^FAIL (\S+) seed=(\d+) `).FindAllStringSubmatch(out, -1)
	var got []string
	for _, b := range blocks {
		got = append(got, b[1]+" "+b[2])
	}
	if want := "reliable-put 0,concurrent-put 0,reliable-put 1,concurrent-put 1"; strings.Join(got, ",") != want {
		t.Errorf("shown in full: %s; want %s", strings.Join(got, ","), want)
	}
	for _, want := range []string{
		"reliable-put: 18 more failures not shown (seeds 2, 3, 4, 5, 6, 7, 8, 9, ...); --out and --junit list every one, --artifacts-max shows more\n",
		"concurrent-put: 18 more failures not shown (seeds 2, 3, 4, 5, 6, 7, 8, 9, ...); ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if entries, err := os.ReadDir(art); err != nil || len(entries) != 4 {
		t.Errorf("artifacts: %d directories (%v), want 4", len(entries), err)
	}
	raw, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var report junitSuites
	if err := xml.Unmarshal(raw, &report); err != nil || report.Failures != 40 {
		t.Errorf("JUnit: %v, %d failures; want every one of 40", err, report.Failures)
	}
	text, err := os.ReadFile(jsonl)
	if err != nil || strings.Count(string(text), "\n") != 41 {
		t.Errorf("--out: %v, %d lines; want 40 failures and the summary", err, strings.Count(string(text), "\n"))
	}
}

// --save-failures says what it added: nothing, when the corpus has every
// failure already.
func TestSaveFailuresCountsWhatItAdds(t *testing.T) {
	corpus := filepath.Join(t.TempDir(), "regressions.txt")
	args := []string{"campaign", "--scenario", "reliable-put", "--seeds", "1", "--impl", zoo.Prefix + "server-ignores-version", "--save-failures", corpus}
	for _, want := range []string{"saved 1 failure to " + corpus + "\n", "saved nothing: " + corpus + " has every failure already\n"} {
		code, out, _ := runKvsim(args...)
		if code != exitFailure || !strings.Contains(out, want) {
			t.Errorf("exit %d; output lacks %q:\n%s", code, want, out)
		}
	}
	text, err := os.ReadFile(corpus)
	if err != nil || !strings.HasPrefix(string(text), "kvsim regression corpus v2\n") || strings.Count(string(text), "\nreliable-put 0 ") != 1 || !strings.Contains(string(text), " choices=") {
		t.Errorf("corpus: %v\n%s", err, text)
	}
}

// --out names the fault profiles the campaign ran under, resolved from
// the scenarios' defaults when --faults is not given.
func TestCampaignOutNamesTheFaults(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		faults string
	}{
		{[]string{"--scenario", "unreliable-put"}, "lossy"},
		{[]string{"--scenario", "reliable-put,unreliable-put"}, "reliable,lossy"},
		{[]string{"--scenario", "reliable-put,unreliable-put", "--faults", "chaos"}, "chaos"},
	} {
		path := filepath.Join(t.TempDir(), "out.jsonl")
		code, out, _ := runKvsim(append([]string{"campaign", "--seeds", "1", "--out", path}, tc.args...)...)
		text, err := os.ReadFile(path)
		if code != exitOK || err != nil {
			t.Fatalf("exit %d, %v\n%s", code, err, out)
		}
		var line struct {
			Faults    string `json:"faults"`
			Scenarios []struct {
				Faults string `json:"faults"`
			} `json:"scenarios"`
		}
		if err := json.Unmarshal(text, &line); err != nil || line.Faults != tc.faults || line.Scenarios[len(line.Scenarios)-1].Faults == "" {
			t.Errorf("%v: %v; summary line %s, want faults %q", tc.args, err, text, tc.faults)
		}
	}
}
