package scenarios_test

import (
	"fmt"

	"github.com/kvsim/kvsim/scenarios"
)

// One run of the main scenario against the reference, and the same seed
// against a clerk that reports OK when a reply was lost.
func Example() {
	for _, impl := range []string{"reference", "zoo/clerk-ok-on-lost-reply"} {
		r, err := scenarios.Run(scenarios.Config{Scenario: "unreliable-put", Seed: 1, Impl: impl})
		if err != nil {
			panic(err)
		}
		fmt.Println(r.Verdict, "-", r.Impl)
		if r.Failed() {
			fmt.Println(r.Reason)
			fmt.Println(r.Repro)
		}
	}
	// Output:
	// ok - reference
	// violation - zoo/clerk-ok-on-lost-reply
	// clerk contract: c0: Put("k", "v3", 3) returned OK, which no reply said
	// kvsim run --scenario unreliable-put --seed 1 --faults lossy --impl zoo/clerk-ok-on-lost-reply
}
