//go:build !unix

package scenario_test

// cpuTime is not measured here; the per-CPU metrics are left out.
func cpuTime() int64 { return 0 }
