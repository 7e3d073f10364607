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
)

// startServer serves the reference server on an ephemeral port until the
// test ends, and returns the server and its address.
func startServer(t *testing.T) (*netrpc.Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := netrpc.NewServer(kv.NewServer(), netrpc.ServerOptions{})
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

// TestLoadLockUsers: with --lockers, lock users take the lock over TCP and
// the run checks mutual exclusion, the lock model and the counter.
func TestLoadLockUsers(t *testing.T) {
	_, addr := startServer(t)
	code, out, errOut := runCmd("load", "--addr", addr, "--clients", "4", "--lockers", "2", "--ops", "20", "--check")
	if code != exitOK {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitOK, out, errOut)
	}
	for _, want := range []string{"load: ", "40 acquisitions by 2 lock users, 40 increments of run-", "check Ok"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// Each run has keys of its own by default, so a long-lived server can be
// checked again and again; reusing a prefix with --check is refused rather
// than reported as a violation, since the model starts every key absent.
func TestLoadCheckAgainAndAgain(t *testing.T) {
	_, addr := startServer(t)
	load := []string{"load", "--addr", addr, "--clients", "2", "--ops", "20", "--check"}
	for i := range 3 {
		if code, out, errOut := runCmd(load...); code != exitOK {
			t.Fatalf("run %d: exit %d\nstdout:\n%s\nstderr:\n%s", i, code, out, errOut)
		}
	}
	same := append(load, "--key-prefix", "mine/")
	if code, out, errOut := runCmd(same...); code != exitOK {
		t.Fatalf("first run with a prefix: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	code, out, errOut := runCmd(same...)
	if code != exitFailure || !strings.Contains(errOut, "--check needs keys that do not exist yet") {
		t.Errorf("checked run on used keys: exit %d, stderr %q; want %d and a fresh-keys error", code, errOut, exitFailure)
	}
	if out != "" {
		t.Errorf("checked run on used keys ran anyway:\n%s", out)
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
	srv := netrpc.NewServer(forgetful{}, netrpc.ServerOptions{})
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
		{"load", "--addr", "127.0.0.1:1", "--clients", "2", "--lockers", "3"},
		{"load", "--addr", "127.0.0.1:1", "--timeout", "-1s"},
		{"load", "--addr", "127.0.0.1:1", "--dead-after", "0s"},
		{"load", "--addr", "127.0.0.1:1", "--progress", "-1s"},
		{"load", "--addr", "127.0.0.1:99999"},
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

// A server that goes away mid-run stops the load within --dead-after, not
// --timeout: exit 1 with the reason, the Puts given up on count as unknown,
// and the partial history still checks.
func TestLoadServerGone(t *testing.T) {
	srv, addr := startServer(t)
	time.AfterFunc(200*time.Millisecond, srv.Close)
	start := time.Now()
	code, out, errOut := runCmd("load", "--addr", addr, "--clients", "16", "--ops", "100000", "--dead-after", "500ms", "--check")
	if code != exitFailure {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitFailure, out, errOut)
	}
	for _, want := range []string{"abandoned (outcome unknown)", "stopped early (server not answering: no reply from " + addr, "check Ok"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if want := "load did not finish: server not answering"; !strings.Contains(errOut, want) {
		t.Errorf("stderr lacks %q: %s", want, errOut)
	}
	t.Logf("stopped %v after the server went away", time.Since(start)-200*time.Millisecond)
}

// A run that outlives --timeout says so.
func TestLoadTimeout(t *testing.T) {
	_, addr := startServer(t)
	code, out, errOut := runCmd("load", "--addr", addr, "--clients", "2", "--ops", "100000000", "--timeout", "300ms")
	if code != exitFailure || !strings.Contains(errOut, "load did not finish: --timeout 300ms reached") {
		t.Errorf("exit %d, stderr %q; want %d and the timeout\nstdout:\n%s", code, errOut, exitFailure, out)
	}
}

// Without a terminal, a long load prints a progress line every --progress
// on stderr, and stdout holds only the summary.
func TestLoadProgress(t *testing.T) {
	_, addr := startServer(t)
	code, out, errOut := runCmd("load", "--addr", addr, "--clients", "2", "--ops", "100000000", "--timeout", "300ms", "--progress", "50ms")
	if code != exitFailure {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	const want = "/200000000 ops ("
	if !strings.Contains(errOut, want) || !strings.Contains(errOut, "ops/s") {
		t.Errorf("stderr lacks progress %q:\n%s", want, errOut)
	}
	if strings.Contains(out, want) {
		t.Errorf("progress on stdout:\n%s", out)
	}
}

// Ctrl-C stops the load with a partial summary and exit 130.
func TestLoadInterrupt(t *testing.T) {
	self, err := os.FindProcess(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	_, addr := startServer(t)
	pr, pw := io.Pipe()
	defer pr.Close()
	var out bytes.Buffer
	exited := make(chan int, 1)
	go func() {
		exited <- Main([]string{"load", "--addr", addr, "--clients", "2", "--ops", "100000000", "--progress", "20ms"}, &out, pw)
		pw.Close()
	}()
	// Progress lines come only once the command has taken over SIGINT.
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatal("no progress line")
	}
	go io.Copy(io.Discard, pr)
	if err := self.Signal(os.Interrupt); err != nil {
		t.Skipf("cannot send SIGINT here: %v", err)
	}
	select {
	case code := <-exited:
		if code != exitInterrupted {
			t.Errorf("exit %d, want %d", code, exitInterrupted)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("load did not stop on SIGINT")
	}
	if want := "stopped early (interrupted)"; !strings.Contains(out.String(), want) {
		t.Errorf("stdout lacks %q:\n%s", want, out.String())
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
	go func() { served <- serve(ctx, "127.0.0.1:0", netrpc.ServerOptions{}, pw) }()
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

// The command itself applies its limits, and stops cleanly on SIGINT.
func TestServeInterrupt(t *testing.T) {
	self, err := os.FindProcess(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	defer pr.Close()
	var errOut bytes.Buffer
	exited := make(chan int, 1)
	go func() {
		exited <- Main([]string{"serve", "--addr", "127.0.0.1:0", "--max-frame", "1000", "--idle-timeout", "1h"}, pw, &errOut)
	}()
	// The command listens only after it has taken over SIGINT, so once it
	// has printed its address the signal cannot kill the test.
	addr := readAddr(t, pr)

	caller := netrpc.NewCaller(netrpc.Options{})
	defer caller.Close()
	var reply rpc.PutReply
	if caller.Call(addr, rpc.MethodPut, &rpc.PutArgs{Key: "k", Value: strings.Repeat("x", 1000)}, &reply) {
		t.Errorf("a Put over --max-frame got a reply: %+v", reply)
	}
	if !caller.Call(addr, rpc.MethodPut, &rpc.PutArgs{Key: "k", Value: "x"}, &reply) || reply.Err != rpc.OK {
		t.Errorf("a small Put: %+v", reply)
	}

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
		{"serve", "--addr", "127.0.0.1:99999"},
		{"serve", "--addr", "127.0.0.1:-1"},
		{"serve", "--addr", "127.0.0.1:0", "--max-frame", "-1"},
		{"serve", "--addr", "127.0.0.1:0", "--read-timeout", "-1s"},
		{"serve", "--addr", "127.0.0.1:0", "--idle-timeout", "-1s"},
		{"serve", "--addr", "127.0.0.1:0", "--max-conns", "-2"},
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
