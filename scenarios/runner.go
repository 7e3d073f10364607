package scenarios

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kvsim/kvsim/models"
	"github.com/kvsim/kvsim/sim"
)

// Verdict is the outcome of one run.
type Verdict string

const (
	VerdictOK        Verdict = "ok"
	VerdictViolation Verdict = "violation" // a check failed
	VerdictUnknown   Verdict = "unknown"   // the linearizability checker timed out
	VerdictPanic     Verdict = "panic"     // the SUT panicked
	VerdictStuck     Verdict = "stuck"     // no progress: liveness failed or the budget ran out
)

// Failed reports whether the run counts as a failure. Unknown does: a
// checker that gave up has not shown the history is linearizable.
func (v Verdict) Failed() bool { return v != VerdictOK }

// Config says which run to make. The zero values of Faults and Impl mean the
// scenario's default profile and the reference implementation.
type Config struct {
	Scenario string
	Seed     uint64
	Faults   string
	Impl     string
	// Custom, if set, is run instead of the implementation named by Impl
	// (which then only labels the result).
	Custom *Impl
	// Entropy overrides the PRNG seeded by Seed: rapid's *rapid.T (through
	// simrapid) to shrink, fuzzer bytes (sim.NewBytes) to steer.
	Entropy sim.Entropy
	// Trace keeps the readable trace and the checked histories, for
	// artifacts. It does not change the run.
	Trace bool
	// CheckTimeout bounds each linearizability check in wall time; zero
	// means DefaultCheckTimeout. A timeout gives VerdictUnknown.
	CheckTimeout time.Duration
}

// DefaultCheckTimeout bounds a linearizability check.
const DefaultCheckTimeout = 10 * time.Second

// Result is the outcome of one run, with what it takes to replay it.
type Result struct {
	Scenario string `json:"scenario"`
	Seed     uint64 `json:"seed"`
	Faults   string `json:"faults"`
	// FaultModel is the fault model in force (the drawn one, for swarm).
	FaultModel string  `json:"fault_model"`
	Impl       string  `json:"impl"`
	Verdict    Verdict `json:"verdict"`
	Reason     string  `json:"reason,omitempty"`
	Stack      string  `json:"stack,omitempty"`
	TraceHash  string  `json:"trace_hash"`
	Ops        int     `json:"ops"`
	RPCs       int     `json:"rpcs"`
	SimTimeNS  int64   `json:"sim_time_ns"`
	Repro      string  `json:"repro"`
	GoTest     string  `json:"go_test"`
	Shrink     string  `json:"shrink"`

	// Kept when Config.Trace is set.
	Trace     []sim.Record          `json:"-"`
	KVHistory []models.KVOp         `json:"-"`
	KVCheck   models.Result         `json:"-"`
	LockCheck *models.Result        `json:"-"`
	LockHist  []models.LockOpRecord `json:"-"`
	Clients   []string              `json:"-"` // client names by client index
}

// Failed reports whether the run found a failure.
func (r Result) Failed() bool { return r.Verdict.Failed() }

// Run makes one run: it builds the world, drives the scenario's workload
// against the implementation under the fault profile, and checks the
// outcome. A bad Config (unknown name) is reported as an error.
func Run(cfg Config) (Result, error) {
	sc, prof, impl, err := resolve(&cfg)
	if err != nil {
		return Result{}, err
	}
	return run(sc, prof, impl, cfg), nil
}

// resolve finds what cfg names: the scenario, its profile (cfg.Faults, or
// the scenario's own) and the implementation (cfg.Custom, or the one named
// by cfg.Impl), and fills in cfg's defaulted names, which label results.
func resolve(cfg *Config) (Scenario, Profile, Impl, error) {
	sc, err := LookupScenario(cfg.Scenario)
	if err != nil {
		return Scenario{}, Profile{}, Impl{}, err
	}
	cfg.Faults = cmp.Or(cfg.Faults, sc.DefaultFaults)
	prof, err := LookupProfile(cfg.Faults)
	if err != nil {
		return Scenario{}, Profile{}, Impl{}, err
	}
	cfg.Impl = cmp.Or(cfg.Impl, ReferenceName)
	if cfg.Custom != nil {
		return sc, prof, cfg.Custom.withDefaults(), nil
	}
	impl, err := LookupImpl(cfg.Impl)
	return sc, prof, impl.withDefaults(), err
}

func run(sc Scenario, prof Profile, impl Impl, cfg Config) Result {
	ent := cfg.Entropy
	if ent == nil {
		ent = sim.NewPCG(cfg.Seed)
	}
	faults := prof.faults(ent)
	w := sim.New(cfg.Seed, sim.Options{
		Entropy: ent,
		Faults:  faults,
		MaxTime: faults.Until + LivenessWindow,
		Trace:   cfg.Trace,
	})
	e := newEnv(w, impl)
	sc.setup(e)
	sr := w.Run()

	res := Result{
		Scenario:   sc.Name,
		Seed:       cfg.Seed,
		Faults:     prof.Name,
		FaultModel: describeFaults(faults),
		Impl:       cfg.Impl,
		TraceHash:  fmt.Sprintf("%016x", sr.Hash),
		Ops:        len(e.kv) + len(e.locks),
		RPCs:       sr.Stats.Calls,
		SimTimeNS:  int64(sr.Time),
	}
	res.setRepro()
	if cfg.Entropy != nil {
		res.Repro = "this run's entropy came from rapid or a fuzzer: replay it with the go test command that reported it"
		res.GoTest, res.Shrink = "", ""
	}
	switch sr.Status {
	case sim.Panic:
		res.Verdict, res.Reason, res.Stack = VerdictPanic, sr.Reason, sr.Stack
	case sim.Stuck:
		res.Verdict = VerdictStuck
		res.Reason = fmt.Sprintf("liveness: faults stopped at %v but the run had not finished %v later: %s", faults.Until, LivenessWindow, sr.Reason)
		if sr.Time <= faults.Until {
			res.Reason = sr.Reason
		}
	}
	timeout := cfg.CheckTimeout
	if timeout <= 0 {
		timeout = DefaultCheckTimeout
	}
	// Check whatever history there is, even of a stuck run: a violation
	// explains more than "stuck" does.
	if sr.Status != sim.Panic {
		e.check(sc, timeout, &res)
	}
	if res.Verdict == "" {
		res.Verdict = VerdictOK
	}
	if cfg.Trace {
		res.Trace = w.Records()
		res.KVHistory = e.kv
		res.LockHist = e.locks
		res.Clients = e.names
	}
	return res
}

// LivenessWindow is how long after faults stop every operation has to
// complete, in virtual time.
const LivenessWindow = 10 * time.Second

// check runs every check on the recorded run and puts the first failure
// into res. Checks that need a finished run are skipped for stuck runs.
func (e *env) check(sc Scenario, timeout time.Duration, res *Result) {
	fail := func(v Verdict, reason string) {
		if res.Verdict == "" || res.Verdict == VerdictStuck && v != VerdictStuck {
			res.Verdict, res.Reason = v, reason
		}
	}
	if len(e.violations) > 0 {
		fail(VerdictViolation, e.violations[0])
	}
	kv := models.CheckKV(e.kv, timeout)
	res.KVCheck = kv
	switch kv.Verdict {
	case models.Violation:
		fail(VerdictViolation, "linearizability: "+kv.Reason)
	case models.Unknown:
		fail(VerdictUnknown, "linearizability check timed out after "+timeout.String())
	}
	if len(e.locks) > 0 {
		lk := models.CheckLock(e.locks, timeout)
		res.LockCheck = &lk
		switch lk.Verdict {
		case models.Violation:
			fail(VerdictViolation, "lock linearizability: "+lk.Reason)
		case models.Unknown:
			fail(VerdictUnknown, "lock linearizability check timed out after "+timeout.String())
		}
	}
	if res.Verdict == "" && sc.check != nil {
		if reason := e.safely("the scenario's final check", func() string { return sc.check(e) }); reason != "" {
			fail(VerdictViolation, reason)
		}
	}
}

// setRepro fills in the lines that replay r: the command line, its go test
// twin, and the go test line that asks rapid for a minimal failing run of
// the same scenario, profile and implementation.
func (r *Result) setRepro() {
	var flags, args strings.Builder
	add := func(name, value string) {
		if value != "" {
			fmt.Fprintf(&flags, " --%s %s", name, value)
			fmt.Fprintf(&args, " -%s=%s", name, value)
		}
	}
	add("scenario", r.Scenario)
	add("seed", strconv.FormatUint(r.Seed, 10))
	add("faults", r.Faults)
	add("impl", r.Impl)
	r.Repro = "kvsim run" + flags.String()
	r.GoTest = "go test ./scenarios -run TestReplay -args" + args.String()
	r.Shrink = fmt.Sprintf("go test ./scenarios -run TestShrink -v -args -scenario=%s -faults=%s -impl=%s",
		r.Scenario, cmp.Or(r.Faults, SwarmName), r.Impl)
}

// Summary is the one-line form of a result.
func (r Result) Summary() string {
	s := fmt.Sprintf("%s seed=%d faults=%s impl=%s: %s", r.Scenario, r.Seed, r.Faults, r.Impl, r.Verdict)
	if r.Reason != "" {
		s += ": " + r.Reason
	}
	return s
}
