package stress_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
	"github.com/kvsim/kvsim/stress"
	"github.com/kvsim/kvsim/zoo"
)

// small is one short round, checks included, under -race too. Its
// duration is a bound that the ops are meant to reach first.
func small(im kvsim.Impl) stress.Options {
	return stress.Options{Impl: im, Clients: 8, Ops: 300, Rounds: 1, Duration: time.Minute}
}

func mustRun(t *testing.T, opts stress.Options) stress.Result {
	t.Helper()
	res, err := stress.Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestReferencePasses(t *testing.T) {
	res := mustRun(t, small(kvsim.Impl{}))
	if !res.Passed() {
		t.Fatalf("the reference failed:\n%s", strings.Join(res.Failures, "\n"))
	}
	if res.Impl != kvsim.ReferenceName || res.Rounds != 1 {
		t.Errorf("impl %q, %d rounds; want the reference, 1 round", res.Impl, res.Rounds)
	}
	// The run must have exercised what it claims to: lost calls, the
	// clerk's ErrMaybe, the lock and the counter.
	maybes := 0
	for _, op := range res.KVHistory {
		if op.Output.Err == rpc.ErrMaybe {
			maybes++
		}
	}
	if res.Lost == 0 || maybes == 0 || res.Acquisitions == 0 || res.Counter != res.Increments || res.Increments != res.Acquisitions {
		t.Errorf("lost %d, ErrMaybe %d, acquisitions %d, increments %d, counter %d: want lost calls, ErrMaybe, and one increment per acquisition",
			res.Lost, maybes, res.Acquisitions, res.Increments, res.Counter)
	}
	if res.KVCheck.Verdict != models.Ok || res.LockCheck.Verdict != models.Ok {
		t.Errorf("checks %v, %v; want Ok", res.KVCheck.Verdict, res.LockCheck.Verdict)
	}
	// Every client makes its 300 and stops soon after.
	if res.Ops != len(res.KVHistory) || res.Ops < 8*300 || res.Ops > 2*8*300 {
		t.Errorf("%d ops, %d in the history; want them equal, and 8 x 300 or a little more", res.Ops, len(res.KVHistory))
	}
}

func TestRounds(t *testing.T) {
	opts := small(kvsim.Impl{})
	opts.Clients, opts.Ops, opts.Rounds = 2, 20, 3
	res := mustRun(t, opts)
	if !res.Passed() || res.Rounds != 3 || res.Ops < 3*2*20 {
		t.Fatalf("%d rounds, %d ops, failures %q; want 3 rounds of at least 40 ops that pass", res.Rounds, res.Ops, res.Failures)
	}
}

// ignoresVersion is the reference server with Put storing whatever the
// version: a logic bug, no race.
type ignoresVersion struct {
	mu   sync.Mutex
	data map[string]rpc.GetReply
}

func (s *ignoresVersion) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.data[args.Key]; ok {
		*reply = r
		return
	}
	reply.Err = rpc.ErrNoKey
}

func (s *ignoresVersion) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[args.Key] = rpc.GetReply{Value: args.Value, Version: s.data[args.Key].Version + 1, Err: rpc.OK}
	reply.Err = rpc.OK
}

func TestFindsLogicBug(t *testing.T) {
	im := kvsim.Impl{Name: "ignores-version", NewServer: func() rpc.Server { return &ignoresVersion{data: map[string]rpc.GetReply{}} }}
	res := mustRun(t, small(im))
	if res.Passed() {
		t.Fatal("a server whose Put ignores the version passed")
	}
	if res.KVCheck.Verdict != models.Violation {
		t.Errorf("linearizability %v (%s), want a violation", res.KVCheck.Verdict, res.KVCheck.Reason)
	}
}

// reusingClerk keeps one reply struct for all its Gets: over net/rpc a
// field the server leaves zero (the free lock's "") is not sent, so the
// struct keeps the last value.
type reusingClerk struct {
	rpc.Clerk
	c     rpc.Caller
	reply rpc.GetReply
}

func (ck *reusingClerk) Get(key string) (string, rpc.Tversion, rpc.Err) {
	for !ck.c.Call(kvsim.ServerName, rpc.MethodGet, &rpc.GetArgs{Key: key}, &ck.reply) {
	}
	return ck.reply.Value, ck.reply.Version, ck.reply.Err
}

func TestRepliesDecodeLikeGob(t *testing.T) {
	ref := kvsim.Reference()
	im := kvsim.Impl{Name: "reuses-reply", NewClerk: func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk {
		return &reusingClerk{Clerk: ref.NewClerk(c, s, server), c: c}
	}}
	opts := small(im)
	// Its lock users may wait forever on a stale owner: bound them.
	opts.Duration, opts.Grace = 500*time.Millisecond, 100*time.Millisecond
	res := mustRun(t, opts)
	if res.Passed() {
		t.Fatal("a clerk that reuses its reply struct passed, as if replies were assigned whole")
	}
}

// sleepyLock never gets the lock, pausing forever.
type sleepyLock struct{ s rpc.Sleeper }

func (l sleepyLock) Acquire() {
	for {
		l.s.Sleep(time.Second)
	}
}
func (l sleepyLock) Release() {}

// slowToStop is a sleepyLock whose client takes a while to return once
// aborted, as any client does on a loaded machine, where a goroutine may
// wait tens of milliseconds to be scheduled.
type slowToStop struct{ sleepyLock }

func (l slowToStop) Acquire() {
	defer time.Sleep(100 * time.Millisecond)
	l.sleepyLock.Acquire()
}

func TestStuckClientIsStopped(t *testing.T) {
	for _, lock := range []func(rpc.Sleeper) rpc.Locker{
		func(s rpc.Sleeper) rpc.Locker { return sleepyLock{s} },
		func(s rpc.Sleeper) rpc.Locker { return slowToStop{sleepyLock{s}} },
	} {
		im := kvsim.Impl{Name: "sleepy-lock", NewLock: func(_ rpc.Clerk, s rpc.Sleeper, _, _ string) rpc.Locker { return lock(s) }}
		opts := small(im)
		// Long enough for c0 to start its first Acquire, which never
		// returns. A client that stops late, past a Grace this short, is
		// still stopped, not reported as an implementation that spins.
		opts.Duration, opts.Grace = 200*time.Millisecond, 20*time.Millisecond
		res := mustRun(t, opts)
		if res.Passed() || !strings.Contains(strings.Join(res.Failures, "\n"), "liveness: c0 was still in acquire") {
			t.Fatalf("%T: failures %q, want c0 stuck in acquire", lock(nil), res.Failures)
		}
	}
}

type panicky struct{ rpc.Server }

func (panicky) Put(*rpc.PutArgs, *rpc.PutReply) { panic("boom") }

func TestSUTFailures(t *testing.T) {
	ref := kvsim.Reference()
	for _, tc := range []struct {
		name string
		im   kvsim.Impl
		want string
	}{
		{"server panics", kvsim.Impl{NewServer: func() rpc.Server { return panicky{ref.NewServer()} }}, "panicked in"},
		{"clerk calls an unknown method", kvsim.Impl{NewClerk: func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk {
			c.Call(server, "KVServer.Append", &rpc.PutArgs{}, &rpc.PutReply{})
			return nil
		}}, "call KVServer.Append to server: unknown method"},
		{"clerk passes a wrong reply", kvsim.Impl{NewClerk: func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk {
			c.Call(server, rpc.MethodGet, rpc.GetArgs{}, rpc.GetReply{})
			return nil
		}}, "want *rpc.GetArgs and *rpc.GetReply, got rpc.GetArgs and rpc.GetReply"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mustRun(t, small(tc.im))
			if got := strings.Join(res.Failures, "\n"); !strings.Contains(got, tc.want) {
				t.Fatalf("failures:\n%s\nwant one with %q", got, tc.want)
			}
		})
	}
}

func TestBadOptions(t *testing.T) {
	for _, opts := range []stress.Options{
		{Clients: -1}, {Ops: -1}, {Rounds: -1}, {Duration: -time.Second}, {Lockers: 9, Clients: 8}, {Loss: 1}, {Speedup: -2},
	} {
		if _, err := stress.Run(context.Background(), opts); err == nil {
			t.Errorf("%+v: no error", opts)
		}
	}
}

func TestInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := stress.Run(ctx, stress.Options{Duration: time.Hour})
	if !errors.Is(err, context.Canceled) || !res.Passed() {
		t.Fatalf("err %v, failures %q; want context.Canceled and no failure", err, res.Failures)
	}
}

// raceChildEnv names the implementation TestRaceChild stresses.
const raceChildEnv = "STRESS_RACE_CHILD_IMPL"

// TestRaceChild is the child process of TestRacesCaught: a race report in
// this test binary fails it, so the parent watches it from outside.
func TestRaceChild(t *testing.T) {
	name := os.Getenv(raceChildEnv)
	if name == "" {
		t.Skip("runs only as the child of TestRacesCaught")
	}
	for _, im := range zoo.Races() {
		if im.Name == name {
			mustRun(t, small(im))
			return
		}
	}
	t.Fatalf("no race bug %q", name)
}

// dataRaces are the race bugs that the race detector reports.
var dataRaces = []string{
	zoo.RacePrefix + "server-copies-after-unlock",
	zoo.RacePrefix + "server-get-unlocked",
	zoo.RacePrefix + "server-unlocked-stats",
}

func TestRacesCaught(t *testing.T) {
	if !stress.RaceDetector {
		t.Skip("data races are reported only under -race: go test -race ./stress")
	}
	for _, name := range dataRaces {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			child := exec.Command(os.Args[0], "-test.run=^TestRaceChild$", "-test.v")
			child.Env = append(os.Environ(), raceChildEnv+"="+name, "GORACE=halt_on_error=1 exitcode=66")
			out, err := child.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 66 || !strings.Contains(string(out), "WARNING: DATA RACE") {
				t.Fatalf("child: %v, want exit status 66 and a race report; output:\n%s", err, out)
			}
		})
	}
}

func TestRaceBugsDocumented(t *testing.T) {
	for _, im := range zoo.Races() {
		if !strings.HasPrefix(im.Name, zoo.RacePrefix) || !strings.Contains(im.Doc, "kvsim stress") || im.NewServer == nil {
			t.Errorf("%s: want the race- prefix, a server, and a Doc that names kvsim stress", im.Name)
		}
	}
}

// maybeGets breaks the Clerk's contract: its Gets return ErrMaybe.
type maybeGets struct{ rpc.Clerk }

func (c maybeGets) Get(key string) (string, rpc.Tversion, rpc.Err) {
	c.Clerk.Get(key)
	return "", 0, rpc.ErrMaybe
}

// leaky is the reference server that keeps every request it served.
type leaky struct {
	rpc.Server
	mu   sync.Mutex
	seen []rpc.GetArgs
}

func (s *leaky) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	s.mu.Lock()
	s.seen = append(s.seen, *args)
	s.mu.Unlock()
	s.Server.Get(args, reply)
}

// openLock lets everyone in at once.
type openLock struct{}

func (openLock) Acquire() {}
func (openLock) Release() {}

// TestChecksWhatSimulationChecks: stress mode runs the checks a simulated
// run gets that apply to it, the Clerk's contract and the server's memory
// among them.
func TestChecksWhatSimulationChecks(t *testing.T) {
	ref := kvsim.Reference()
	for _, tc := range []struct {
		name    string
		im      kvsim.Impl
		lockers int
		want    string
	}{
		{"clerk contract", kvsim.Impl{NewClerk: func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk {
			return maybeGets{ref.NewClerk(c, s, server)}
		}}, -1, `clerk contract: c`}, // Get/Put clients only: a Clerk that breaks Get breaks the lock
		{"memory", kvsim.Impl{NewServer: func() rpc.Server { return &leaky{Server: ref.NewServer()} }}, -1, "memory: server holds"},
		{"mutual exclusion", kvsim.Impl{NewLock: func(rpc.Clerk, rpc.Sleeper, string, string) rpc.Locker { return openLock{} }},
			0, "lock mutual exclusion: c"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := small(tc.im)
			opts.Lockers = tc.lockers
			res := mustRun(t, opts)
			if got := strings.Join(res.Failures, "\n"); !strings.Contains(got, tc.want) {
				t.Fatalf("failures:\n%s\nwant one with %q", got, tc.want)
			}
		})
	}
}

// TestChecksRegistry: a stress round runs every check that applies to it.
func TestChecksRegistry(t *testing.T) {
	var names []string
	for _, c := range stress.Checks(time.Second) {
		names = append(names, c.Name())
	}
	want := []string{"clerk contract", "mutual exclusion", "workload", "linearizability", "lock model", "liveness", "counter", "memory"}
	if strings.Join(names, ", ") != strings.Join(want, ", ") {
		t.Errorf("checks %q, want %q", names, want)
	}
}
