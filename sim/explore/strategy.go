package explore

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kvsim/kvsim/sim"
)

// Strategy is a named way of choosing each seed's run, for a --strategy
// flag: New returns the entropy of the run of one seed.
type Strategy struct {
	Name string
	New  func(seed uint64) sim.Entropy
}

// ParseStrategy reads a strategy's name:
//   - "random" or "": uniform random, the seed's PCG (sim.NewPCG), so a
//     run is the same as with no strategy at all;
//   - "priority", optionally with options "priority:d=D,k=K": Priority
//     with PriorityOptions{Depth: D, Steps: K};
//   - "replay:CHOICES": the run an exploration or a shrink found, replayed
//     from its recorded choices (ReplayStrategy).
func ParseStrategy(name string) (Strategy, error) {
	kind, opts, _ := strings.Cut(name, ":")
	switch kind {
	case "", "random":
		if opts != "" {
			return Strategy{}, fmt.Errorf("strategy %q: random takes no options", name)
		}
		return Strategy{Name: "random", New: sim.NewPCG}, nil
	case "priority":
		var o PriorityOptions
		if opts != "" {
			for _, kv := range strings.Split(opts, ",") {
				k, v, _ := strings.Cut(kv, "=")
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 {
					return Strategy{}, fmt.Errorf("strategy %q: %q wants a positive integer", name, kv)
				}
				switch k {
				case "d":
					o.Depth = n
				case "k":
					o.Steps = n
				default:
					return Strategy{}, fmt.Errorf("strategy %q: unknown option %q (have d=DEPTH, k=STEPS)", name, k)
				}
			}
		}
		return Strategy{Name: name, New: func(seed uint64) sim.Entropy { return NewPriority(seed, o) }}, nil
	case "replay":
		choices, err := ParseChoices(opts)
		if err != nil {
			return Strategy{}, fmt.Errorf("strategy %q: %v", name, err)
		}
		return ReplayStrategy(choices), nil
	}
	return Strategy{}, fmt.Errorf("unknown strategy %q (have random, priority, priority:d=DEPTH,k=STEPS, replay:CHOICES)", name)
}

// StrategyKinds are the strategies ParseStrategy knows, by kind.
var StrategyKinds = []string{"random", "priority", "replay"}

// ReplayStrategy is the strategy that replays choices at any seed (Replay),
// named "replay:" and the choices as FormatChoices writes them.
func ReplayStrategy(choices []uint64) Strategy {
	return Strategy{Name: "replay:" + FormatChoices(choices), New: func(uint64) sim.Entropy { return Replay(choices) }}
}
