package stress_test

import (
	"context"
	"fmt"
	"time"

	"github.com/kvsim/kvsim/stress"
)

// Stress the reference for one round. Under go test -race, a data race in
// the implementation fails the test that runs it.
func ExampleRun() {
	res, err := stress.Run(context.Background(), stress.Options{Clients: 4, Ops: 200, Rounds: 1, Duration: time.Minute})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Impl, "passed:", res.Passed(), "counter exact:", res.Counter == res.Increments)
	// Output: reference passed: true counter exact: true
}
