package campaign

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kvraft"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/sim/explore"
	"github.com/kvsim/kvsim/zoo"
)

// Catalogue is the one place where names become values: scenarios, fault
// profiles and implementations, by name. The command line, the go test
// flags and the regression corpus resolve through it, once, at the edge.
type Catalogue struct {
	Scenarios []scenarios.Scenario
	Profiles  []scenarios.Profile
	Impls     []kvsim.Impl
	// Repro, if set, writes the lines that replay a run this catalogue
	// resolved (ReproOf): the front door that owns the catalogue knows its
	// command. Nil means the kvsim command line's.
	Repro func(kvsim.Spec) kvsim.Repro
}

// Default is the built-in catalogue: every scenario and profile, the
// reference, the bug zoo and the race bugs that only stress mode finds.
func Default() Catalogue {
	return Catalogue{
		Scenarios: scenarios.All(),
		Profiles:  scenarios.Profiles(),
		Impls:     slices.Concat([]kvsim.Impl{kvsim.Reference()}, kvraft.Impls(), zoo.All(), zoo.Races()),
	}
}

// With returns the catalogue with more implementations, e.g. a user's own
// or a lab build's. A name already present is replaced.
func (c Catalogue) With(impls ...kvsim.Impl) Catalogue {
	out := slices.Clone(c.Impls)
	for _, im := range impls {
		if i := slices.IndexFunc(out, func(o kvsim.Impl) bool { return o.Name == im.Name }); i >= 0 {
			out[i] = im
		} else {
			out = append(out, im)
		}
	}
	c.Impls = out
	return c
}

// UnknownNameError says that a name is not in the catalogue, and which
// names are.
type UnknownNameError struct {
	Kind string // "scenario", "fault profile" or "implementation"
	Name string
	Have []string
}

func (e *UnknownNameError) Error() string {
	return fmt.Sprintf("unknown %s %q (have: %s)", e.Kind, e.Name, strings.Join(e.Have, ", "))
}

func find[T any](kind, name string, items []T, nameOf func(T) string) (T, error) {
	names := make([]string, len(items))
	for i, it := range items {
		if nameOf(it) == name {
			return it, nil
		}
		names[i] = nameOf(it)
	}
	var zero T
	return zero, &UnknownNameError{Kind: kind, Name: name, Have: names}
}

// scenario finds a scenario by name.
func (c Catalogue) scenario(name string) (scenarios.Scenario, error) {
	return find("scenario", name, c.Scenarios, func(s scenarios.Scenario) string { return s.Name })
}

// profile finds a fault profile by name.
func (c Catalogue) profile(name string) (scenarios.Profile, error) {
	return find("fault profile", name, c.Profiles, func(p scenarios.Profile) string { return p.Name })
}

// Impl finds an implementation by name; "" is the reference.
func (c Catalogue) Impl(name string) (kvsim.Impl, error) {
	name = cmp.Or(name, kvsim.ReferenceName)
	return find("implementation", name, c.Impls, func(im kvsim.Impl) string { return im.Name })
}

// profileFor finds the profile named name, or sc's default when name is "".
func (c Catalogue) profileFor(sc scenarios.Scenario, name string) (scenarios.Profile, error) {
	return c.profile(cmp.Or(name, sc.DefaultFaults))
}

// Strategy resolves a strategy's name (explore.ParseStrategy): among
// them "replay:CHOICES", which reruns a run an exploration or a shrink
// found from its choices.
func (c Catalogue) Strategy(name string) (explore.Strategy, error) {
	kind, _, _ := strings.Cut(name, ":")
	if kind != "" && !slices.Contains(explore.StrategyKinds, kind) {
		return explore.Strategy{}, &UnknownNameError{Kind: "strategy", Name: name, Have: explore.StrategyKinds}
	}
	return explore.ParseStrategy(name)
}

// Resolve turns a Spec into the run it names. Empty Faults and Impl mean
// the scenario's default profile and the reference.
func (c Catalogue) Resolve(s kvsim.Spec) (scenarios.Config, error) {
	sc, err := c.scenario(s.Scenario)
	if err != nil {
		return scenarios.Config{}, err
	}
	prof, err := c.profileFor(sc, s.Faults)
	if err != nil {
		return scenarios.Config{}, err
	}
	impl, err := c.Impl(s.Impl)
	if err != nil {
		return scenarios.Config{}, err
	}
	strategy, err := c.Strategy(s.Strategy)
	if err != nil {
		return scenarios.Config{}, err
	}
	return scenarios.Config{Scenario: sc, Profile: prof, Impl: impl, Seed: s.Seed, Strategy: strategy}, nil
}

// Run resolves s and makes its run, with the lines that replay it.
func (c Catalogue) Run(s kvsim.Spec) (scenarios.Result, error) {
	cfg, err := c.Resolve(s)
	if err != nil {
		return scenarios.Result{}, err
	}
	r := scenarios.Run(cfg)
	r.Repro = c.ReproOf(r)
	return r, nil
}

// Replay reruns r with tracing on: from its own configuration when Run made
// it (whatever the implementation), else by resolving its Spec here.
func (c Catalogue) Replay(r scenarios.Result) (scenarios.Result, error) {
	var err error
	if r.Config().Scenario.Setup != nil {
		r, err = scenarios.Replay(r)
	} else {
		var cfg scenarios.Config
		if cfg, err = c.Resolve(r.Spec); err == nil {
			cfg.Trace = true
			r = scenarios.Run(cfg)
		}
	}
	if err != nil {
		return scenarios.Result{}, err
	}
	r.Repro = c.ReproOf(r)
	return r, nil
}

// Runs resolves the runs a campaign makes at every seed: the named
// scenarios (all of them when names is empty), each under the profile
// named faults (its own default when ""), all against one implementation.
func (c Catalogue) Runs(names []string, faults string, impl kvsim.Impl) ([]scenarios.Config, error) {
	if len(names) == 0 {
		for _, s := range c.Scenarios {
			names = append(names, s.Name)
		}
	}
	runs := make([]scenarios.Config, 0, len(names))
	for _, name := range names {
		sc, err := c.scenario(name)
		if err != nil {
			return nil, err
		}
		prof, err := c.profileFor(sc, faults)
		if err != nil {
			return nil, err
		}
		runs = append(runs, scenarios.Config{Scenario: sc, Profile: prof, Impl: impl})
	}
	return runs, nil
}
