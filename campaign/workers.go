package campaign

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"sync"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/report"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/search"
	proto "github.com/kvsim/kvsim/worker"
)

// Workers is the Executor that makes every run in worker processes (package
// worker): the program at Path, started with proto.Arg, as many at once as
// runs are in flight, each reused for run after run. kvsim lab's is the
// program it builds for a course folder, whose code runs one world at a
// time in a process. A run the caller gave up on (a campaign's watchdog)
// kills its worker, and a worker that dies is reported as the run's
// failure, never read as a result. Runs are named to a worker by their
// Spec, so a run whose entropy is rapid's or a fuzzer's, or that replays
// recorded choices (a regression entry's), cannot be made there; Smallest searches in a worker. Close ends the workers.
type Workers struct {
	Path string
	// Env, if set, is the workers' environment (os/exec.Cmd.Env).
	Env []string
	// Stderr is where the workers' stdout and stderr go: whatever the
	// code under test prints.
	Stderr io.Writer

	mu     sync.Mutex
	idle   []*process
	all    []*process
	closed bool
}

type process struct {
	cmd *exec.Cmd
	in  io.WriteCloser // its stdin: requests
	out *os.File       // its file descriptor 3: responses
	enc *json.Encoder
	dec *json.Decoder
}

// Runner returns the workers as a runner: each run goes to an idle worker.
func (ws *Workers) Runner() Runner { return ws }

// Run makes cfg's run in a worker; ctx's end kills it.
func (ws *Workers) Run(ctx context.Context, cfg scenarios.Config) scenarios.Result {
	if err := byName(cfg); err != nil {
		return scenarios.FailedRun(cfg, kvsim.Panic, err.Error(), "")
	}
	resp, err := ws.call(ctx, proto.Request{Spec: cfg.Spec(), CheckTimeout: cfg.CheckTimeout})
	if err != nil {
		return scenarios.FailedRun(cfg, kvsim.Panic, err.Error(), "")
	}
	return resp.Result.For(cfg)
}

// Traced makes the run in a worker, which writes out's outputs, and kills
// the worker if the run outlives timeout (a Stuck result) or ctx ends.
func (ws *Workers) Traced(ctx context.Context, cfg scenarios.Config, timeout time.Duration, out report.Outputs) (report.Written, error) {
	if err := byName(cfg); err != nil {
		r := scenarios.FailedRun(cfg, kvsim.Panic, err.Error(), "")
		r.Repro = out.Repro
		return report.Written{Result: r}, nil
	}
	timeout = cmpTimeout(timeout)
	watched, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := ws.call(watched, proto.Request{Spec: cfg.Spec(), CheckTimeout: cfg.CheckTimeout, Outputs: &out})
	switch {
	case ctx.Err() != nil:
		return report.Written{}, ctx.Err()
	case watched.Err() != nil:
		r := stuckRun(cfg, cfg.Seed, timeout, "")
		r.Repro = out.Repro
		return report.Written{Result: r}, nil
	case err != nil:
		r := scenarios.FailedRun(cfg, kvsim.Panic, err.Error(), "")
		r.Repro = out.Repro
		return report.Written{Result: r}, nil
	}
	w := report.Written{Result: resp.Result}
	if resp.Written != nil {
		w = *resp.Written
	}
	w.Result = w.Result.For(cfg)
	return w, nil
}

// byName says why cfg's run cannot be named to a worker by its Spec, or
// nil.
func byName(cfg scenarios.Config) error {
	switch {
	case cfg.Entropy != nil:
		return errors.New("kvsim: a run whose entropy is rapid's or a fuzzer's cannot be made in a worker process")
	case cfg.Choices != nil:
		return errors.New("kvsim: a run replayed from its recorded choices cannot be made in a worker process, which runs a Spec")
	}
	return nil
}

// Smallest searches in a worker (search.Smallest), which it kills if ctx
// ends first.
func (ws *Workers) Smallest(ctx context.Context, cfg scenarios.Config, req search.Request) (search.Found, error) {
	resp, err := ws.call(ctx, proto.Request{Spec: cfg.Spec(), CheckTimeout: cfg.CheckTimeout, Smallest: &req})
	switch {
	case err != nil:
		return search.Found{}, err
	case resp.Found == nil:
		return search.Found{}, errors.New("kvsim: the worker process answered no search")
	}
	found := *resp.Found
	found.Result = found.Result.For(cfg)
	return found, nil
}

// call sends req to an idle worker and returns its response. ctx's end
// kills the worker; a worker that dies (killed or not) is forgotten, and
// call says why it died.
func (ws *Workers) call(ctx context.Context, req proto.Request) (proto.Response, error) {
	p, err := ws.get()
	if err != nil {
		return proto.Response{}, fmt.Errorf("kvsim: cannot start a worker process: %v", err)
	}
	// A run its caller gave up on would spin on in the worker: end it.
	answered := make(chan struct{})
	defer close(answered)
	go func() {
		select {
		case <-ctx.Done():
			p.cmd.Process.Kill()
		case <-answered:
		}
	}()
	var resp proto.Response
	err = p.enc.Encode(req)
	if err == nil {
		err = p.dec.Decode(&resp)
	}
	if err != nil {
		return resp, fmt.Errorf("kvsim: the worker process running this world died (%v); its last words are above, and replaying the seed shows them again", ws.discard(p, err))
	}
	ws.put(p)
	if resp.Err != "" {
		return resp, errors.New("kvsim: worker: " + resp.Err)
	}
	return resp, nil
}

func (ws *Workers) get() (*process, error) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.closed {
		return nil, errors.New("the workers are closed")
	}
	if n := len(ws.idle); n > 0 {
		p := ws.idle[n-1]
		ws.idle = ws.idle[:n-1]
		return p, nil
	}
	p, err := ws.start()
	if err != nil {
		return nil, err
	}
	ws.all = append(ws.all, p)
	return p, nil
}

func (ws *Workers) put(p *process) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.idle = append(ws.idle, p)
}

// discard forgets a worker whose pipe broke, which means it exited, and
// says why it did.
func (ws *Workers) discard(p *process, err error) error {
	ws.mu.Lock()
	ws.all = slices.DeleteFunc(ws.all, func(x *process) bool { return x == p })
	ws.mu.Unlock()
	p.in.Close()
	werr := p.cmd.Wait()
	p.out.Close()
	if werr != nil {
		return werr
	}
	return err
}

func (ws *Workers) start() (*process, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer pw.Close()
	cmd := exec.Command(ws.Path, proto.Arg)
	cmd.Env = ws.Env
	cmd.Stdout, cmd.Stderr = ws.Stderr, ws.Stderr
	cmd.ExtraFiles = []*os.File{pw}
	setDeathSignal(cmd)
	in, err := cmd.StdinPipe()
	if err != nil {
		pr.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		pr.Close()
		return nil, err
	}
	return &process{cmd: cmd, in: in, out: pr, enc: json.NewEncoder(in), dec: json.NewDecoder(bufio.NewReader(pr))}, nil
}

// Close ends every worker: idle ones read the end of their input and exit;
// one still running a stuck world is killed.
func (ws *Workers) Close() {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.closed = true
	for _, p := range ws.all {
		p.in.Close()
	}
	for _, p := range ws.all {
		done := make(chan struct{})
		go func() {
			p.cmd.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(time.Second):
			p.cmd.Process.Kill()
			<-done
		}
		p.out.Close()
	}
	ws.all, ws.idle = nil, nil
}
