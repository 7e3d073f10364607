package report

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
)

// linearizations maps the checker's longest partial linearization of each
// key back onto run.KV and steps the model along it, so the page can show
// the possible states of every key at any instant. CheckKV partitions by
// key, in sorted key order, each partition in history order; if the check
// does not match that shape (no check, or another history), there is none.
func linearizations(run Run) []keyLin {
	byKey := map[string][]int{}
	for i, o := range run.KV {
		byKey[o.Input.Key] = append(byKey[o.Input.Key], i)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	longest := run.KVCheck.Longest()
	if len(longest) != len(keys) {
		return nil
	}
	model := models.KVModel()
	lins := make([]keyLin, len(keys))
	for p, k := range keys {
		all := byKey[k]
		lin := keyLin{Key: k, All: all}
		state := model.Init()
		for _, id := range longest[p] {
			if id < 0 || id >= len(all) {
				return nil
			}
			o := run.KV[all[id]]
			_, state = model.Step(state, o.Input, o.Output)
			lin.Ops = append(lin.Ops, all[id])
			lin.States = append(lin.States, model.DescribeState(state))
		}
		lins[p] = lin
	}
	return lins
}

// violatingCore picks the operations to highlight and says in words why
// they cannot be linearized: the checker's core, when the run has one.
// Otherwise it takes, on the first key the checker could not linearize, the last
// operation of the longest partial linearization, the Put that set the
// state it ended in, and the operations that
// could come next (those not yet linearized that no other such operation
// precedes in real time): none of them fits the state reached.
func violatingCore(run Run, lins []keyLin) ([]int, string) {
	if run.KVCheck.Verdict != models.Violation {
		return nil, ""
	}
	if len(run.Core) > 0 && !slices.ContainsFunc(run.Core, func(i int) bool { return i < 0 || i >= len(run.KV) }) {
		return run.Core, run.CoreReason
	}
	for _, lin := range lins {
		if len(lin.Ops) == len(lin.All) {
			continue
		}
		done := map[int]bool{}
		for _, i := range lin.Ops {
			done[i] = true
		}
		var rest []int
		for _, i := range lin.All {
			if !done[i] {
				rest = append(rest, i)
			}
		}
		ret := func(i int) int64 {
			if run.KV[i].Output.Unknown {
				return math.MaxInt64
			}
			return run.KV[i].Return
		}
		var next []int
		for _, i := range rest {
			if !slices.ContainsFunc(rest, func(j int) bool { return ret(j) < run.KV[i].Call }) {
				next = append(next, i)
			}
		}
		var core []int
		var b strings.Builder
		if n := len(lin.Ops); n > 0 {
			last := lin.Ops[n-1]
			core = append(core, last)
			// The Put that gave the key its last value, if another op.
			for j := n - 1; j >= 0; j-- {
				if o := run.KV[lin.Ops[j]]; o.Input.Op == models.OpPut && !o.Output.Unknown && o.Output.Err == rpc.OK {
					if j < n-1 {
						core = append(core, lin.Ops[j])
					}
					break
				}
			}
			fmt.Fprintf(&b, "Key %s: the checker could order only %d of its %d operations. After the last of them, %s, the key can only be %s. ",
				lin.Key, n, len(lin.All), label(run, run.KV[last]), lin.States[n-1])
		} else {
			fmt.Fprintf(&b, "Key %s: no operation on it can come first: the key starts absent. ", lin.Key)
		}
		labels := make([]string, len(next))
		for i, o := range next {
			labels[i] = label(run, run.KV[o])
		}
		fmt.Fprintf(&b, "Each operation that could come next (%s) contradicts that state, so no order of these operations explains what the clients saw.",
			strings.Join(labels, "; "))
		core = append(core, next...)
		slices.Sort(core)
		return core, b.String()
	}
	return nil, ""
}
