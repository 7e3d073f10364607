package scenario

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/raft/raftcheck"
	"github.com/kvsim/kvsim/sim"
)

// Scenario is one Raft scenario.
type Scenario struct {
	Name string
	Doc  string
	// Servers is the cluster's size; 0 draws it per seed (Setup).
	Servers int
	// Snapshots runs the harness as the course's 3D tester does.
	Snapshots bool
	// Profile is the network it runs on unless told otherwise.
	Profile string
	// MaxTime bounds the run in virtual time.
	MaxTime time.Duration
	// Setup, if set, draws what the scenario draws per seed before the
	// cluster is made (its size, snapshots, the network), from the
	// scenario's stream; it returns the body to run.
	Setup func(e sim.Entropy, s *Setup) func(c *harness.Cluster)
	// Body is the tester's part, run in the tester process.
	Body func(c *harness.Cluster)
}

// Setup is what a scenario may draw per seed.
type Setup struct {
	Servers   int
	Snapshots bool
	// Profile is the network; a scenario that draws it leaves Profile ""
	// and sets it in Setup, unless the run's configuration chose one.
	Profile string
	// Until, if set, is when the network's faults stop (sim.Faults.Until);
	// else they never do, but under kvsim's swarm profile, which stops
	// them at FaultsUntil.
	Until time.Duration
	// Scheduling: the run's goroutines also meet the scheduling faults,
	// drawn as kvsim's swarm draws them (sim.Faults.WithSwarmScheduling),
	// on a network that does not draw its own.
	Scheduling bool
}

// Config is one run.
type Config struct {
	Seed uint64
	// Make is the Raft under test.
	Make harness.Make
	// Profile overrides the scenario's network ("" keeps it).
	Profile string
	// Entropy overrides the PRNG seeded by Seed (fuzzing, replay).
	Entropy sim.Entropy
	// Trace keeps the world's trace (Result.Trace) and the checks' events
	// (Result.Events).
	Trace bool
	// PollEvery is how often every server is asked GetState for the
	// election safety check; zero is 50ms, negative none.
	PollEvery time.Duration
	// Runner, if set, makes the world (reusing memory between runs).
	Runner *sim.Runner
}

// Result is what a run gives: plain data.
type Result struct {
	Scenario, Profile string
	Seed              uint64
	Servers           int
	Faults            string
	Status            sim.Status
	// Failure is the run's failure in one line ("" if it passed): the
	// first violation of a check or of the tester's expectations, a panic
	// of the Raft, or a stuck run.
	Failure string
	// Violation is the failure when it is a check's or the tester's.
	Violation *raftcheck.Violation
	Hash      uint64
	Time      time.Duration
	Steps     int
	RPCs      int
	Trace     []sim.Record
	Events    []raftcheck.Event
}

// Failed reports whether the run failed.
func (r *Result) Failed() bool { return r.Failure != "" }

// String is the run in one line.
func (r *Result) String() string {
	verdict := "ok"
	if r.Failed() {
		verdict = "FAIL " + r.Failure
	}
	return fmt.Sprintf("%s seed %d (%s, %d servers, %s): %s", r.Scenario, r.Seed, r.Profile, r.Servers, r.Faults, verdict)
}

// Run runs scenario s once.
func Run(s *Scenario, cfg Config) Result {
	poll := cfg.PollEvery
	if poll == 0 {
		poll = 50 * time.Millisecond
	}
	// The servers' goroutines alive at the end are no leak: the tester
	// stops, not the servers.
	opts := sim.Options{Entropy: cfg.Entropy, Trace: cfg.Trace, MaxTime: s.MaxTime, IgnoreLeaks: true}
	if opts.MaxTime == 0 {
		opts.MaxTime = 10 * time.Minute
	}
	// The scenario's draws come from a stream of their own, made before
	// the world so that they do not depend on it.
	ent := cfg.Entropy
	if ent == nil {
		ent = sim.NewPCG(cfg.Seed)
	}
	setup := Setup{Servers: s.Servers, Snapshots: s.Snapshots, Profile: s.Profile}
	if cfg.Profile != "" {
		setup.Profile = cfg.Profile
	}
	body := s.Body
	if s.Setup != nil {
		body = s.Setup(sim.Stream(ent, "scenario/"+s.Name), &setup)
	}
	res := Result{Scenario: s.Name, Seed: cfg.Seed, Servers: setup.Servers}
	p := profileNamed(setup.Profile)
	if p == nil {
		res.Failure = fmt.Sprintf("no profile named %q", setup.Profile)
		return res
	}
	res.Profile = p.Name
	opts.Faults = p.Faults(sim.Stream(ent, "profile"))
	if setup.Scheduling && !p.Scheduling {
		opts.Faults = opts.Faults.WithSwarmScheduling(sim.Stream(ent, "scheduling"))
	}
	if setup.Until > 0 {
		opts.Faults.Until = setup.Until
	}
	res.Faults = opts.Faults.String()
	opts.Entropy = ent
	var w *sim.World
	if cfg.Runner != nil {
		w = cfg.Runner.New(cfg.Seed, opts)
	} else {
		w = sim.New(cfg.Seed, opts)
	}
	hcfg := harness.Config{Servers: setup.Servers, Make: cfg.Make, Snapshots: setup.Snapshots, PollEvery: max(poll, 0)}
	if cfg.Trace {
		hcfg.Observe = func(e *raftcheck.Event) { res.Events = append(res.Events, *e) }
	}
	c := harness.New(w, hcfg)
	w.Spawn("tester", func(*sim.Proc) {
		c.Poll()
		defer c.Stop()
		body(c)
		c.Finish()
	})
	r := w.Run()
	res.Status, res.Hash, res.Time, res.Steps, res.RPCs = r.Status, r.Hash, r.Time, r.Steps, c.RPCTotal()
	if cfg.Trace {
		res.Trace = w.Records()
	}
	switch v := c.Violation(); {
	case v != nil:
		res.Violation = v
		res.Failure = v.Error()
	case r.Status != sim.Done:
		res.Failure = fmt.Sprintf("%v: %s", r.Status, r.Reason)
	}
	return res
}

// All is every scenario, in a fixed order.
func All() []*Scenario { return slices.Clone(all) }

// Named is the scenario named name.
func Named(name string) (*Scenario, error) {
	for _, s := range all {
		if s.Name == name {
			return s, nil
		}
	}
	return nil, errors.New("no Raft scenario named " + name)
}

var all []*Scenario

func register(s ...*Scenario) { all = append(all, s...) }
