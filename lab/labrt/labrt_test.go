package labrt

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/lock"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/worker"
)

// testStudent is student-style code: a clerk and a lock that sleep and
// draw owner ids through the package-level functions, as rewritten
// course code does.
var testStudent = Student{
	Name:      "lab/test",
	Dir:       "testdata/test",
	NewServer: func() rpc.Server { return kv.NewServer() },
	NewClerk:  func(clnt *Clnt, server string) rpc.Clerk { return &retryClerk{clnt, server} },
	NewLock: func(ck rpc.Clerk, key string) rpc.Locker {
		return lock.NewWithOptions(ck, key, RandValue(8), lock.Options{Sleeper: sleepFunc(Sleep)})
	},
}

type sleepFunc func(time.Duration)

func (f sleepFunc) Sleep(d time.Duration) { f(d) }

type retryClerk struct {
	clnt   *Clnt
	server string
}

func (ck *retryClerk) Get(key string) (string, rpc.Tversion, rpc.Err) {
	for {
		var reply rpc.GetReply
		if ck.clnt.Call(ck.server, rpc.MethodGet, &rpc.GetArgs{Key: key}, &reply) {
			return reply.Value, reply.Version, reply.Err
		}
		Sleep(100 * time.Millisecond)
	}
}

func (ck *retryClerk) Put(key, value string, version rpc.Tversion) rpc.Err {
	for resent := false; ; resent = true {
		var reply rpc.PutReply
		if ck.clnt.Call(ck.server, rpc.MethodPut, &rpc.PutArgs{Key: key, Value: value, Version: version}, &reply) {
			if reply.Err == rpc.ErrVersion && resent {
				return rpc.ErrMaybe
			}
			return reply.Err
		}
		Sleep(100 * time.Millisecond)
	}
}

// The test binary is its own worker: the pool starts os.Executable().
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == worker.Arg {
		os.Exit(Main(testStudent, os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// hashes runs a campaign of the test student's code and returns every
// run's trace hash by spec.
func hashes(t *testing.T, parallel int) map[kvsim.Spec]string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	workers := &campaign.Workers{Path: exe, Stderr: os.Stderr}
	defer workers.Close()
	var ex campaign.Executor = workers
	if parallel == 0 {
		ex = inThisProcess{}
	}
	runs, err := campaign.Default().Runs(nil, "swarm", testStudent.impl())
	if err != nil {
		t.Fatal(err)
	}
	got := map[kvsim.Spec]string{}
	sum, err := campaign.Run(context.Background(), campaign.Config{Runs: runs, Seeds: 12, Parallel: max(parallel, 1), KeepGoing: true, Executor: ex,
		OnResult: func(r scenarios.Result) { got[r.Spec] = r.TraceHash }})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed > 0 {
		t.Fatalf("%d runs failed; the first: %s", sum.Failed, sum.Failures[0].Summary())
	}
	return got
}

// inThisProcess is the in-process executor whose runs are the student's,
// made here one at a time, as a worker makes them.
type inThisProcess struct{ campaign.InProcess }

func (inThisProcess) Runner() campaign.Runner { return studentRunner{&Runner{}} }

type studentRunner struct{ r *Runner }

func (s studentRunner) Run(_ context.Context, cfg scenarios.Config) scenarios.Result {
	return s.r.Try(cfg)
}

// TestWorkersAgree: a campaign whose runs are spread over this process
// and worker processes gives every run the hash it has in this process
// alone, and the student code's sleeps and owner ids work in both.
func TestWorkersAgree(t *testing.T) {
	one, two := hashes(t, 0), hashes(t, 3)
	if len(one) == 0 || len(one) != len(two) {
		t.Fatalf("%d runs at parallel 1, %d at parallel 3", len(one), len(two))
	}
	for spec, h := range one {
		if two[spec] != h {
			t.Errorf("%s: hash %s in process, %s with workers", spec, h, two[spec])
		}
	}
}

// TestOutsideARun: a sleep outside a world fails loudly instead of
// sleeping some other process; draws outside a world (package
// initialization) come from a constant seed, so they are the same in every
// process.
func TestOutsideARun(t *testing.T) {
	msg := func() (msg string) {
		defer func() { msg = fmt.Sprint(recover()) }()
		Sleep(time.Millisecond)
		return ""
	}()
	if !strings.HasPrefix(msg, "kvsim lab: ") {
		t.Errorf("Sleep outside a run: panic %q, want kvsim lab's", msg)
	}
	a := RandValue(8)
	end()
	if b := RandValue(8); a != b {
		t.Errorf("RandValue outside a run: %q, then %q after a run ended", a, b)
	}
	end()
}

// TestServerMaySleep: each request runs as a goroutine of the server's
// machine, as in a real RPC server, so a handler may sleep; the run
// passes, and its clients wait the handler's sleeps in virtual time.
func TestServerMaySleep(t *testing.T) {
	run := func(st Student) scenarios.Result {
		cfg, err := campaign.Default().With(st.impl()).Resolve(kvsim.Spec{Scenario: "reliable-put", Impl: st.Name})
		if err != nil {
			t.Fatal(err)
		}
		return (&Runner{}).Try(cfg)
	}
	sleepy := testStudent
	sleepy.NewServer = func() rpc.Server { return sleepyServer{kv.NewServer()} }
	base, slow := run(testStudent), run(sleepy)
	if base.Failed() || slow.Failed() {
		t.Fatalf("got %s (%s) and %s (%s), want both ok", base.Verdict, base.Reason, slow.Verdict, slow.Reason)
	}
	if slow.SimTimeNS <= base.SimTimeNS {
		t.Errorf("a run whose Gets sleep took %v of virtual time, one whose do not %v", time.Duration(slow.SimTimeNS), time.Duration(base.SimTimeNS))
	}
}

type sleepyServer struct{ *kv.Server }

func (s sleepyServer) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	Sleep(time.Millisecond)
	s.Server.Get(args, reply)
}

// BenchmarkRun compares a run of student-style code made in this process
// with the same run made in a worker process: the difference is the cost
// of isolation (a JSON request and result over pipes).
func BenchmarkRun(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	workers := &campaign.Workers{Path: exe, Stderr: os.Stderr}
	defer workers.Close()
	cfg, err := campaign.Default().With(testStudent.impl()).Resolve(kvsim.Spec{Scenario: "kv-random", Impl: testStudent.Name})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		run  func(scenarios.Config) scenarios.Result
	}{
		{"in-process", (&Runner{}).Try},
		{"worker", func(cfg scenarios.Config) scenarios.Result { return workers.Run(context.Background(), cfg) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for i := range b.N {
				cfg.Seed = uint64(i)
				if r := bc.run(cfg); r.Failed() {
					b.Fatal(r.Summary())
				}
			}
		})
	}
}
