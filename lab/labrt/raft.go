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
// only, as Main is for a kvsrv1 folder: it reads worker.RaftRequests on stdin and
// writes each worker.RaftResponse on file descriptor 3.
func RaftMain(st RaftStudent, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != worker.Arg {
		fmt.Fprintf(stderr, "this program is kvsim lab's worker for %s: run kvsim lab --dir %q instead\n", st.Name, st.Dir)
		return 2
	}
	signal.Ignore(os.Interrupt, syscall.SIGTERM)
	if err := ServeRaft(os.Stdin, os.NewFile(3, "responses"), st); err != nil {
		fmt.Fprintf(stderr, "kvsim lab worker: %v\n", err)
		return 2
	}
	return 0
}

// ServeRaft answers the requests read from in on out until in ends.
func ServeRaft(in io.Reader, out io.Writer, st RaftStudent) error {
	dec := json.NewDecoder(bufio.NewReader(in))
	enc := json.NewEncoder(out)
	var runner sim.Runner
	for {
		var req worker.RaftRequest
		if err := dec.Decode(&req); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := enc.Encode(RunRaft(st, req, &runner)); err != nil {
			return err
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
	world.mu.Lock()
	defer world.mu.Unlock()
	panicked, stack := begin(req.Seed)
	defer func() {
		if v := recover(); v != nil {
			resp.Result = scenario.Result{Scenario: req.Scenario, Seed: req.Seed, Failure: fmt.Sprintf("panic outside the simulator: %v\n%s", v, stackOf())}
		}
		if out := end(); resp.Result.Failed() {
			resp.Output = out
		}
	}()
	if panicked != nil {
		resp.Result = scenario.Result{Scenario: req.Scenario, Seed: req.Seed, Failure: fmt.Sprintf("the folder's package-level initialization panicked: %v\n%s", panicked, stack)}
		return resp
	}
	mk := func(peers []*harness.End, me int, ps *harness.Persister, applyCh *sim.Chan[harness.ApplyMsg]) harness.Raft {
		if w := ps.World(); world.w != w {
			enter(w)
		}
		return st.Make(peers, me, ps, applyCh)
	}
	resp.Result = scenario.Run(s, scenario.Config{Seed: req.Seed, Make: mk, Profile: req.Profile, Trace: req.Trace, Runner: runner})
	return resp
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
