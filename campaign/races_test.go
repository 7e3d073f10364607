package campaign

import (
	"context"
	"testing"

	"github.com/kvsim/kvsim/zoo"
)

// TestRacesPassSimulation: the simulator runs one handler at a time, so
// the race bugs pass there, which is why stress mode exists.
func TestRacesPassSimulation(t *testing.T) {
	for _, im := range zoo.Races() {
		t.Run(im.Name, func(t *testing.T) {
			runs, err := Default().Runs(nil, swarm, im)
			if err != nil {
				t.Fatal(err)
			}
			sum, err := Run(context.Background(), Config{Runs: runs, Seeds: 10})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Failed > 0 {
				f := sum.Failures[0]
				t.Fatalf("%d of %d runs failed; first: %s seed %d: %s", sum.Failed, sum.Runs, f.Scenario, f.Seed, f.Reason)
			}
		})
	}
}
