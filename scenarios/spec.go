package scenarios

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
)

// Spec is a run's identity: the names of everything a run depends on. Every
// Result, repro line, regression entry and report carries one; the campaign
// package's catalogue turns one back into a Config. Two runs with equal
// Specs (and the same implementation code) are the same run.
type Spec struct {
	Scenario string `json:"scenario"`
	Seed     uint64 `json:"seed"`
	Faults   string `json:"faults"`
	Impl     string `json:"impl"`
	// Strategy is "" for uniform random exploration, or a named strategy.
	Strategy string `json:"strategy,omitempty"`
}

// String is the Spec as "key=value" words, the form of summaries.
func (s Spec) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s seed=%d faults=%s impl=%s", s.Scenario, s.Seed, s.Faults, s.Impl)
	if s.Strategy != "" {
		fmt.Fprintf(&b, " strategy=%s", s.Strategy)
	}
	return b.String()
}

// Flags returns the spec's non-empty fields as name/value pairs in a fixed
// order: the flags of a command line that replays it.
func (s Spec) Flags() [][2]string {
	all := [][2]string{
		{"scenario", s.Scenario},
		{"seed", strconv.FormatUint(s.Seed, 10)},
		{"faults", s.Faults},
		{"impl", s.Impl},
		{"strategy", s.Strategy},
	}
	flags := all[:0]
	for _, f := range all {
		if f[1] != "" {
			flags = append(flags, f)
		}
	}
	return flags
}

// Repro is what a user types to get a run back: the command line, its go
// test twin, and the go test line that has rapid shrink a failing run of
// the same scenario, profile and implementation to a minimal one.
type Repro struct {
	Run    string `json:"repro"`
	GoTest string `json:"go_test,omitempty"`
	Shrink string `json:"shrink,omitempty"`
}

// CLIRepro is the Repro of an implementation the kvsim command line knows
// by name (the reference and the zoo).
func CLIRepro(s Spec) Repro {
	var flags, args strings.Builder
	for _, f := range s.Flags() {
		fmt.Fprintf(&flags, " --%s %s", f[0], f[1])
		fmt.Fprintf(&args, " -%s=%s", f[0], f[1])
	}
	shrink := fmt.Sprintf("go test ./campaign -run TestShrink -v -args -scenario=%s -faults=%s -impl=%s",
		s.Scenario, cmp.Or(s.Faults, SwarmName), s.Impl)
	return Repro{
		Run:    "kvsim run" + flags.String(),
		GoTest: "go test ./campaign -run TestReplay -args" + args.String(),
		Shrink: shrink,
	}
}
