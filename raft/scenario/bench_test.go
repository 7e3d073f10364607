package scenario_test

import (
	"testing"
	"time"

	"github.com/kvsim/kvsim/raft/ref"
	"github.com/kvsim/kvsim/raft/scenario"
	"github.com/kvsim/kvsim/sim"
)

// benchScenario runs a seed of scenario name per iteration, a new seed
// each time, on a runner, and reports the virtual time simulated per
// second of wall time and per second of the process's CPU time (the
// figure to trust on a loaded machine), and seeds per CPU second.
func benchScenario(b *testing.B, name string) {
	s, err := scenario.Named(name)
	if err != nil {
		b.Fatal(err)
	}
	var runner sim.Runner
	var virtual time.Duration
	seed := uint64(0)
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		r := scenario.Run(s, scenario.Config{Seed: seed, Make: ref.Make, Runner: &runner})
		if r.Failed() {
			b.Fatalf("%v", &r)
		}
		virtual += r.Time
		seed++
	}
	b.ReportMetric(virtual.Seconds()/b.Elapsed().Seconds(), "sim-s/s")
	if cpu := float64(cpuTime()-cpu0) / 1e9; cpu > 0 {
		b.ReportMetric(virtual.Seconds()/cpu, "sim-s/cpu-s")
		b.ReportMetric(float64(b.N)/cpu, "seeds/cpu-s")
	}
}

// BenchmarkSwarmSeed: a seed of the swarm scenario (3 to 7 servers, a
// drawn network and nemesis, 4 to 12 seconds of virtual time).
func BenchmarkSwarmSeed(b *testing.B) { benchScenario(b, "swarm") }

// BenchmarkFigure8Unreliable: five servers on the course's network, with
// long reordering, for about 35 seconds of virtual time.
func BenchmarkFigure8Unreliable(b *testing.B) { benchScenario(b, "figure8-unreliable") }

// BenchmarkPersist2: five servers on the course's reliable network,
// crashing and restarting in turns.
func BenchmarkPersist2(b *testing.B) { benchScenario(b, "persist2") }
