package explore_test

import (
	"fmt"

	"github.com/kvsim/kvsim/sim"
	"github.com/kvsim/kvsim/sim/explore"
)

// A priority strategy per seed finds an ordering bug that needs one
// process to win 8 ties in a row in about half its runs (PCT's bound for
// 2 processes and depth 1 is 1/2); uniform random ties almost never do.
func ExampleNewPriority() {
	pct, random := 0, 0
	for seed := range uint64(200) {
		if orderBug(explore.NewPriority(seed, explore.PriorityOptions{Depth: 1}), 1, 8) {
			pct++
		}
		if orderBug(sim.NewPCG(seed), 1, 8) {
			random++
		}
	}
	fmt.Printf("priority: %d/200, random: %d/200\n", pct, random)
	// Output:
	// priority: 114/200, random: 1/200
}
