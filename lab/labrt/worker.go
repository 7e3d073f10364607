package labrt

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/scenarios"
)

// WorkerArg, as the first argument, makes the generated program a worker:
// it reads run requests on stdin, one JSON object a line, and writes each
// run's result on file descriptor 3, so that whatever the student's code
// prints (to stdout or stderr, both the parent's stderr) cannot garble
// them.
const WorkerArg = "__kvsim-lab-worker"

// request is one run for a worker: the run's identity, which the worker
// resolves as the parent did.
type request struct {
	Spec         kvsim.Spec    `json:"spec"`
	CheckTimeout time.Duration `json:"check_timeout"`
}

type response struct {
	Result scenarios.Result `json:"result"`
	Err    string           `json:"err,omitempty"`
}

// inProcess makes the run here; world.mu is held and is released. The
// student's package state starts fresh, and what the student's code
// printed is kept with a failure.
func inProcess(cfg scenarios.Config, run func() scenarios.Result) (r scenarios.Result) {
	defer world.mu.Unlock()
	panicked, stack := begin(cfg.Seed)
	defer func() {
		if out := end(); r.Failed() {
			r.Output = out
		}
	}()
	if panicked != nil {
		return scenarios.FailedRun(cfg, kvsim.Panic, fmt.Sprintf("the folder's package-level initialization panicked: %v", panicked), stack)
	}
	return run()
}

func stackOf() string { return string(debug.Stack()) }

// serve is a worker's loop.
func serve(st Student, in io.Reader, out io.Writer) error {
	cat := campaign.Default().With(st.impl())
	cat.Repro = st.repro
	cat.Isolate = func(cfg scenarios.Config, run func() scenarios.Result) scenarios.Result {
		world.mu.Lock()
		return inProcess(cfg, run)
	}
	dec := json.NewDecoder(bufio.NewReader(in))
	enc := json.NewEncoder(out)
	var runner scenarios.Runner // the worker's runs follow one another
	for {
		var req request
		if err := dec.Decode(&req); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		var resp response
		cfg, err := cat.Resolve(req.Spec)
		if err != nil {
			resp.Err = err.Error()
		} else {
			cfg.CheckTimeout = req.CheckTimeout
			resp.Result = runSafely(&runner, cfg)
		}
		if err := enc.Encode(resp); err != nil {
			return err
		}
	}
}

// runSafely makes the run, turning a panic outside the simulator (in the
// student's constructors) into a result, as a campaign's guard does.
func runSafely(runner *scenarios.Runner, cfg scenarios.Config) (r scenarios.Result) {
	defer func() {
		if p := recover(); p != nil {
			r = scenarios.FailedRun(cfg, kvsim.Panic, fmt.Sprintf("panic outside the simulator: %v", p), string(debug.Stack()))
		}
	}()
	return runner.Run(cfg)
}

// pool holds the worker processes of one program, started as needed: at
// most as many as runs in flight at once, less the one in this process.
type pool struct {
	exe    string
	stderr io.Writer

	mu     sync.Mutex
	idle   []*worker
	all    []*worker
	closed bool
}

type worker struct {
	cmd *exec.Cmd
	in  io.WriteCloser // its stdin: requests
	out *os.File       // its file descriptor 3: results
	enc *json.Encoder
	dec *json.Decoder
}

// isolate makes a run in this process when no other is running here (and
// always when it is traced or driven by rapid: its result keeps what JSON
// does not carry), and otherwise in a worker.
func (p *pool) isolate(cfg scenarios.Config, run func() scenarios.Result) scenarios.Result {
	if cfg.Trace || cfg.Entropy != nil {
		world.mu.Lock()
		return inProcess(cfg, run)
	}
	if world.mu.TryLock() {
		return inProcess(cfg, run)
	}
	return p.remote(cfg)
}

func (p *pool) remote(cfg scenarios.Config) scenarios.Result {
	w, err := p.get()
	if err != nil {
		return scenarios.FailedRun(cfg, kvsim.Panic, "kvsim lab: cannot start a worker process: "+err.Error(), "")
	}
	req := request{Spec: cfg.Spec(), CheckTimeout: cfg.CheckTimeout}
	// A run its caller gave up on would spin on in the worker: end it.
	answered := make(chan struct{})
	defer close(answered)
	go func() {
		select {
		case <-cfg.Abandoned:
			w.cmd.Process.Kill()
		case <-answered:
		}
	}()
	var resp response
	err = w.enc.Encode(req)
	if err == nil {
		err = w.dec.Decode(&resp)
	}
	if err != nil {
		return scenarios.FailedRun(cfg, kvsim.Panic, fmt.Sprintf("kvsim lab: the worker process running this world died (%v); its last words are above, and replaying the seed shows them again", p.discard(w, err)), "")
	}
	p.put(w)
	if resp.Err != "" {
		return scenarios.FailedRun(cfg, kvsim.Panic, "kvsim lab: worker: "+resp.Err, "")
	}
	return resp.Result
}

func (p *pool) get() (*worker, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errors.New("the program is exiting")
	}
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle = p.idle[:n-1]
		return w, nil
	}
	w, err := p.start()
	if err != nil {
		return nil, err
	}
	p.all = append(p.all, w)
	return w, nil
}

func (p *pool) put(w *worker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.idle = append(p.idle, w)
}

// discard forgets a worker whose pipe broke, which means it exited, and
// says why it did.
func (p *pool) discard(w *worker, err error) error {
	p.mu.Lock()
	p.all = slices.DeleteFunc(p.all, func(x *worker) bool { return x == w })
	p.mu.Unlock()
	w.in.Close()
	werr := w.cmd.Wait()
	w.out.Close()
	if werr != nil {
		return werr
	}
	return err
}

func (p *pool) start() (*worker, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer pw.Close()
	cmd := exec.Command(p.exe, WorkerArg)
	cmd.Stdout, cmd.Stderr = p.stderr, p.stderr
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
	return &worker{cmd: cmd, in: in, out: pr, enc: json.NewEncoder(in), dec: json.NewDecoder(bufio.NewReader(pr))}, nil
}

// close ends every worker: idle ones read EOF and exit; one still running
// a stuck world is killed.
func (p *pool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, w := range p.all {
		w.in.Close()
	}
	for _, w := range p.all {
		done := make(chan struct{})
		go func() {
			w.cmd.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(time.Second):
			w.cmd.Process.Kill()
			<-done
		}
		w.out.Close()
	}
}
