package report_test

import (
	"fmt"
	"strings"

	"github.com/kvsim/kvsim/report"
	"github.com/kvsim/kvsim/scenarios"
)

// A report is written from a traced run; WriteFile writes it to disk.
func ExampleWrite() {
	var sc scenarios.Scenario
	for _, s := range scenarios.All() {
		if s.Name == "reliable-put" {
			sc = s
		}
	}
	// The zero Profile is a network without faults.
	r := scenarios.Run(scenarios.Config{Scenario: sc, Seed: 1, Trace: true})
	var page strings.Builder
	if err := report.Write(&page, report.FromResult(r)); err != nil {
		panic(err)
	}
	fmt.Println(r.Verdict, strings.Contains(page.String(), r.Run))
	// Output: ok true
}
