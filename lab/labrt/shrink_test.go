package labrt

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/cli"
	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/scenarios"
)

// sameValueServer is the course-style mistake of
// testdata/bugs/server-same-value: a Put of the value the key already
// holds succeeds without a version check.
type sameValueServer struct{ *kv.Server }

func (s sameValueServer) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	var got rpc.GetReply
	s.Server.Get(&rpc.GetArgs{Key: args.Key}, &got)
	if got.Err == rpc.OK && got.Value == args.Value {
		reply.Err = rpc.OK
		return
	}
	s.Server.Put(args, reply)
}

// inThisProcess is an Isolate that makes every run here, one at a time,
// as a worker does: the test binary's workers run testStudent.
func inThisProcess(cfg scenarios.Config, run func() scenarios.Result) scenarios.Result {
	world.mu.Lock()
	return inProcess(cfg, run)
}

// TestShrinkReplays: without --scenario, shrink picks a scenario, finds a
// run of a few operations, and prints it as kvsim run prints a failure:
// its repro line replays exactly that run (the same trace hash), and its
// artifacts include the report.
func TestShrinkReplays(t *testing.T) {
	st := testStudent
	st.NewServer = func() rpc.Server { return sameValueServer{kv.NewServer()} }
	im := st.impl()
	cat := campaign.Default().With(im)
	cat.Repro, cat.Isolate = st.repro, inThisProcess
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	code := shrink(cat, []string{"--impl", st.Name, "--shrink-time", "2s", "--artifacts", dir}, &out, &errOut)
	if code != 1 {
		t.Fatalf("exit %d, want 1; output:\n%s%s", code, &out, &errOut)
	}
	m := regexp.MustCompile(`(?m)^minimal failing run: (\d+) ops? `).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no minimal run in the output:\n%s%s", &out, &errOut)
	}
	if ops, _ := strconv.Atoi(m[1]); ops > 3 {
		t.Errorf("minimal run of %d ops, want at most 3 (two Puts of the same value suffice)", ops)
	}
	if !strings.Contains(errOut.String(), "kvsim lab: shrinking in ") {
		t.Errorf("stderr does not say which scenario it shrinks in:\n%s", &errOut)
	}
	hash := traceHash(t, out.String())
	repro := regexp.MustCompile(`(?m)^repro: kvsim lab --dir \S+ (.*)$`).FindStringSubmatch(out.String())
	if repro == nil || !strings.Contains(repro[1], "--strategy 'replay:") {
		t.Fatalf("no repro line that replays choices, quoted for the shell:\n%s", &out)
	}
	// The repro line, as the shell would split it, as kvsim lab would run it.
	args := []string{"run", "--impl", st.Name}
	for _, a := range strings.Fields(repro[1]) {
		args = append(args, strings.Trim(a, "'"))
	}
	var again bytes.Buffer
	if code := (cli.Options{Impls: []kvsim.Impl{im}, Isolate: inThisProcess}).Main(args, &again, &errOut); code != 1 {
		t.Fatalf("%v: exit %d, want 1; output:\n%s", args, code, &again)
	}
	if got := traceHash(t, again.String()); got != hash {
		t.Errorf("the repro line replays to trace hash %s; the minimal run's is %s", got, hash)
	}
	reports, _ := filepath.Glob(filepath.Join(dir, "*", "report.html"))
	if len(reports) != 1 {
		t.Errorf("artifacts: %d report.html under %s, want 1", len(reports), dir)
	}
}

func traceHash(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^  trace hash +(\S+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no trace hash in:\n%s", out)
	}
	return m[1]
}

// TestShrinkFindsNothing: correct code has nothing to shrink, exit 0;
// bad usage exits 2.
func TestShrinkFindsNothing(t *testing.T) {
	cat := campaign.Default().With(testStudent.impl())
	cat.Repro, cat.Isolate = testStudent.repro, inThisProcess
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--scenario", "reliable-put", "--shrink-time", "300ms"}, 0, "no failing run of reliable-put under reliable found"},
		{[]string{"--scenario", "nonesuch"}, 2, `unknown scenario "nonesuch"`},
		{[]string{"--shrink-time", "0s"}, 2, "--shrink-time must be positive"},
		{[]string{"--seed", "1"}, 2, "flag provided but not defined: -seed"},
	} {
		var out, errOut bytes.Buffer
		code := shrink(cat, append([]string{"--impl", testStudent.Name}, tc.args...), &out, &errOut)
		if code != tc.code || !strings.Contains(out.String()+errOut.String(), tc.want) {
			t.Errorf("%v: exit %d, want %d and %q; output:\n%s%s", tc.args, code, tc.code, tc.want, &out, &errOut)
		}
	}
}
