package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunJSON(t *testing.T) {
	code, out, errOut := runKvsim("run", "--scenario", "kv-random", "--seed", "7", "--faults", "chaos", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	for _, key := range []string{"scenario", "seed", "faults", "impl", "verdict", "trace_hash", "ops", "rpcs", "sim_time_ns", "repro"} {
		if _, ok := r[key]; !ok {
			t.Errorf("no %q in %s", key, out)
		}
	}
	if r["verdict"] != "ok" || r["faults"] != "chaos" || r["impl"] != "reference" {
		t.Errorf("unexpected result %s", out)
	}
	// The same flags replay the same run.
	_, again, _ := runKvsim("run", "--scenario", "kv-random", "--seed", "7", "--faults", "chaos", "--json")
	if again != out {
		t.Errorf("two runs of the same seed differ:\n%s%s", out, again)
	}
}

func TestRunFailure(t *testing.T) {
	dir := t.TempDir()
	viz := filepath.Join(dir, "v.html")
	code, out, errOut := runKvsim("run", "--scenario", "reliable-put", "--seed", "1", "--impl", "zoo/server-ignores-version",
		"--trace", "--viz", viz, "--artifacts", dir)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d: %s%s", code, exitFailure, out, errOut)
	}
	for _, want := range []string{"violation", "repro: kvsim run --scenario reliable-put --seed 1 --faults reliable --impl zoo/server-ignores-version",
		"go test ./campaign -run TestReplay", "send ", "deliver "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if html, err := os.ReadFile(viz); err != nil || !strings.Contains(string(html), "<html") {
		t.Errorf("no visualization at %s: %v", viz, err)
	}
	if !strings.Contains(errOut, "artifacts: "+dir) {
		t.Errorf("artifacts directory not reported: %s", errOut)
	}
	page, err := os.ReadFile(filepath.Join(dir, "reliable-put-1-zoo_server-ignores-version", "report.html"))
	if err != nil || !strings.Contains(string(page), `href="history.html"`) && !strings.Contains(string(page), `"porcupineLink":"history.html"`) {
		t.Errorf("the artifacts' report.html is missing or does not link history.html: %v", err)
	}
}

// TestRunReport is the report's acceptance command: the file names the
// seed, the verdict and the repro line.
func TestRunReport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.html")
	code, out, errOut := runKvsim("run", "--scenario", "kv-random", "--seed", "1", "--faults", "swarm", "--impl", "zoo/server-ignores-version", "--report", path)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d: %s%s", code, exitFailure, out, errOut)
	}
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<td id="seed">1</td>`, `<td id="verdict">violation</td>`,
		"kvsim run --scenario kv-random --seed 1 --faults swarm --impl zoo/server-ignores-version"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	code, _, errOut = runKvsim("run", "--scenario", "kv-random", "--seed", "1", "--report", filepath.Join(t.TempDir(), "no", "such", "dir", "r.html"))
	if code == exitOK || !strings.Contains(errOut, "kvsim: ") {
		t.Errorf("an unwritable report path: exit %d, stderr %q; want an error", code, errOut)
	}
}

func TestRunUsage(t *testing.T) {
	cases := [][]string{
		{"run", "--seed", "1"},
		{"run", "--scenario", "kv-random"},
		{"run", "--scenario", "nope", "--seed", "1"},
		{"run", "--scenario", "kv-random", "--seed", "1", "--faults", "nope"},
		{"run", "--scenario", "kv-random", "--seed", "1", "--impl", "zoo/nope"},
		{"run", "--scenario", "kv-random", "--seed", "-1"},
		{"run", "--scenario", "kv-random", "--seed", "1", "extra"},
		{"nope"},
		{},
	}
	for _, args := range cases {
		code, out, errOut := runKvsim(args...)
		if code != exitUsage || !strings.Contains(errOut, "kvsim: ") {
			t.Errorf("kvsim %s: exit %d, stderr %q, stdout %q; want exit 2 with a message", strings.Join(args, " "), code, errOut, out)
		}
	}
}

func TestScenariosLists(t *testing.T) {
	code, out, _ := runKvsim("scenarios")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"kv-random", "lock-counter", "many-clients", "swarm", "chaos"} {
		if !strings.Contains(out, want) {
			t.Errorf("kvsim scenarios does not list %s", want)
		}
	}
}

func TestRootUsage(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{nil, "kvsim: missing command"},
		{[]string{"nosuch"}, `kvsim: unknown command "nosuch"`},
		{[]string{"help", "nosuch"}, `kvsim: help: unknown command "nosuch"`},
	}
	for _, tc := range cases {
		code, _, errOut := runKvsim(tc.args...)
		if code != exitUsage || !strings.HasPrefix(errOut, tc.want+"\n") {
			t.Errorf("kvsim %v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
	if code, out, _ := runKvsim("help", "run"); code != exitOK || !strings.Contains(out, "Run one scenario") {
		t.Errorf("kvsim help run: exit %d\n%s", code, out)
	}
}

// TestRunJSONTrace: with --json and --trace, stdout is one JSON object and
// the trace goes to stderr.
func TestRunJSONTrace(t *testing.T) {
	code, out, errOut := runKvsim("run", "--scenario", "reliable-put", "--seed", "1", "--json", "--trace")
	var r map[string]any
	if code != exitOK || json.Unmarshal([]byte(out), &r) != nil || !strings.Contains(errOut, "deliver") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}
