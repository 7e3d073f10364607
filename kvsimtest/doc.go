// Package kvsimtest runs kvsim's campaigns over your own implementation
// from a _test.go file, in the style of rapid:
//
//	func TestMyKV(t *testing.T) {
//		kvsimtest.Check(t, kvsim.Impl{
//			Name:      "mykv",
//			NewServer: func() rpc.Server { return mykv.NewServer() },
//		}, kvsimtest.Options{})
//	}
//
// Flags tune it: -kvsim.seeds (how many seeds, default 500, 100 under
// -short), -kvsim.seed (replay one seed), -kvsim.scenario and
// -kvsim.faults (narrow the campaign), -kvsim.shrink (have rapid shrink
// the failure to a minimal run), -kvsim.artifacts (where a failure's
// trace, history and report.html go).
//
// A failure prints the go test line that replays it, to run from the
// module's root, and adds it to the test's fail file,
// testdata/kvsim/TEST.fail in the package (made if need be), which the
// next go test replays first, as rapid does with its fail files. An
// entry keeps the choices its run drew, by stream, so that it replays that
// run whatever changes in how seeds draw. Commit the fail file to keep the
// regression. The failure's artifacts go to
// testdata/kvsim/artifacts/TEST, replaced at the test's next failure and
// kept out of git by a .gitignore of their own.
package kvsimtest
