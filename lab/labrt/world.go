package labrt

import (
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"sync"
	"time"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/sim"
)

// world is the one run of student code in progress in this process.
var world struct {
	// mu is held while a world of student code runs in this process.
	mu sync.Mutex
	// w is the run's world, from before the student's server is built
	// to the run's end; nil between runs.
	w *sim.World
	// rand is the source of RandValue and of the stand-ins for math/rand,
	// crypto/rand and uuid: seeded by the run's seed, and by a constant
	// outside a run (package initialization), so every draw is the run's.
	rand *rand.Rand
	// resets re-run the student's package-level initializers, package by
	// package in the order they were initialized: each world starts from
	// the state a fresh process would have.
	resets []packageReset
	// out captures what the student's code prints during a run.
	out capture
	// spins counts the loop iterations of student code at virtual time
	// spinAt (see Spin).
	spins  int
	spinAt time.Duration
	// lastNow is the last time Now returned in this run.
	lastNow time.Time
	// maxRaftState is the run's maxraftstate for a kvraft1 or rsm
	// folder's servers (MaxRaftStates).
	maxRaftState int
	// slack is the run's stream of timer slack (late).
	slack sim.Entropy
	// files are the files student code opened this run (OpenFile),
	// closed at its end.
	files []*os.File
	// sharded: the run is of a shardkv1 folder (ServerName).
	sharded bool
}

// outsideRun seeds the source used outside any run.
const outsideRun = 0x6b7673696d6c6162 // "kvsimlab"

func init() { world.rand = rand.New(rand.NewPCG(0, outsideRun)) }

// OpenFile is os.OpenFile of a file student code only writes (the lab
// refuses any other flag): a debug log, say. The file is the null device,
// so the run never touches the real file system and the writes go
// nowhere; it is closed at the run's end if the code did not close it,
// so thousands of runs in a worker do not run out of descriptors.
func OpenFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	world.files = append(world.files, f)
	return f, nil
}

// Epoch is what time.Now returns at virtual time 0.
var Epoch = time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC)

// begin starts a run in this process; world.mu is held. It re-runs the
// student's package initializers, and returns their panic, if any.
func begin(seed uint64) (panicked any, stack string) {
	world.w, world.slack, world.lastNow, world.spins, world.spinAt, world.sharded = nil, nil, time.Time{}, 0, 0, false
	world.rand = rand.New(rand.NewPCG(seed, outsideRun))
	world.out.start()
	return resetPackages()
}

// end clears the run's state and returns what the student's code printed.
func end() string {
	for _, f := range world.files {
		f.Close() // an error says the code closed it already
	}
	world.w, world.slack, world.files = nil, nil, nil
	world.rand = rand.New(rand.NewPCG(0, outsideRun))
	return world.out.stop()
}

// packageReset is what one student package registered: its files'
// functions that give its variables their initial values, then those that
// run its init functions.
type packageReset struct {
	pkg         string
	vars, inits []func()
}

// RegisterReset is called by each file of the rewritten student packages
// at initialization, with functions that set the file's package-level
// variables to their initial values and re-run its init functions. pkg
// names the package.
func RegisterReset(pkg string, vars, inits func()) {
	n := len(world.resets)
	if n == 0 || world.resets[n-1].pkg != pkg {
		world.resets = append(world.resets, packageReset{pkg: pkg})
		n++
	}
	r := &world.resets[n-1]
	r.vars, r.inits = append(r.vars, vars), append(r.inits, inits)
}

func resetPackages() (panicked any, stack string) {
	defer func() {
		if p := recover(); p != nil {
			panicked, stack = p, stackOf()
		}
	}()
	for _, r := range world.resets {
		for _, f := range r.vars {
			f()
		}
		for _, f := range r.inits {
			f()
		}
	}
	return nil, ""
}

// enter makes w the world the student's code runs in, from before its
// servers are built: reports name the student's lines, not this
// package's, and timers draw their slack from w's stream.
func enter(w *sim.World) {
	world.w, world.slack = w, w.Stream("lab/timer-slack")
	w.HideFrames(runtimePrefix)
}

// World is the world of the run in progress in this process; nil
// between runs, and in the student's package initialization.
func World() *sim.World { return world.w }

// Sleep is time.Sleep in the rewritten student code: the running goroutine
// (a clerk's process, a handler, a goroutine the student started) sleeps d
// of virtual time, and a slack (late).
func Sleep(d time.Duration) { current("time.Sleep").Clock().Sleep(late(d)) }

// Now is time.Now in the rewritten student code: Epoch plus the run's
// virtual time.
//
// Virtual time stands still while code runs, so two reads between the
// same two events would be equal, as two reads of a real clock, taken
// nanoseconds apart, never are: ids made from time.Now() would collide in
// every run. Each read is therefore at least a nanosecond after the one
// before it in the run, which keeps it deterministic.
func Now() time.Time {
	now := Epoch
	if world.w != nil {
		now = Epoch.Add(world.w.Now())
	}
	if !now.After(world.lastNow) {
		now = world.lastNow.Add(time.Nanosecond)
	}
	world.lastNow = now
	return now
}

// Since is time.Since in virtual time.
func Since(t time.Time) time.Duration { return Now().Sub(t) }

// Until is time.Until in virtual time.
func Until(t time.Time) time.Duration { return t.Sub(Now()) }

// SpinBudget is how many loop iterations student code may run while
// virtual time stands still. kvsim runs one goroutine at a time, and
// virtual time moves only when every goroutine waits (on a call, a
// sleep, a timer, a channel, a lock), so a loop past it, which waits on
// nothing (a spin on a flag, a poll of a select's default case, a retry
// without a sleep), keeps every other goroutine from running: what it
// waits for cannot happen here. In real Go such a loop busy-waits on a
// core and may end when another goroutine acts; kvsim reports it rather
// than model preemption, which no deterministic budget of iterations per
// virtual instant would make cheap for a loop that polls for a whole
// run. No loop of a correct lab that waits runs anywhere near it at one
// instant (the longest walk a handler makes is over its state or a log
// of thousands of entries), and at a few milliseconds a spinning run
// costs a class's grading loop little. It counts iterations, not time,
// so the run stops at the same point on every machine and replays by its
// seed.
const SpinBudget = 1 << 20

// Spinning is the panic that stops a loop past SpinBudget.
type Spinning struct {
	At string // the loop's file:line
}

func (s Spinning) String() string {
	return fmt.Sprintf("spinning: the loop at %s ran %d iterations while virtual time stood still, waiting on nothing (no Call, Sleep, timer, blocking channel operation or lock wait); kvsim runs one goroutine at a time, so the goroutines it waits for never run (in real Go it busy-waits on a core): wait with a Sleep, a sync.Cond or a channel instead", s.At, SpinBudget)
}

// Spin is called by the rewriter at the top of every for loop's body.
func Spin() {
	if w := world.w; w != nil && w.Now() != world.spinAt {
		world.spinAt, world.spins = w.Now(), 0
	}
	world.spins++
	if world.spins <= SpinBudget {
		return
	}
	world.spins = 0
	at := "an unknown line"
	if _, file, line, ok := runtime.Caller(1); ok {
		at = fmt.Sprintf("%s:%d", file, line)
	}
	panic(Spinning{At: at})
}

// Exit is what the student's code calls for os.Exit and log.Fatal: the
// course's test would stop there, so the run stops with this panic, which
// kvsim reports as the failure with its seed.
type Exit struct {
	Code int
	Call string // "os.Exit" or "log.Fatalf: <message>"
}

func (e Exit) String() string {
	return fmt.Sprintf("%s (the program would exit with status %d here)", e.Call, e.Code)
}

// OSExit is os.Exit in the rewritten student code.
func OSExit(code int) { panic(Exit{Code: code, Call: fmt.Sprintf("os.Exit(%d)", code)}) }

// Fatal, Fatalf and Fatalln are log's, in the rewritten student code: the
// message is logged as log would, then the run stops (see Exit).
func Fatal(v ...any) { fatal("log.Fatal", fmt.Sprint(v...)) }

// Fatalf is log.Fatalf (see Fatal).
func Fatalf(format string, v ...any) { fatal("log.Fatalf", fmt.Sprintf(format, v...)) }

// Fatalln is log.Fatalln (see Fatal).
func Fatalln(v ...any) { fatal("log.Fatalln", fmt.Sprintln(v...)) }

func fatal(call, msg string) {
	log.Output(3, msg)
	panic(Exit{Code: 1, Call: call + ": " + msg})
}

const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// RandValue is kvtest.RandValue: n random letters and digits, drawn from
// the run's source, so the same seed draws the same values.
func RandValue(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[world.rand.IntN(len(letters))]
	}
	return string(b)
}

// Rand is the run's source, for the stand-ins of math/rand, crypto/rand
// and uuid.
func Rand() *rand.Rand { return world.rand }

// Clnt is the course's tester.Clnt: what a student's clerk sends its RPCs
// through, here the simulated network.
type Clnt struct{ c rpc.Caller }

// Call sends one RPC; it returns false if no reply came in time. Like
// labrpc, whose gob decoding follows pointers, it takes a reply given as
// a pointer to the pointer to the reply (&reply, reply := new(T)), and
// args as a pointer to a pointer.
func (c *Clnt) Call(server, method string, args, reply any) bool {
	return c.c.Call(server, method, peel(args, false), peel(reply, true))
}

// peel follows v through pointers to pointers down to the last pointer,
// making a nil one on the way when alloc says so (gob does, for a reply).
func peel(v any, alloc bool) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Pointer {
		return v
	}
	for rv.Elem().Kind() == reflect.Pointer {
		if rv.Elem().IsNil() {
			if !alloc {
				return v
			}
			rv.Elem().Set(reflect.New(rv.Elem().Type().Elem()))
		}
		rv = rv.Elem()
	}
	return rv.Interface()
}

// capture redirects what the student's code prints (os.Stdout, os.Stderr
// and the log package's output) to a file for the run, so that a campaign
// shows it only for a failing run.
type capture struct {
	f                 *os.File
	stdout, stderr    *os.File
	log               io.Writer
	flags             int
	failed, capturing bool
}

// maxOutput bounds what a run keeps of its output: its head and its tail.
const maxOutput = 256 << 10

func (c *capture) start() {
	if c.f == nil && !c.failed {
		f, err := os.CreateTemp("", "kvsim-lab-output-*")
		if err != nil {
			c.failed = true // the output then goes where it always did
			return
		}
		os.Remove(f.Name()) // nothing is left behind, even if killed
		c.f = f
	}
	if c.f == nil {
		return
	}
	c.f.Truncate(0)
	c.f.Seek(0, io.SeekStart)
	c.stdout, c.stderr, c.log, c.flags = os.Stdout, os.Stderr, log.Writer(), log.Flags()
	os.Stdout, os.Stderr = c.f, c.f
	log.SetOutput(c.f)
	c.capturing = true
}

func (c *capture) stop() string {
	if !c.capturing {
		return ""
	}
	c.capturing = false
	os.Stdout, os.Stderr = c.stdout, c.stderr
	log.SetOutput(c.log)
	log.SetFlags(c.flags)
	size, err := c.f.Seek(0, io.SeekCurrent)
	if err != nil || size == 0 {
		return ""
	}
	if size <= maxOutput {
		b := make([]byte, size)
		n, _ := c.f.ReadAt(b, 0)
		return string(b[:n])
	}
	head := make([]byte, maxOutput/4)
	tail := make([]byte, maxOutput-len(head))
	c.f.ReadAt(head, 0)
	c.f.ReadAt(tail, size-int64(len(tail)))
	return fmt.Sprintf("%s\n... %d bytes cut ...\n%s", head, size-int64(len(head)+len(tail)), tail)
}
