package cli

import (
	"os"
	"strings"
	"testing"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/stress"
)

// crasher's server ends the process, as a fatal error in the runtime
// ("concurrent map writes") would.
var crasher = kvsim.Impl{Name: "test/crash", NewServer: func() rpc.Server {
	os.Exit(3)
	return nil
}}

// withCrasher is the command line with crasher.
var withCrasher = Options{Impls: []kvsim.Impl{crasher}}

// TestMain lets this test binary be the child that kvsim stress runs: the
// child is os.Executable() with the same arguments.
func TestMain(m *testing.M) {
	if os.Getenv(stressChildEnv) != "" {
		os.Exit(withCrasher.Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// oneRound keeps a stress run short.
var oneRound = []string{"--clients", "4", "--ops", "200", "--rounds", "1", "--duration", "1m"}

func TestStressPasses(t *testing.T) {
	code, out, errOut := runKvsim(append([]string{"stress"}, oneRound...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	want := []string{"stress reference: 4 clients (2 lock users)", "1 round in", "linearizability, last round: Ok", "PASS", "race detector: off; data races are only detected under: go run -race ./cmd/kvsim stress"}
	if stress.RaceDetector {
		want[len(want)-1] = "race detector: on"
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func TestStressFindsLogicBug(t *testing.T) {
	code, out, errOut := runKvsim(append([]string{"stress", "--impl", "zoo/server-ignores-version"}, oneRound...)...)
	if code != exitFailure || !strings.Contains(out, "FAIL\n") || !strings.Contains(out, "round 1: linearizability: key ") {
		t.Fatalf("exit %d, want %d and a linearizability violation:\n%s%s", code, exitFailure, out, errOut)
	}
}

func TestStressFindsDataRace(t *testing.T) {
	if !stress.RaceDetector {
		t.Skip("data races are reported only under -race: go test -race ./cli")
	}
	code, out, errOut := runKvsim(append([]string{"stress", "--impl", "zoo/race-server-get-unlocked"}, oneRound...)...)
	if code != exitFailure || !strings.Contains(errOut, "WARNING: DATA RACE") ||
		!strings.Contains(errOut, "FAIL: the race detector found a data race in zoo/race-server-get-unlocked") {
		t.Fatalf("exit %d, want %d, a race report and a FAIL line:\n%s%s", code, exitFailure, out, errOut)
	}
}

func TestStressChildCrash(t *testing.T) {
	var out, errOut strings.Builder
	code := withCrasher.Main(append([]string{"stress", "--impl", crasher.Name}, oneRound...), &out, &errOut)
	if code != exitFailure || !strings.Contains(errOut.String(), "FAIL: test/crash crashed the stress run (exit status 3") {
		t.Fatalf("exit %d, want %d and a crash report:\n%s%s", code, exitFailure, out.String(), errOut.String())
	}
}

func TestStressUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--clients", "0"},
		{"--ops", "0"},
		{"--duration", "0s"},
		{"--rounds", "-1"},
		{"--clients", "4", "--lockers", "5"},
		{"--loss", "1"},
		{"--impl", "zoo/nope"},
		{"extra"},
	} {
		code, out, errOut := runKvsim(append([]string{"stress"}, args...)...)
		if code != exitUsage || out != "" {
			t.Errorf("%q: exit %d, want %d and no output:\n%s%s", args, code, exitUsage, out, errOut)
		}
	}
	if _, _, errOut := runKvsim("stress", "--impl", "zoo/nope"); !strings.Contains(errOut, "zoo/race-server-get-unlocked") {
		t.Errorf("an unknown implementation does not list the race bugs: %s", errOut)
	}
}
