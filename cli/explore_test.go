package cli

import (
	"regexp"
	"strings"
	"testing"
)

func TestExploreReference(t *testing.T) {
	code, out, errOut := kvsim("explore", "--scenario", "lock-counter", "--faults", "lossy", "--max-faults", "1", "--max-ties", "1")
	if code != exitOK || !strings.Contains(out, "no bug within this bound") || !regexp.MustCompile(`(?m)^\d{2,} distinct runs`).MatchString(out) {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}

// A bug explore finds replays from its repro line to the same trace hash.
func TestExploreFindsAndReplays(t *testing.T) {
	code, out, errOut := kvsim("explore", "--scenario", "lock-counter", "--faults", "lossy", "--impl", "zoo/lock-ignores-maybe", "--max-faults", "2", "--max-ties", "0")
	if code != exitFailure {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	repro := regexp.MustCompile(`repro: kvsim (run .* --strategy replay:\S+)\n`).FindStringSubmatch(out)
	hash := regexp.MustCompile(`trace hash +(\S+)`).FindStringSubmatch(out)
	if repro == nil || hash == nil {
		t.Fatalf("no repro line or hash:\n%s", out)
	}
	code, again, _ := kvsim(strings.Fields(repro[1])...)
	if code != exitFailure || !strings.Contains(again, hash[1]) {
		t.Errorf("%s: exit %d, want the failure with hash %s\n%s", repro[1], code, hash[1], again)
	}
}

func TestExploreUsage(t *testing.T) {
	for _, args := range [][]string{
		{"explore"},
		{"explore", "--scenario", "nope"},
		{"explore", "--scenario", "kv-random", "--max-faults", "-1"},
		{"explore", "--scenario", "kv-random", "--impl", "nope"},
	} {
		if code, _, errOut := kvsim(args...); code != exitUsage || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}
