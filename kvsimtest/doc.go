// Package kvsimtest runs kvsim's campaigns over your own implementation
// from a _test.go file, in the style of rapid:
//
//	func TestMyKV(t *testing.T) {
//		kvsimtest.Check(t, scenarios.Impl{Name: "mykv", NewServer: mykv.NewServer})
//	}
//
// Flags tune it: -kvsim.seeds (how many seeds, default 500, 100 under
// -short), -kvsim.seed (replay one seed), -kvsim.scenario and
// -kvsim.faults (narrow the campaign), -kvsim.shrink (have rapid shrink
// the failure to a minimal run). A failure prints the go test line that
// replays it and appends it to a fail file under the package's
// testdata/kvsim/, which the next go test replays first, as rapid does
// with its fail files. Commit the fail file to keep the regression.
package kvsimtest
