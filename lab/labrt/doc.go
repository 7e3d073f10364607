// Package labrt is what a course-style kvsrv1 folder runs on inside the
// program that kvsim lab generates for it: the shims at the course's import
// paths alias its types, and the rewritten student code calls its Sleep.
//
// Student code calls package-level functions (time.Sleep, kvtest.RandValue)
// that must find the simulated process and the run they belong to. labrt
// keeps both in package-level state, which is sound only while one world
// runs in the process at a time. So the implementation Main registers has a
// scenarios.Config.Isolate that runs a world in this process when no other is
// running here (and always when it is traced or driven by rapid), and
// otherwise hands it to a worker process: the same program, started with
// WorkerArg, which runs its worlds one after another and sends back each
// Result as JSON. Every place student code resumes (a clerk, lock or server
// entry point, the return of a Call or a Sleep) passes through a wrapper
// here that records which simulated process is running. A run gives the
// same trace hash wherever it runs; BenchmarkRun measures what a worker
// costs.
package labrt
