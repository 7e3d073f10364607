package labrt

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/raft/scenario"
	"github.com/kvsim/kvsim/sim"
	"github.com/kvsim/kvsim/worker"
)

// RaftStudent is a course-style raft1 folder: its Make, as the generated
// program finds it.
type RaftStudent struct {
	// Name names the Raft in results ("lab/<folder>").
	Name string
	// Dir is the folder as the user named it, for repro lines.
	Dir string
	// Make is the folder's Make, its channel the simulator's.
	Make harness.Make
}

// RaftMain is the generated program's main for a raft1 folder, a worker
// only, as Main is for a kvsrv1 folder: it answers worker.RaftRequests.
func RaftMain(st RaftStudent, args []string, stdout, stderr io.Writer) int {
	var runner sim.Runner
	return workerMain(st.Name, st.Dir, args, stderr, func(req worker.RaftRequest) worker.RaftResponse { return RunRaft(st, req, &runner) })
}

// workerMain is the main of a generated program that answers requests
// (Req) one at a time: it reads them on stdin and writes each answer on
// file descriptor 3, until stdin ends. It returns the exit code.
func workerMain[Req, Resp any](name, dir string, args []string, stderr io.Writer, answer func(Req) Resp) int {
	if len(args) == 0 || args[0] != worker.Arg {
		fmt.Fprintf(stderr, "this program is kvsim lab's worker for %s: run kvsim lab --dir %q instead\n", name, dir)
		return 2
	}
	// Ctrl-C reaches the whole process group; kvsim decides what it means.
	signal.Ignore(os.Interrupt, syscall.SIGTERM)
	dec := json.NewDecoder(bufio.NewReader(os.Stdin))
	enc := json.NewEncoder(os.NewFile(3, "responses"))
	for {
		var req Req
		err := dec.Decode(&req)
		if errors.Is(err, io.EOF) {
			return 0
		}
		if err == nil {
			err = enc.Encode(answer(req))
		}
		if err != nil {
			fmt.Fprintf(stderr, "kvsim lab worker: %v\n", err)
			return 2
		}
	}
}

// RunRaft makes one run of the student's Raft in this process, its
// package state fresh, as a fresh process would have it.
func RunRaft(st RaftStudent, req worker.RaftRequest, runner *sim.Runner) (resp worker.RaftResponse) {
	s, err := scenario.Named(req.Scenario)
	if err != nil {
		resp.Err = err.Error()
		return resp
	}
	fail := func(why string) { resp.Result = scenario.Result{Scenario: req.Scenario, Seed: req.Seed, Failure: why} }
	isolated(req.Seed, fail, func() bool { return resp.Result.Failed() }, &resp.Output, func() {
		resp.Result = scenario.Run(s, scenario.Config{Seed: req.Seed, Make: st.make, Profile: req.Profile, Trace: req.Trace, Runner: runner})
	})
	return resp
}

// make is the folder's Make, in the world of the Persister's run.
func (st RaftStudent) make(peers []*harness.End, me int, ps *harness.Persister, applyCh *sim.Chan[harness.ApplyMsg]) harness.Raft {
	if w := ps.World(); world.w != w {
		enter(w)
	}
	return st.Make(peers, me, ps, applyCh)
}

// isolated makes one run of the folder's code in this process (run), its
// package state fresh, as a fresh process would have it. fail records a
// failure the run could not report: the package initialization's panic,
// or a panic outside the simulator; what the code printed goes to output
// when failed says the run failed.
func isolated(seed uint64, fail func(why string), failed func() bool, output *string, run func()) {
	world.mu.Lock()
	defer world.mu.Unlock()
	panicked, stack := begin(seed)
	defer func() {
		if v := recover(); v != nil {
			fail(fmt.Sprintf("panic outside the simulator: %v\n%s", v, stackOf()))
		}
		if out := end(); failed() {
			*output = out
		}
	}()
	if panicked != nil {
		fail(fmt.Sprintf("the folder's package-level initialization panicked: %v\n%s", panicked, stack))
		return
	}
	run()
}

// courseRaft is the course's raftapi.Raft without Kill, which the 2026
// skeleton's has not.
type courseRaft interface {
	Start(command any) (int, int, bool)
	GetState() (int, bool)
	Snapshot(index int, snapshot []byte)
	PersistBytes() int
}

// RaftOf is the student's Raft as the harness takes it: with Kill, a
// no-op for a Raft of the 2026 skeleton, whose interface has none (a
// harness.Wrapper, so that the harness serves the student's handlers).
func RaftOf(r courseRaft) harness.Raft {
	if rf, ok := r.(harness.Raft); ok {
		return rf
	}
	return noKill{r}
}

type noKill struct{ courseRaft }

func (noKill) Kill() {}

func (n noKill) Unwrap() any { return n.courseRaft }
