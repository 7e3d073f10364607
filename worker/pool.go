package worker

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
)

// Pool is kvsim's side of the protocol: worker processes of the program at
// Path, started with Arg, as many at once as requests are in flight, each
// reused for request after request. A request its caller gave up on
// kills its worker, and a worker that dies is reported as the request's
// error, never read as an answer. Close ends the workers. The zero value,
// given a Path, is ready to use.
type Pool struct {
	Path string
	// Env, if set, is the workers' environment (os/exec.Cmd.Env).
	Env []string
	// Stderr is where the workers' stdout and stderr go: whatever the
	// code under test prints. Unless it is an *os.File, os/exec copies
	// each worker's output into it from a goroutine of its own, so it
	// must take concurrent writes.
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

// Call sends req to an idle worker and decodes its answer into resp. ctx's
// end kills the worker; a worker that dies (killed or not) is forgotten,
// and Call says why it died.
func (pl *Pool) Call(ctx context.Context, req, resp any) error {
	p, err := pl.get()
	if err != nil {
		return fmt.Errorf("kvsim: cannot start a worker process: %v", err)
	}
	if c, ok := ctx.Value(cpuKey{}).(*CPU); ok {
		c.start(p.cmd.Process.Pid)
	}
	// A run its caller gave up on would spin on in the worker: end it.
	stop := context.AfterFunc(ctx, func() { p.cmd.Process.Kill() })
	err = p.enc.Encode(req)
	if err == nil {
		err = p.dec.Decode(resp)
	}
	// The kill may have started as the answer came (a caller's context
	// that ends as its call returns): the answer stands, the worker does
	// not. Put back, it was killed while idle, and the next request sent
	// to it failed as if its own run had killed it.
	killed := !stop()
	if err != nil {
		return fmt.Errorf("kvsim: the worker process running this world died (%v); its last words are above, and replaying the seed shows them again", pl.discard(p, err))
	}
	if killed {
		pl.discard(p, nil)
		return nil
	}
	pl.put(p)
	return nil
}

func (pl *Pool) get() (*process, error) {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if pl.closed {
		return nil, errors.New("the workers are closed")
	}
	if n := len(pl.idle); n > 0 {
		p := pl.idle[n-1]
		pl.idle = pl.idle[:n-1]
		return p, nil
	}
	p, err := pl.start()
	if err != nil {
		return nil, err
	}
	pl.all = append(pl.all, p)
	return p, nil
}

func (pl *Pool) put(p *process) {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	pl.idle = append(pl.idle, p)
}

// discard forgets a worker whose pipe broke, which means it exited, and
// says why it did.
func (pl *Pool) discard(p *process, err error) error {
	pl.mu.Lock()
	pl.all = slices.DeleteFunc(pl.all, func(x *process) bool { return x == p })
	pl.mu.Unlock()
	p.in.Close()
	werr := p.cmd.Wait()
	p.out.Close()
	if werr != nil {
		return werr
	}
	return err
}

func (pl *Pool) start() (*process, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer pw.Close()
	cmd := exec.Command(pl.Path, Arg)
	cmd.Env = pl.Env
	cmd.Stdout, cmd.Stderr = pl.Stderr, pl.Stderr
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
func (pl *Pool) Close() {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	pl.closed = true
	for _, p := range pl.all {
		p.in.Close()
	}
	for _, p := range pl.all {
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
	pl.all, pl.idle = nil, nil
}
