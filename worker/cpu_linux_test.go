package worker

import (
	"os"
	"testing"
	"time"
)

func TestStatCPU(t *testing.T) {
	for _, c := range []struct {
		stat string
		want time.Duration
		ok   bool
	}{
		{"42 (kvsimlab) R 1 42 42 0 -1 4194304 900 0 0 0 250 31 0 0 20 0 9 0 100 0 0", 2810 * time.Millisecond, true},
		// A command name with spaces and a parenthesis of its own.
		{"7 (a) b (c)) S 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 5 0 0", 70 * time.Millisecond, true},
		{"7 (short) S 1 7", 0, false},
		{"no parenthesis at all", 0, false},
		{"7 (x) S 1 7 7 0 -1 0 0 0 0 0 u s 0", 0, false},
	} {
		got, ok := statCPU([]byte(c.stat))
		if got != c.want || ok != c.ok {
			t.Errorf("statCPU(%q) = %v, %v; want %v, %v", c.stat, got, ok, c.want, c.ok)
		}
	}
}

// TestProcessCPUGrows: this process's processor time, read as a worker's
// is, grows while it works. It spins until it has (a bound of 60 s only
// guards against a machine that never schedules it).
func TestProcessCPUGrows(t *testing.T) {
	before, ok := processCPU(os.Getpid())
	if !ok {
		t.Fatal("cannot read this process's processor time")
	}
	for start := time.Now(); time.Since(start) < time.Minute; {
		sum := 0
		for i := range 1_000_000 {
			sum += i
		}
		_ = sum
		if now, _ := processCPU(os.Getpid()); now >= before+3*clockTick {
			return
		}
	}
	t.Fatal("processor time did not grow in a minute of spinning")
}
