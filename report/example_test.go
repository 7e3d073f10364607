package report_test

import (
	"fmt"
	"strings"

	"github.com/kvsim/kvsim/report"
	"github.com/kvsim/kvsim/scenarios"
)

// A report is written from a traced run; WriteFile writes it to disk.
func ExampleWrite() {
	r, err := scenarios.Run(scenarios.Config{Scenario: "kv-random", Seed: 1, Faults: "swarm", Impl: "zoo/server-ignores-version", Trace: true})
	if err != nil {
		panic(err)
	}
	var page strings.Builder
	if err := report.Write(&page, report.FromResult(r)); err != nil {
		panic(err)
	}
	fmt.Println(r.Verdict, strings.Contains(page.String(), r.Repro))
	// Output: violation true
}
