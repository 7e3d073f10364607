package report

import (
	"slices"

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

// violatingCore is the operations to highlight and why they cannot be
// linearized, as the checks found them: the core the run carries (a
// harness of another kind may fill in its own), else the check's own
// explanation (models.CheckResult.Explain). The report derives none itself.
func violatingCore(run Run, _ []keyLin) ([]int, string) {
	if run.KVCheck.Verdict != models.Violation {
		return nil, ""
	}
	if len(run.Core) > 0 && !slices.ContainsFunc(run.Core, func(i int) bool { return i < 0 || i >= len(run.KV) }) {
		return run.Core, run.CoreReason
	}
	return run.KVCheck.Explain(run.KV, func(i int) string { return label(run, run.KV[i]) })
}
