package scenarios

import (
	"testing"

	"github.com/kvsim/kvsim/sim"
)

// FuzzScenario lets go test -fuzz steer runs by coverage: the fuzzer's bytes
// are the run's entropy, so they choose the fault model, the workload and
// every delay, drop and tie-break. The first byte picks the scenario.
//
//	go test ./scenarios -run '^$' -fuzz FuzzScenario -fuzztime 1m
func FuzzScenario(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{3, 1, 1, 1, 1, 1, 1, 1, 1})
	f.Add([]byte{4, 255, 0, 255, 0, 255, 0, 255})
	scs := All()
	f.Fuzz(func(t *testing.T, data []byte) {
		sc := scs[0]
		if len(data) > 0 {
			sc = scs[int(data[0])%len(scs)]
			data = data[1:]
		}
		cfg := config(t, sc.Name, SwarmName, 0)
		cfg.Entropy = sim.NewBytes(data)
		r := Run(cfg)
		if r.Failed() {
			t.Fatalf("%s (fault model %s)", r.Summary(), r.FaultModel)
		}
	})
}
