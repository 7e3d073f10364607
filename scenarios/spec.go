package scenarios

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/kvsim/kvsim"
)

// CLIRepro is the Repro of an implementation the kvsim command line knows
// by name (the reference and the zoo).
func CLIRepro(s kvsim.Spec) kvsim.Repro {
	var flags, args strings.Builder
	for _, f := range s.Flags() {
		fmt.Fprintf(&flags, " --%s %s", f[0], f[1])
		fmt.Fprintf(&args, " -%s=%s", f[0], f[1])
	}
	shrink := fmt.Sprintf("go test ./campaign -run TestShrink -v -args -scenario=%s -faults=%s -impl=%s",
		s.Scenario, cmp.Or(s.Faults, SwarmName), s.Impl)
	return kvsim.Repro{
		Run:    "kvsim run" + flags.String(),
		GoTest: "go test ./campaign -run TestReplay -args" + args.String(),
		Shrink: shrink,
	}
}
