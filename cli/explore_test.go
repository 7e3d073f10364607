package cli

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kvsim/kvsim/search"
)

// exploreBudget is --runs for the explorations that end without a failure,
// which spend all of it.
func exploreBudget() string {
	if testing.Short() {
		return "60"
	}
	return "200"
}

// rungHeads are the "bound i of n" lines of an exploration's output.
var rungHead = regexp.MustCompile(`(?m)^bound (\d+) of (\d+): `)

// The report's case: the default bound finds server-ignores-version on
// kv-random (every campaign does, at seed 0), and its repro line replays
// it to the same trace hash.
func TestExploreDefaultFindsServerIgnoresVersion(t *testing.T) {
	code, out, errOut := runKvsim("explore", "--impl", "zoo/server-ignores-version", "--scenario", "kv-random")
	if code != exitFailure || strings.Contains(out, "no bug within") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	replays(t, out)
}

// A bug explore finds replays from its repro line to the same trace hash.
func TestExploreFindsAndReplays(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runKvsim("explore", "--scenario", "lock-counter", "--faults", "lossy", "--impl", "zoo/lock-ignores-maybe", "--max-faults", "2", "--max-ties", "0", "--artifacts", dir)
	if code != exitFailure {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	replays(t, out)
	if reports, _ := filepath.Glob(filepath.Join(dir, "*", "report.html")); len(reports) != 1 || !strings.Contains(out, "report: "+reports[0]+"\n") {
		t.Errorf("report.html: %v, and the output names it:\n%s", reports, out)
	}
}

// replays checks that the failure out reports replays from its repro line
// to the same trace hash.
func replays(t *testing.T, out string) {
	t.Helper()
	repro := regexp.MustCompile(`repro: kvsim (run .* --strategy replay:\S+)\n`).FindStringSubmatch(out)
	hash := regexp.MustCompile(`trace hash +(\S+)`).FindStringSubmatch(out)
	if repro == nil || hash == nil {
		t.Fatalf("no repro line or hash:\n%s", out)
	}
	code, again, _ := runKvsim(strings.Fields(repro[1])...)
	if code != exitFailure || !strings.Contains(again, hash[1]) {
		t.Errorf("%s: exit %d, want the failure with hash %s\n%s", repro[1], code, hash[1], again)
	}
}

// The swarm scenarios draw their workload and fault model per seed: an
// exploration varies them (many runs, not one) and is never an all-clear,
// whatever its bound and budget (TestExploreLadderPrintsEveryRung climbs
// the default ladder).
func TestExploreSwarmIsNoAllClear(t *testing.T) {
	for _, sc := range []string{"kv-swarm", "lock-swarm", "lock-multi"} {
		code, out, errOut := runKvsim("explore", "--scenario", sc, "--max-faults", "1", "--runs", exploreBudget(), "--seeds", "4")
		if code != exitOK || strings.Contains(out, "no bug within") || !strings.Contains(out, "this is not an all-clear") ||
			!strings.Contains(out, "draws its workload and swarm its fault model per seed") {
			t.Errorf("%s: exit %d\n%s%s", sc, code, out, errOut)
			continue
		}
		for _, m := range regexp.MustCompile(`(\d+) distinct runs?,`).FindAllStringSubmatch(out, -1) {
			if m[1] == "1" {
				t.Errorf("%s: a bound made 1 run:\n%s", sc, out)
			}
		}
		if !strings.Contains(out, "workloads of seeds 0-3, each drawn as a campaign draws it, with the fault model swarm draws") {
			t.Errorf("%s: the output does not say which workloads it covered:\n%s", sc, out)
		}
	}
}

// Each bound says in words what it covered.
func TestExploreSaysWhatItCovered(t *testing.T) {
	code, out, errOut := runKvsim("explore", "--scenario", "kv-random", "--max-faults", "1", "--max-ties", "1", "--runs", exploreBudget(), "--seeds", "2")
	want := []string{
		"bound 1 of 1: at most 1 fault and at most 1 tie out of scheduling order in a run, " + exploreBudget() + " runs at most\n",
		"  workloads of seeds 0-1, each drawn as a campaign draws it, with the fault model swarm draws: 4 clients, ",
		"  schedule  up to ",
		"  faults    may fire at up to ",
		"  result    no failure, but the budget cut ",
		" runs, but this is not an all-clear:\n  - kv-random draws its workload and swarm its fault model per seed",
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("exit %d: no %q in\n%s%s", code, w, out, errOut)
		}
	}
}

// All-clears: a scenario that draws nothing, with every tree exhausted; a
// workload enumerated in full. Not all-clears: a workload drawn per seed,
// or enumerated over fewer values than its draws have.
func TestExploreAllClear(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--scenario", "reliable-put"}, "no bug within these bounds: every run within them passed, and they cover every workload the scenario has\n"},
		{[]string{"--scenario", "unreliable-put", "--max-faults", "2", "--max-ties", "0"}, "no bug within this bound: every run within it passed, and it covers every workload the scenario has\n"},
		{[]string{"--scenario", "lock-counter", "--faults", "reliable", "--workload", "3", "--max-faults", "0"}, "no bug within this bound"},
		{[]string{"--scenario", "lock-counter", "--faults", "lossy", "--runs", exploreBudget()}, "  - lock-counter draws its workload per seed, and explore covered the draws of seeds 0-19 only"},
		{[]string{"--scenario", "kv-random", "--workload", "1", "--runs", exploreBudget()}, "  - --workload 1 tried only the first values of workload draws that have more"},
	} {
		code, out, errOut := runKvsim(append([]string{"explore"}, c.args...)...)
		if code != exitOK || !strings.Contains(out, c.want) {
			t.Errorf("%v: exit %d, want %q\n%s%s", c.args, code, c.want, out, errOut)
		}
		if allClear := strings.Contains(out, "no bug within"); allClear != strings.HasPrefix(c.want, "no bug within") {
			t.Errorf("%v: all-clear %v\n%s", c.args, allClear, out)
		}
	}
}

// --runs is a budget of at least 1: 0 is refused, not read as some default.
func TestExploreRunsZero(t *testing.T) {
	for _, runs := range []string{"0", "-1"} {
		code, out, errOut := runKvsim("explore", "--scenario", "reliable-put", "--runs", runs)
		if code != exitUsage || out != "" || !strings.Contains(errOut, "--runs must be at least 1") {
			t.Errorf("--runs %s: exit %d\n%s%s", runs, code, out, errOut)
		}
	}
	code, out, _ := runKvsim("explore", "--scenario", "reliable-put", "--runs", "1", "--max-faults", "0")
	if code != exitOK || !strings.Contains(out, ", 1 runs at most") && !strings.Contains(out, ", 1 run at most") {
		t.Errorf("--runs 1: exit %d\n%s", code, out)
	}
}

// --ladder, the default, prints every bound it tries with its result, in
// order, up to the one that fails; --max-faults and --max-ties make one
// bound.
func TestExploreLadderPrintsEveryRung(t *testing.T) {
	n := len(search.DefaultLadder())
	for _, c := range []struct {
		args   []string
		bounds int
		fail   bool
	}{
		{[]string{"--scenario", "lock-counter", "--runs", exploreBudget()}, n, false},
		{[]string{"--scenario", "kv-swarm", "--runs", exploreBudget(), "--seeds", "3", "--ladder"}, n, false},
		// Three faults in a row: only the last bound has them.
		{[]string{"--scenario", "unreliable-put", "--impl", "zoo/clerk-stale-get-on-timeout", "--ladder"}, n, true},
		{[]string{"--scenario", "lock-counter", "--runs", exploreBudget(), "--max-faults", "2"}, 1, false},
	} {
		code, out, errOut := runKvsim(append([]string{"explore"}, c.args...)...)
		heads := rungHead.FindAllStringSubmatch(out, -1)
		results := regexp.MustCompile(`(?m)^  result    (.*)$`).FindAllStringSubmatch(out, -1)
		if code != map[bool]int{false: exitOK, true: exitFailure}[c.fail] || len(heads) != c.bounds || len(results) != c.bounds {
			t.Errorf("%v: exit %d, %d bounds and %d results printed, want %d\n%s%s", c.args, code, len(heads), len(results), c.bounds, out, errOut)
			continue
		}
		if !c.fail && (strings.Contains(out, "no bug within") || !strings.Contains(out, "this is not an all-clear")) {
			t.Errorf("%v: an all-clear from a sample of the workloads:\n%s", c.args, out)
		}
		for i, h := range heads {
			if h[1] != fmt.Sprint(i+1) || h[2] != fmt.Sprint(c.bounds) {
				t.Errorf("%v: bound %d printed as %q", c.args, i+1, h[0])
			}
			failed := strings.HasPrefix(results[i][1], "FAIL")
			if failed != (c.fail && i == c.bounds-1) {
				t.Errorf("%v: bound %d: %s", c.args, i+1, results[i][1])
			}
		}
	}
}

func TestExploreUsage(t *testing.T) {
	for _, args := range [][]string{
		{"explore"},
		{"explore", "--scenario", "nope"},
		{"explore", "--scenario", "kv-random", "--max-faults", "-1"},
		{"explore", "--scenario", "kv-random", "--impl", "nope"},
		{"explore", "--scenario", "kv-random", "--ladder", "--max-ties", "0"},
		{"explore", "--scenario", "kv-random", "--workload", "2", "--seeds", "3"},
		{"explore", "--scenario", "kv-random", "--seeds", "0"},
		{"explore", "--scenario", "kv-random", "--workload", "-1"},
	} {
		if code, _, errOut := runKvsim(args...); code != exitUsage || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}
