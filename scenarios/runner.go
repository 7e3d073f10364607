package scenarios

import (
	"cmp"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/check"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
	"github.com/kvsim/kvsim/sim"
	"github.com/kvsim/kvsim/sim/explore"
)

// Config is one run, resolved: the values a Spec names (package campaign
// resolves names). Run takes the Profile as given, so the zero Profile is a
// network without faults; the zero Impl is the reference.
type Config struct {
	Scenario Scenario
	Profile  Profile
	Impl     kvsim.Impl
	Seed     uint64
	// Strategy chooses the seed's run (see sim/explore); the zero value
	// is uniform random, the seed's PCG.
	Strategy explore.Strategy
	// Entropy overrides the PRNG seeded by Seed (and the Strategy): rapid's *rapid.T (through
	// simrapid) to shrink, fuzzer bytes (sim.NewBytes) to steer. Such a run
	// replays only from the same entropy, so its Spec cannot replay it.
	Entropy sim.Entropy
	// Choices, when not nil, are the draws of a recorded run (Record),
	// drawn again in place of Seed's and the Strategy's (Entropy, when
	// set, still overrides them): the same run, after any change of how a
	// seed draws its values. Spec still names the seed (and strategy)
	// they were recorded from.
	Choices Choices
	// Record keeps every value the run draws, by stream, in
	// Result.Choices, for a regression entry or a fail file. It does not
	// change the run.
	Record bool
	// Trace keeps the readable trace and the checked histories, for
	// artifacts and reports. It does not change the run.
	Trace bool
	// CheckTimeout bounds each linearizability check in wall time; zero
	// means DefaultCheckTimeout. A timeout gives kvsim.Unknown.
	CheckTimeout time.Duration
}

// Spec is the identity of the run cfg makes.
func (cfg Config) Spec() kvsim.Spec {
	s := kvsim.Spec{Scenario: cfg.Scenario.Name, Seed: cfg.Seed, Faults: cfg.Profile.Name, Impl: cmp.Or(cfg.Impl.Name, kvsim.ReferenceName)}
	if cfg.Strategy.Name != "random" {
		s.Strategy = cfg.Strategy.Name
	}
	return s
}

// DefaultCheckTimeout bounds a linearizability check.
const DefaultCheckTimeout = 10 * time.Second

// Result is the outcome of one run, with what it takes to replay it.
type Result struct {
	kvsim.Spec
	// FaultModel is the fault model in force (the drawn one, for swarm).
	// Run writes it for failed and traced runs only, so that a campaign
	// formats nothing for the runs that pass; Described fills it in.
	FaultModel string `json:"fault_model"`
	// Workload is the drawn workload shape, for scenarios that draw one.
	Workload  string        `json:"workload,omitempty"`
	Verdict   kvsim.Verdict `json:"verdict"`
	Reason    string        `json:"reason,omitempty"`
	Stack     string        `json:"stack,omitempty"`
	TraceHash string        `json:"trace_hash"`
	Ops       int           `json:"ops"`
	RPCs      int           `json:"rpcs"`
	SimTimeNS int64         `json:"sim_time_ns"`
	// Core is, for a key/value linearizability violation, the checker's
	// core (models.CheckResult.Core): operations that cannot all be ordered, one
	// a line as models.FormatKV writes them, so that kvsim check reads
	// them back.
	Core []string `json:"core,omitempty"`
	// Hint says, for a failure, which fault shaped it in a way the
	// implementation might not expect (a duplicate under at-least-once
	// delivery, a message held past its caller's retry).
	Hint string `json:"hint,omitempty"`
	// Warnings are what the implementation did that its contract allows
	// but a precise one avoids; they never fail a run.
	Warnings []Warning `json:"warnings,omitempty"`
	// Output is what the implementation printed during the run, kept for
	// failures by implementations that capture it (a course folder's);
	// capped, with its middle cut.
	Output string `json:"output,omitempty"`
	// Repro is the lines that replay the run, written by the front door
	// that resolved its names (campaign.Catalogue.ReproOf): Run leaves it
	// empty.
	kvsim.Repro

	// Kept when Config.Trace is set.
	Trace     []sim.Record          `json:"-"`
	KVHistory []models.KVOp         `json:"-"`
	KVCheck   models.CheckResult    `json:"-"`
	LockCheck *models.CheckResult   `json:"-"`
	LockHist  []models.LockOpRecord `json:"-"`
	// Clients are the client names, by client index (KVOp.Client).
	Clients []string `json:"-"`
	// Choices are what the run drew, when Config.Record asked for them
	// (nil if a stream's name cannot be written in them).
	Choices Choices `json:"-"`

	// config is what ran, so that Replay reruns exactly this run, whatever
	// the implementation; faults and targeted are the drawn fault model.
	config   Config
	faults   sim.Faults
	targeted Targeted
}

// Described is r with its FaultModel filled in.
func (r Result) Described() Result {
	if r.FaultModel == "" && r.config.Scenario.Setup != nil {
		r.FaultModel = describeFaults(r.faults, r.targeted, r.config.Profile.Delivery)
	}
	return r
}

// For is r as the result of cfg's run: for a result made elsewhere (in a
// worker process) and decoded, so that Config and Replay know its run.
func (r Result) For(cfg Config) Result {
	r.config = cfg
	return r
}

// Failed reports whether the run found a failure.
func (r Result) Failed() bool { return r.Verdict.Failed() }

// Config is the configuration that produced r (zero for a Result that was
// not made by Run, e.g. decoded from JSON).
func (r Result) Config() Config { return r.config }

// Replay runs r's configuration again with tracing on, to produce its
// artifacts: runs are deterministic, so a campaign keeps nothing and
// replays only its failures. A Result made by Run replays whatever its
// implementation; others must be resolved from their Spec (package
// campaign).
func Replay(r Result) (Result, error) {
	if r.config.Scenario.Setup == nil {
		return Result{}, fmt.Errorf("scenarios: Replay: the result of %s was not made by Run; resolve its spec with the campaign package", r.Spec)
	}
	if r.config.Entropy != nil {
		return Result{}, fmt.Errorf("scenarios: Replay: %s drew from rapid or a fuzzer, not its seed: replay it with the go test command that reported it", r.Spec)
	}
	cfg := r.config
	cfg.Trace = true
	return Run(cfg), nil
}

// Run makes one run: it builds the world, drives the scenario's workload
// against the implementation under the fault profile, and checks the
// outcome. A Runner makes runs that reuse the memory of those before.
func Run(cfg Config) Result { return (*Runner)(nil).Run(cfg) }

// courseCutDelay bounds how long a call to or from a cut-off endpoint
// takes to fail under the course's call semantics (Impl.CallsWait):
// labrpc's without long delays, which its kvraft tests never set.
const courseCutDelay = 100 * time.Millisecond

// Run is the package's Run, reusing what the runner's last run left.
func (pool *Runner) Run(cfg Config) Result {
	sc, impl := cfg.Scenario, cfg.Impl.WithDefaults()
	ent := cfg.Entropy
	switch {
	case ent != nil:
	case cfg.Choices != nil:
		ent = newReplay(cfg.Choices)
	case cfg.Strategy.New != nil:
		ent = cfg.Strategy.New(cfg.Seed)
	default:
		ent = pool.seedEntropy(cfg.Seed)
	}
	var recorded func() (Choices, error)
	if cfg.Record {
		ent, recorded = record(ent)
	}
	var faults sim.Faults
	if cfg.Profile.Faults != nil {
		faults = cfg.Profile.Faults(ent)
	}
	var targeted Targeted
	if cfg.Profile.Targeted != nil {
		targeted = cfg.Profile.Targeted(ent)
	}
	opts := sim.Options{Entropy: ent, Faults: faults, Trace: cfg.Trace}
	switch {
	case impl.CallsWait() && faults.Level(sim.CourseNet) == (sim.Level{}):
		// The course's call semantics over the profile's faults: a lost
		// message or a cut link fails its call (at once, or after up to
		// 100ms for a link cut as the call is made); no timeout.
		opts.Faults = faults.With(sim.CourseNet, sim.Level{D: courseCutDelay})
	case impl.Cluster():
		opts.CallTimeout = ClusterCallTimeout
	}
	var nem *nemesis
	if targeted.on() {
		nem = &nemesis{t: targeted}
		opts.Nemesis = nem
	}
	w := pool.newWorld(cfg.Seed, opts)
	e := newEnv(w, impl, pool.takeEnv())
	e.delivery = cfg.Profile.Delivery
	if impl.Cluster() {
		e.clusterFaults(faults)
	}
	if e.delivery != AtMostOnce {
		e.rec.PutMeans = e.delivery.judge
	}
	if nem != nil {
		nem.e, e.nemesis = e, nem
	}
	final := sc.Setup(e)
	e.live.start(w, faults.Until, LivenessWindow+e.slack)
	sr := w.Run()

	res := Result{
		Spec:      cfg.Spec(),
		faults:    faults,
		targeted:  targeted,
		Workload:  e.workload,
		TraceHash: hashString(sr.Hash),
		Ops:       len(e.rec.KV) + len(e.rec.Locks),
		RPCs:      sr.Stats.Calls,
		SimTimeNS: int64(sr.Time),
		config:    cfg,
	}
	switch sr.Status {
	case sim.Panic:
		res.Verdict, res.Reason, res.Stack = kvsim.Panic, sr.Reason, sr.Stack
	case sim.Stuck:
		e.rec.Stall = check.Stall{Stuck: true, Since: faults.Until, Window: LivenessWindow + e.slack, Progress: e.live.last, Deadline: e.live.deadline, At: sr.Time, Where: sr.Reason}
	}
	timeout := cfg.CheckTimeout
	if timeout <= 0 {
		timeout = DefaultCheckTimeout
	}
	// Check whatever history there is, even of a stuck run: a violation
	// explains more than "stuck" does.
	if sr.Status != sim.Panic {
		e.check(final, timeout, &res)
	}
	if leak, n := clientLeak(sr.Leaked); n > 0 {
		res.Warnings = append(res.Warnings, Warning{Name: WarnGoroutineLeak, Text: leak, Count: n})
	}
	for _, srv := range e.replicas {
		e.harvestWarnings(srv)
	}
	res.Warnings = mergeWarnings(res.Warnings, e.serverWarnings)
	if res.Verdict == "" {
		res.Verdict = kvsim.OK
	}
	if res.Failed() {
		res.Hint = failureHint(e, &sr.Stats)
	}
	if res.Failed() || cfg.Trace {
		res = res.Described()
	}
	if recorded != nil {
		res.Choices, _ = recorded()
	}
	if cfg.Trace {
		res.Trace = w.Records()
		res.KVHistory = e.rec.KV
		res.LockHist = e.rec.Locks
		res.Clients = e.rec.Clients
	} else {
		// Nothing of the run's memory stays in an untraced Result, so that
		// the runner's next run can reuse it.
		res.KVCheck, res.LockCheck = models.CheckResult{}, nil
		pool.giveEnv(e)
	}
	return res
}

// seedEntropy is the keyed entropy of seed (sim.NewPCG's), in the
// runner's memory when there is a runner.
func (pool *Runner) seedEntropy(seed uint64) sim.Entropy {
	if pool == nil {
		return sim.NewPCG(seed)
	}
	return pool.sim.Entropy(seed)
}

// failureHint is the one line that names a fault the failure's reader
// might not expect, or "".
func failureHint(e *Env, st *sim.Stats) string {
	if e.hint != "" {
		return e.hint
	}
	if n := st.Count(sim.RecDup) + st.Count(sim.RecNemesisDup); n > 0 {
		return fmt.Sprintf("the network delivered %d requests twice (at-least-once delivery): an ErrVersion may answer a duplicate of a Put that was applied", n)
	}
	if n := st.Count(sim.RecNemesisHold); n > 0 {
		return fmt.Sprintf("%d messages were held until just after their caller's call timed out (targeted create-hold/hold-reply): a late request or reply races the retry", n)
	}
	return ""
}

// hashString is a trace hash as 16 hex digits, without fmt: every run
// makes one.
func hashString(h uint64) string {
	return hex.EncodeToString(binary.BigEndian.AppendUint64(nil, h))
}

// FailedRun is the result of cfg's run when it ended outside the
// simulator's control (a panic in a constructor, a run that never
// returned): a campaign's guard reports it with this verdict and reason.
func FailedRun(cfg Config, v kvsim.Verdict, reason, stack string) Result {
	return Result{Spec: cfg.Spec(), Verdict: v, Reason: reason, Stack: stack, config: cfg}
}

// describeFaults is the fault model in force, targeted sites included.
func describeFaults(f sim.Faults, t Targeted, d Delivery) string {
	s := f.String()
	if t.on() {
		s += "; targeted: " + t.String()
	}
	if d == AtLeastOnce {
		s += "; at-least-once delivery"
	}
	return s
}

// LivenessWindow is how long after faults stop, in virtual time, the run
// has to finish or complete an operation; each operation completed moves
// the deadline to a window after it, up to LivenessCap after the faults
// stopped.
const LivenessWindow = 10 * time.Second

// LivenessCap is how long after faults stop a run that keeps completing
// operations has to finish: a service that answers, but too slowly to
// ever be done, fails too.
const LivenessCap = 6 * LivenessWindow

// liveness is a run's deadline. A fixed one, a window after the faults
// stop, failed a correct service that was merely slow: the 5-server
// reference under thirty clients, whose goroutines the preempt fault
// (which lasts the whole run) tipped into a lock convoy on its Raft's
// mutex, completed 3 operations a second for seconds on end and had not
// finished 10s after the faults stopped (4 of 10,000 seeds). What
// liveness asks is progress: a run is stuck when a window passes with no
// operation completed, or when it has not finished by the cap.
type liveness struct {
	since, window, last, deadline time.Duration
}

// start sets the first deadline: window after since, when the faults
// stop.
func (l *liveness) start(w *sim.World, since, window time.Duration) {
	*l = liveness{since: since, window: window, deadline: since + window}
	w.SetMaxTime(l.deadline)
}

// progressed moves the deadline on when an operation completes once the
// faults have stopped; before start (window 0) it does nothing.
func (l *liveness) progressed(w *sim.World) {
	now := w.Now()
	if l.window == 0 || now <= l.since {
		return
	}
	l.last = now
	l.deadline = min(now+l.window, l.since+l.window-LivenessWindow+LivenessCap)
	w.SetMaxTime(l.deadline)
}

// checks are a run's checks, with the memory they keep from run to run on
// a Runner, and what they found.
type checks struct {
	lin      check.Linearizability
	lockM    check.LockModel
	mutex    check.MutualExclusion
	own      []check.Check // the scenario's (Env.AddCheck)
	registry check.Registry
	out      check.Outcome
	read     func(key string) (string, rpc.Tversion, rpc.Err) // Env.read, made once
}

func (cs *checks) reset() {
	clear(cs.own)
	clear(cs.registry)
	cs.own, cs.registry = cs.own[:0], cs.registry[:0]
	cs.out.Reset()
}

// check runs every check on the recorded run and puts the failure it
// reports (check.Outcome.First) into res. In the registry's order: the
// checks of what happened at a moment of the run (the Clerk's contract,
// mutual exclusion, the workload's own judgement), linearizability, the
// lock model, liveness, then those that read the server after a finished
// run in which nothing else failed: the counters, the scenario's own
// checks, its final check.
func (e *Env) check(final func() string, timeout time.Duration, res *Result) {
	cs, rec := e.checks, e.rec
	if cs.read == nil {
		cs.read = e.read
	}
	rec.Read, rec.Server = cs.read, e.memoryOf()
	cs.lin.Timeout, cs.lockM.Timeout = timeout, timeout
	cs.registry = append(cs.registry[:0], check.ClerkContract{}, &cs.mutex, check.Workload{},
		&cs.lin, &cs.lockM, check.Liveness{}, check.Counters{}, check.BusyRetry{})
	cs.registry = append(cs.registry, cs.own...)
	if final != nil {
		cs.registry = append(cs.registry, check.Func{Label: "the scenario's final check", F: final})
	}
	out := &cs.out
	cs.registry.Run(rec, out)
	res.KVCheck, res.LockCheck = out.KV, out.Lock
	if out.KV.Verdict == models.Violation {
		res.Core = coreLines(rec.KV, out.KV.Core)
	}
	if f, failed := out.First(); failed {
		res.Verdict, res.Reason = f.Verdict, f.Reason
	}
	if len(out.Warnings) > 0 {
		res.Warnings = slices.Clone(out.Warnings)
	}
}

// WarnGoroutineLeak names goroutines that a client started and that were
// still blocked when its last operation had returned: each call would
// leave one more behind in a real process. A server's goroutines that
// live as long as it does are not leaks.
const WarnGoroutineLeak = "goroutine-leak"

// clientLeak describes the first of leaked that a client started, and
// counts them.
func clientLeak(leaked []sim.GoroutineInfo) (first string, n int) {
	for _, g := range leaked {
		if isServerGoroutine(g.Name) || !strings.Contains(g.Name, "/") {
			continue // the server's, or a process
		}
		if n++; n == 1 {
			first = g.String() + " was still alive when the run ended"
		}
	}
	return first, n
}

// read is a key of the server under test, read directly after the run.
func (e *Env) read(key string) (string, rpc.Tversion, rpc.Err) {
	if e.final != nil {
		r, ok := e.final.got[key]
		if !ok { // no operation named the key
			return "", 0, rpc.ErrNoKey
		}
		return r.value, r.version, r.err
	}
	var reply rpc.GetReply
	e.server.Get(&rpc.GetArgs{Key: key}, &reply)
	return reply.Value, reply.Version, reply.Err
}

// coreLines are the operations of history at the indices in core, as text.
func coreLines(history []models.KVOp, core []int) []string {
	if len(core) == 0 {
		return nil
	}
	ops := make([]models.KVOp, len(core))
	for i, at := range core {
		ops[i] = history[at]
	}
	return strings.Split(strings.TrimSuffix(models.FormatKV(ops), "\n"), "\n")
}

// Summary is the one-line form of a result.
func (r Result) Summary() string {
	s := fmt.Sprintf("%s: %s", r.Spec, r.Verdict)
	if r.Reason != "" {
		s += ": " + r.Reason
	}
	return s
}
