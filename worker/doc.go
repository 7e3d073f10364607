// Package worker is the protocol between kvsim and a worker process that
// makes its runs: the program kvsim lab builds for a course folder, whose
// code keeps its world in package-level state and so runs one world at a
// time, in a process of its own. kvsim's side is campaign.Workers, an
// executor; the worker's is Serve.
//
// A worker reads requests on its stdin, one JSON object a line, and writes
// each response on file descriptor 3, so that whatever the code under test
// prints (to stdout or stderr, both kvsim's stderr) cannot garble them. A
// request names a run by its Spec, which the worker resolves as kvsim
// did; it asks for the run's result, for a traced run with its outputs
// written (report.Outputs: artifacts, report.html, a visualization, the
// trace's text), or for a search of the smallest failing run
// (search.Smallest). The worker runs one request at a time; kvsim starts
// as many workers as it runs requests at once, and kills one whose run it
// gave up on. A call made with WithCPU is measured in processor time
// (CPU), so that a caller's watchdog can tell a run that spins or blocks
// from one a loaded machine only slows.
package worker
