package stress_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/kvsim/kvsim/stress"
	"github.com/kvsim/kvsim/zoo"
)

func TestProbe(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("PROBE_CLIENTS"))
	sp, _ := strconv.Atoi(os.Getenv("PROBE_SPEEDUP"))
	ops, _ := strconv.Atoi(os.Getenv("PROBE_OPS"))
	trials, _ := strconv.Atoi(os.Getenv("PROBE_TRIALS"))
	loss, _ := strconv.ParseFloat(os.Getenv("PROBE_LOSS"), 64)
	keys, _ := strconv.Atoi(os.Getenv("PROBE_KEYS"))
	found := 0
	var el, ck time.Duration
	nops := 0
	for i := range trials {
		im := zoo.Races()[0]
		if os.Getenv("PROBE_REF") != "" {
			im.NewServer = nil
			im.Name = ""
		}
		res, _ := stress.Run(context.Background(), stress.Options{Impl: im, Duration: time.Second, Clients: n, Speedup: sp, Ops: ops, Seed: uint64(i), Loss: loss, Keys: keys})
		if !res.Passed() {
			found++
		}
		el += res.Elapsed
		ck += res.CheckTime
		nops += res.Ops
	}
	t.Logf("found %d/%d, mean elapsed %v, mean check %v mean ops %d", found, trials, el/time.Duration(trials), ck/time.Duration(trials), nops/trials)
}
