//go:build !unix

package sim

// cpuTime is not measured here; the cpu-ns/op metric is left out.
func cpuTime() int64 { return 0 }
