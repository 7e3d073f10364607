package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/netrpc"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
)

// startServer serves the reference server on an ephemeral port until the
// test ends, and returns the server and its address.
func startServer(t *testing.T) (*netrpc.Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := netrpc.NewServer(kv.NewServer())
	go srv.Serve(ln)
	t.Cleanup(srv.Close) // Close waits for Serve to return.
	return srv, ln.Addr().String()
}

// freeAddr returns an address that nothing listens on, as far as one can
// tell: a port the kernel just handed out and took back.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = Main(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestLoadCheckLinearizable(t *testing.T) {
	_, addr := startServer(t)
	code, out, errOut := runCmd("load", "--addr", addr, "--clients", "16", "--ops", "300", "--check")
	if code != exitOK {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitOK, out, errOut)
	}
	for _, want := range []string{"load: 4800 ops by 16 clients", "puts ", "gets ", "check Ok", "linearizable (4800 ops)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// The model starts every key absent, so a second checked run on the same
// server must be refused rather than reported as a violation.
func TestLoadCheckNeedsFreshServer(t *testing.T) {
	_, addr := startServer(t)
	load := []string{"load", "--addr", addr, "--clients", "2", "--ops", "20"}
	if code, out, errOut := runCmd(load...); code != exitOK {
		t.Fatalf("first run: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	code, out, errOut := runCmd(append(load, "--check")...)
	if code != exitFailure || !strings.Contains(errOut, "--check needs a fresh server") {
		t.Errorf("checked run on a used server: exit %d, stderr %q; want %d and a fresh-server error", code, errOut, exitFailure)
	}
	if out != "" {
		t.Errorf("checked run on a used server ran anyway:\n%s", out)
	}
}

func TestLoadViz(t *testing.T) {
	_, addr := startServer(t)
	viz := filepath.Join(t.TempDir(), "viz.html")
	code, out, errOut := runCmd("load", "--addr", addr, "--clients", "2", "--ops", "20", "--check", "--viz", viz)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	html, err := os.ReadFile(viz)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(html, []byte("<html")) {
		t.Errorf("%s is not HTML: %.100q", viz, html)
	}
}

// forgetful acknowledges every Put and stores nothing.
type forgetful struct{}

func (forgetful) Get(_ *rpc.GetArgs, reply *rpc.GetReply) { reply.Err = rpc.ErrNoKey }
func (forgetful) Put(_ *rpc.PutArgs, reply *rpc.PutReply) { reply.Err = rpc.OK }

func TestLoadViolation(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := netrpc.NewServer(forgetful{})
	go srv.Serve(ln)
	defer srv.Close()

	viz := filepath.Join(t.TempDir(), "viz.html")
	code, out, errOut := runCmd("load", "--addr", ln.Addr().String(), "--clients", "2", "--ops", "20", "--keys", "1", "--check", "--viz", viz)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitFailure, out, errOut)
	}
	if want := "check Violation"; !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	if _, err := os.Stat(viz); err != nil {
		t.Errorf("no visualization: %v", err)
	}
}

func TestLoadUsage(t *testing.T) {
	for _, args := range [][]string{
		{"load"},
		{"load", "--addr", "no-port", "--ops", "1"},
		{"load", "--addr", "127.0.0.1:1", "--clients", "0"},
		{"load", "--addr", "127.0.0.1:1", "--ops", "0"},
		{"load", "--addr", "127.0.0.1:1", "--keys", "0"},
		{"load", "--addr", "127.0.0.1:1", "--timeout", "-1s"},
		{"load", "--addr", "127.0.0.1:1", "--viz", "x.html"},
		{"load", "--addr", "127.0.0.1:1", "--ops", "many"},
		{"load", "--addr", "127.0.0.1:1", "extra"},
	} {
		if code, _, errOut := runCmd(args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d; stderr: %s", args, code, exitUsage, errOut)
		}
	}
}

func TestLoadNoServer(t *testing.T) {
	addr := freeAddr(t)
	code, out, errOut := runCmd("load", "--addr", addr, "--clients", "2", "--ops", "5", "--timeout", "2s", "--check")
	if code != exitFailure {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitFailure, out, errOut)
	}
	if want := "no server reachable at " + addr; !strings.Contains(errOut, want) {
		t.Errorf("stderr lacks %q: %s", want, errOut)
	}
}

// A server that goes away mid-run leaves Clerks retrying until --timeout;
// the Puts they give up on must count as unknown, not as ErrMaybe at the end,
// and the partial history must still check.
func TestLoadServerGone(t *testing.T) {
	srv, addr := startServer(t)
	time.AfterFunc(200*time.Millisecond, srv.Close)
	code, out, errOut := runCmd("load", "--addr", addr, "--clients", "16", "--ops", "5000", "--timeout", "1s", "--check")
	if code != exitFailure {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitFailure, out, errOut)
	}
	for _, want := range []string{"abandoned (outcome unknown)", "stopped early (context deadline exceeded)", "check Ok"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if want := "load did not finish"; !strings.Contains(errOut, want) {
		t.Errorf("stderr lacks %q: %s", want, errOut)
	}
}

func TestLoadToKVOps(t *testing.T) {
	put := func(client int, err rpc.Err, call, ret int64) netrpc.Op {
		return netrpc.Op{
			Client: client,
			Input:  netrpc.Input{Kind: netrpc.OpPut, Key: "k1", Value: "v", Version: 2},
			Output: netrpc.Output{Err: err},
			Call:   call, Return: ret,
		}
	}
	h := netrpc.History{
		{Client: 0, Input: netrpc.Input{Kind: netrpc.OpGet, Key: "k0"}, Output: netrpc.Output{Value: "x", Version: 3, Err: rpc.OK}, Call: 1, Return: 2},
		put(1, rpc.ErrMaybe, 3, 4),  // the Clerk's own ErrMaybe
		put(2, rpc.ErrMaybe, 5, 10), // given up on: returns at the end
	}
	ops, err := toKVOps(h, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []models.KVOp{
		{Client: 0, Input: models.KVInput{Op: models.OpGet, Key: "k0"}, Output: models.KVOutput{Value: "x", Version: 3, Err: rpc.OK}, Call: 1, Return: 2},
		{Client: 1, Input: models.KVInput{Op: models.OpPut, Key: "k1", Value: "v", Version: 2}, Output: models.KVOutput{Err: rpc.ErrMaybe}, Call: 3, Return: 4},
		{Client: 2, Input: models.KVInput{Op: models.OpPut, Key: "k1", Value: "v", Version: 2}, Output: models.KVOutput{Unknown: true}, Call: 5, Return: 10},
	}
	for i := range want {
		if ops[i] != want[i] {
			t.Errorf("op %d: got %+v, want %+v", i, ops[i], want[i])
		}
	}
	// A run that finished gave up on nothing.
	ops, err = toKVOps(h, false)
	if err != nil {
		t.Fatal(err)
	}
	if ops[2].Output.Unknown || ops[2].Output.Err != rpc.ErrMaybe {
		t.Errorf("finished run: last op %+v, want ErrMaybe", ops[2])
	}

	if _, err := toKVOps(netrpc.History{{Input: netrpc.Input{Kind: "append"}}}, false); err == nil {
		t.Error("unknown kind converted without error")
	}
}

func TestLoadClerkContract(t *testing.T) {
	get := func(err rpc.Err) models.KVOp {
		return models.KVOp{Input: models.KVInput{Op: models.OpGet, Key: "k"}, Output: models.KVOutput{Err: err}}
	}
	put := func(err rpc.Err) models.KVOp {
		return models.KVOp{Input: models.KVInput{Op: models.OpPut, Key: "k"}, Output: models.KVOutput{Err: err}}
	}
	good := []models.KVOp{get(rpc.OK), get(rpc.ErrNoKey), put(rpc.OK), put(rpc.ErrVersion), put(rpc.ErrNoKey), put(rpc.ErrMaybe),
		{Input: models.KVInput{Op: models.OpPut, Key: "k"}, Output: models.KVOutput{Unknown: true}}}
	if msg := clerkContract(good); msg != "" {
		t.Errorf("good history: %s", msg)
	}
	bad := append(good, get(rpc.ErrMaybe), get(rpc.ErrMaybe))
	if msg := clerkContract(bad); !strings.Contains(msg, "get(k) returned ErrMaybe (2 such ops)") {
		t.Errorf("Gets returning ErrMaybe: got %q", msg)
	}
}

// readAddr reads the "listening on ADDR" line from r and returns ADDR, then
// drains r so that later writes do not block.
func readAddr(t *testing.T, r io.Reader) string {
	t.Helper()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the listening line: %v (got %q)", err, line)
	}
	go io.Copy(io.Discard, r)
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("first line %q, want listening on ADDR", line)
	}
	return addr
}

func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	defer pr.Close()
	served := make(chan error, 1)
	go func() { served <- serve(ctx, "127.0.0.1:0", pw) }()
	addr := readAddr(t, pr)

	if code, out, errOut := runCmd("load", "--addr", addr, "--clients", "4", "--ops", "50", "--check"); code != exitOK {
		t.Fatalf("load: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}

	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after its context was cancelled")
	}
	if conn, err := net.Dial("tcp", addr); err == nil {
		conn.Close()
		t.Error("still accepting connections after serve returned")
	}
}

// The command itself stops cleanly on SIGINT.
func TestServeInterrupt(t *testing.T) {
	self, err := os.FindProcess(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	defer pr.Close()
	var errOut bytes.Buffer
	exited := make(chan int, 1)
	go func() { exited <- Main([]string{"serve", "--addr", "127.0.0.1:0"}, pw, &errOut) }()
	// The command listens only after it has taken over SIGINT, so once it
	// has printed its address the signal cannot kill the test.
	readAddr(t, pr)
	if err := self.Signal(os.Interrupt); err != nil {
		t.Skipf("cannot send SIGINT here: %v", err)
	}
	select {
	case code := <-exited:
		if code != exitOK {
			t.Errorf("exit %d, want %d; stderr: %s", code, exitOK, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop on SIGINT")
	}
}

func TestServeBadAddr(t *testing.T) {
	for _, args := range [][]string{
		{"serve"},
		{"serve", "--addr", "no-port"},
		{"serve", "--addr", "127.0.0.1:0", "--port", "1"},
	} {
		if code, _, errOut := runCmd(args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d; stderr: %s", args, code, exitUsage, errOut)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, _, errOut := runCmd("serve", "--addr", ln.Addr().String())
	if code != exitFailure || !strings.Contains(errOut, "cannot listen") {
		t.Errorf("serve on a busy port: exit %d, stderr %q; want %d and cannot listen", code, errOut, exitFailure)
	}
}
