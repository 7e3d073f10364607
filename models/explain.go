package models

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/kvsim/kvsim/kv/rpc"
)

// violates reports whether recs is a relaxed violation (see Phantoms).
func violates(ops []KVOp, recs []kvRec, full map[uint64]int32, sc *keyScratch) bool {
	k := checkKey(ops, recs, full, sc).kind
	return k != failNone && k != failGiveUp
}

// explain shrinks a key's violating history to a core and says why it
// cannot be ordered. f is the strict checker's failure on recs.
//
// The core is shrunk under the relaxed check, so that it holds the
// operations that conflict rather than a Get whose writer was removed. When
// only the strict check fails, some operation needs a version that no Put
// can produce, and that operation alone is the core.
func (d explainer) explain(recs []kvRec, f keyFailure, sc *keyScratch) (core []int, why string) {
	full := make(map[uint64]int32)
	for i := range recs {
		if recs[i].kind == recPut || recs[i].kind == recOptional {
			full[recs[i].ver]++
		}
	}
	rf := checkKey(d, recs, full, sc)
	if rf.kind == failNone || rf.kind == failGiveUp {
		// Only a missing Put explains it: checkKey names the op needing it.
		op := recs[f.recs[0]]
		switch {
		case f.kind == failMissing:
			return []int{int(op.id)}, d.missingText(op, f.slot)
		case f.kind == failNoStop && f.slot == 0:
			return []int{int(op.id)}, fmt.Sprintf("%s says the key existed, but no put created it", d.recText(op))
		case f.kind == failNoStop:
			return []int{int(op.id)}, fmt.Sprintf("%s was called after the key reached version %d, and no put at v%d took effect: it should have succeeded",
				d.recText(op), f.slot, f.slot)
		}
		panic(fmt.Sprintf("models: a strict failure %d without a relaxed one", f.kind))
	}
	small := shrink(d, recs, rf, full, sc)
	core = make([]int, len(small))
	for i := range small {
		core[i] = int(small[i].id)
	}
	slices.Sort(core)
	return core, d.describeCore(small, checkKey(d, small, full, sc))
}

// shrink returns a subset of recs (in recs' order) that is a relaxed
// violation and from which no single record can be removed. It first cuts
// the history down to the versions around the failure, growing the window
// downwards until it still fails, then removes chunks of halving size.
func shrink(ops []KVOp, recs []kvRec, f keyFailure, full map[uint64]int32, sc *keyScratch) []kvRec {
	_, needAt := vreq(recs)
	top := f.slot + 1
	cur := recs
	for width := uint64(0); ; width = 2*width + 1 {
		lo := top - 1 - min(width, top-1)
		w := window(recs, lo, top, needAt)
		if violates(ops, w, full, sc) {
			cur = w
			break
		}
		if lo == 0 {
			break // cannot happen (see explain); keep every record
		}
	}
	// Reads go first, so that a core keeps the write a read conflicts with
	// rather than a second read of it.
	cur = removeWhile(ops, cur, full, sc, func(r kvRec) bool { return r.kind == recPinned })
	return removeWhile(ops, cur, full, sc, func(kvRec) bool { return true })
}

// removeWhile removes records that may go (chunks of halving size, then
// one at a time until none can) while the rest still violates.
func removeWhile(ops []KVOp, cur []kvRec, full map[uint64]int32, sc *keyScratch, mayGo func(kvRec) bool) []kvRec {
	var pos []int // positions in cur of the records that may go
	for chunk := len(cur) / 2; ; chunk /= 2 {
		chunk = max(chunk, 1)
		changed := false
		pos = pos[:0]
		for i := range cur {
			if mayGo(cur[i]) {
				pos = append(pos, i)
			}
		}
		// Walk backwards so that removing records keeps earlier positions.
		for end := len(pos); end > 0; end -= chunk {
			drop := pos[max(end-chunk, 0):end]
			try := slices.Clip(cur[:drop[0]])
			for k, p := range drop {
				next := len(cur)
				if k+1 < len(drop) {
					next = drop[k+1]
				}
				try = append(try, cur[p+1:next]...)
			}
			if violates(ops, try, full, sc) {
				cur, changed = try, true
			}
		}
		if chunk == 1 && !changed {
			return cur
		}
	}
}

// window keeps the records that touch a slot in [lo, hi] (a Put its slot,
// an op pinned to segment s the slots s-1 and s, an ErrVersion Put at v
// the slots v-1, v and 0), and the record at keep.
func window(recs []kvRec, lo, hi uint64, keep int) []kvRec {
	in := func(s uint64) bool { return lo <= s && s <= hi }
	var out []kvRec
	for i, r := range recs {
		t := in(r.ver)
		switch r.kind {
		case recPinned:
			t = t || r.ver > 0 && in(r.ver-1)
		case recErrVer:
			t = t || r.ver > 0 && in(r.ver-1) || lo == 0
		}
		if t || i == keep {
			out = append(out, r)
		}
	}
	return out
}

// explainer puts a violation into words; it is the history being checked.
type explainer []KVOp

// opText describes a record's operation as in text histories.
func (d explainer) opText(r kvRec) string {
	op := d[r.id]
	return describeKV(op.Input, op.Output)
}

func (d explainer) missingText(r kvRec, slot uint64) string {
	return fmt.Sprintf("%s needs a put at v%d, and there is none in the history", d.recText(r), slot)
}

// recText is opText with the call and return times.
func (d explainer) recText(r kvRec) string {
	ret := "?"
	if r.r != posInf {
		ret = fmt.Sprint(r.r)
	}
	return fmt.Sprintf("%s [%d,%s]", d.opText(r), r.c, ret)
}

// rank orders chain positions: P_v at 2v+1, segment s at 2s.
func rank(r kvRec) uint64 {
	if r.kind == recPut || r.kind == recOptional {
		return 2*r.ver + 1
	}
	return 2 * r.ver
}

// describeCore says in words why the records of a core cannot be ordered;
// f is the relaxed checker's failure on them.
func (d explainer) describeCore(core []kvRec, f keyFailure) string {
	pair := func() (kvRec, kvRec) { return core[f.recs[0]], core[f.recs[1]] }
	switch f.kind {
	case failTwoOK:
		a, b := pair()
		return fmt.Sprintf("%s and %s both succeeded, but only one put can move the key from version %d", d.recText(a), d.recText(b), f.slot)
	case failGetsDiff:
		a, b := pair()
		return fmt.Sprintf("%s and %s read different values at version %d", d.recText(a), d.recText(b), f.slot+1)
	case failValue:
		p, g := pair()
		if p.kind == recPut {
			return fmt.Sprintf("%s read %q at version %d, but %s wrote %q there", d.recText(g), g.value(d), g.ver, d.recText(p), p.value(d))
		}
		return fmt.Sprintf("%s read %q at version %d, but the only put that may have made that version is %s", d.recText(g), g.value(d), g.ver, d.recText(p))
	}
	// A timing conflict: look for two operations that finished and started
	// in the opposite order to the one their versions force.
	// Pairs without an ErrMaybe or unknown Put read best, so they go first.
	for _, optionalToo := range []bool{false, true} {
		for _, a := range core {
			for _, b := range core {
				if a.kind == recErrVer || b.kind == recErrVer || rank(a) >= rank(b) || b.r >= a.c ||
					!optionalToo && (a.kind == recOptional || b.kind == recOptional) {
					continue
				}
				na, okA := d.tookEffect(a, core)
				nb, okB := d.tookEffect(b, core)
				if !okA || !okB {
					continue
				}
				return fmt.Sprintf("%s returned at t=%d before %s was called at t=%d: %s%s%s",
					d.opText(b), b.r, d.opText(a), a.c, whyOrder(a, b), na, nb)
			}
		}
	}
	for _, e := range core {
		if e.kind != recErrVer {
			continue
		}
		for _, a := range core {
			switch {
			case a.kind != recPinned || e.r >= a.c:
			case a.ver == 0:
				return fmt.Sprintf("%s returned at t=%d before %s was called at t=%d: ErrVersion means the key existed, and nothing removes a key",
					d.opText(e), e.r, d.opText(a), a.c)
			case a.ver == 1 && e.ver == 1:
				return fmt.Sprintf("%s returned at t=%d before %s was called at t=%d: a put at v1 fails with ErrVersion only once the key is past version 1, yet the get saw version 1 later",
					d.opText(e), e.r, d.opText(a), a.c)
			}
		}
		var before, after *kvRec // P_{v-1} and P_v, if in the core
		for i := range core {
			p := &core[i]
			if p.kind != recPut && p.kind != recOptional {
				continue
			}
			if p.ver+1 == e.ver {
				before = p
			}
			if p.ver == e.ver {
				after = p
			}
			if p.ver == 0 && e.r < p.c {
				return fmt.Sprintf("%s returned at t=%d before %s, which created the key, was called at t=%d: it should have failed with ErrNoKey",
					d.opText(e), e.r, d.opText(*p), p.c)
			}
		}
		switch {
		case before != nil && after != nil && before.r < e.c && e.r < after.c:
			return fmt.Sprintf("%s ran between %s returning at t=%d and %s being called at t=%d, while the key was at version %d: it should have succeeded",
				d.opText(e), d.opText(*before), before.r, d.opText(*after), after.c, e.ver)
		case after != nil && e.r < after.c:
			return fmt.Sprintf("%s returned at t=%d before %s was called at t=%d: until then the key was absent or at version %d, and the put cannot have failed with ErrVersion",
				d.opText(e), e.r, d.opText(*after), after.c, e.ver)
		case before != nil && after == nil && before.r < e.c:
			return fmt.Sprintf("%s was called at t=%d, after %s returned at t=%d, and nothing moved the key past version %d: it should have succeeded",
				d.opText(e), e.c, d.opText(*before), before.r, e.ver)
		}
	}
	// Several Puts could have made the version a Get saw, and all of them
	// came too late.
	for _, g := range core {
		if g.kind != recPinned || g.ver == 0 {
			continue
		}
		makers, first := 0, int64(posInf)
		for _, p := range core {
			if p.kind != recPinned && p.kind != recErrVer && p.ver+1 == g.ver && p.value(d) == g.value(d) {
				makers++
				first = min(first, p.c)
			}
		}
		if makers > 1 && g.r < first {
			return fmt.Sprintf("%s returned at t=%d, before any of the %d puts that can have written %q at v%d was called (the first at t=%d): the get saw a version not yet written",
				d.opText(g), g.r, makers, g.value(d), g.ver-1, first)
		}
	}
	texts := make([]string, len(core))
	for i, r := range core {
		texts[i] = d.recText(r)
	}
	return fmt.Sprintf("no order of these operations fits both their versions and their times: %s", strings.Join(texts, "; "))
}

// tookEffect says, for an ErrMaybe or unknown Put of a core, why it must
// have taken effect; ok is false if the core does not show it. A minimal
// core holds every Put of the history at the versions whose Puts it holds
// (or a phantom would replace them), so a Put alone at its version in the
// core is the only one that can have made the next version.
func (d explainer) tookEffect(p kvRec, core []kvRec) (note string, ok bool) {
	if p.kind != recOptional {
		return "", true
	}
	// A rival at the same version counts unless a Get of the next version
	// read another value than it wrote.
	rival := func(q kvRec) bool {
		for _, g := range core {
			if g.kind == recPinned && g.ver == q.ver+1 && g.value(d) != q.value(d) {
				return false
			}
		}
		return true
	}
	best, bestNeed := -1, uint64(0)
	for i, q := range core {
		if (q.kind == recPut || q.kind == recOptional) && q.ver == p.ver && q != p && rival(q) {
			return "", false
		}
		need := q.ver
		if q.kind == recPut {
			need++
		}
		if (q.kind == recPinned || q.kind == recPut) && need > p.ver && (best < 0 || need < bestNeed) {
			best, bestNeed = i, need
		}
	}
	if best < 0 {
		return "", false
	}
	return fmt.Sprintf(" (%s took effect: %s needs version %d, and no other put at v%d can have made it)",
		d.opText(p), d.opText(core[best]), bestNeed, p.ver), true
}

// whyOrder says why a had to take effect before b.
func whyOrder(a, b kvRec) string {
	aPut, bPut := a.kind != recPinned, b.kind != recPinned
	switch {
	case !aPut && bPut && a.ver == 0:
		return "the key already existed"
	case !aPut && bPut:
		return "the get saw a state already overwritten"
	case aPut && !bPut:
		return "the get saw a version not yet written"
	case aPut && bPut:
		return "the puts took effect out of version order"
	case a.ver == 0:
		return "the key had already been seen to exist"
	}
	return "the later read saw an older version"
}

// Explain says which operations of ops, the history r checked, to show as
// the reason it is not linearizable, and why in words; nothing unless r is
// a violation. When the fast checker decided, that is its Core and Reason.
// When porcupine did (the fast path could not), it is read off the longest
// partial linearization of the first key that has no complete one: its
// last operation, the Put that set the state it ended in, and the
// operations that could come next (those not yet linearized that no other
// such operation precedes in real time), none of which fits that state.
// label names an operation of ops (by index) the way the reader knows it.
func (r CheckResult) Explain(ops []KVOp, label func(i int) string) (core []int, why string) {
	if r.Verdict != Violation {
		return nil, ""
	}
	if len(r.Core) > 0 && !slices.ContainsFunc(r.Core, func(i int) bool { return i < 0 || i >= len(ops) }) {
		return r.Core, r.Reason
	}
	if r.Checker == CheckerFast {
		return nil, r.Reason // its history was another than ops
	}
	// CheckKV's partitions: one per key, in sorted key order, each in
	// history order. A check of another history does not match them.
	byKey := map[string][]int{}
	for i, o := range ops {
		byKey[o.Input.Key] = append(byKey[o.Input.Key], i)
	}
	keys := slices.Sorted(maps.Keys(byKey))
	longest := r.Longest()
	if len(longest) != len(keys) {
		return nil, r.Reason
	}
	model := KVModel()
	for p, key := range keys {
		all := byKey[key]
		if len(longest[p]) == len(all) {
			continue
		}
		done := make([]bool, len(all))
		lin := make([]int, 0, len(longest[p]))
		state := model.Init()
		for _, id := range longest[p] {
			if id < 0 || id >= len(all) {
				return nil, r.Reason
			}
			done[id] = true
			lin = append(lin, all[id])
			_, state = model.Step(state, ops[all[id]].Input, ops[all[id]].Output)
		}
		ret := func(i int) int64 {
			if ops[i].Output.Unknown {
				return math.MaxInt64
			}
			return ops[i].Return
		}
		var rest, next []int
		for id, i := range all {
			if !done[id] {
				rest = append(rest, i)
			}
		}
		for _, i := range rest {
			if !slices.ContainsFunc(rest, func(j int) bool { return ret(j) < ops[i].Call }) {
				next = append(next, i)
			}
		}
		var b strings.Builder
		if n := len(lin); n > 0 {
			last := lin[n-1]
			core = append(core, last)
			// The Put that gave the key its last value, if another op.
			for j := n - 1; j >= 0; j-- {
				if o := ops[lin[j]]; o.Input.Op == OpPut && !o.Output.Unknown && o.Output.Err == rpc.OK {
					if j < n-1 {
						core = append(core, lin[j])
					}
					break
				}
			}
			fmt.Fprintf(&b, "Key %s: the checker could order only %d of its %d operations. After the last of them, %s, the key can only be %s. ",
				key, n, len(all), label(last), model.DescribeState(state))
		} else {
			fmt.Fprintf(&b, "Key %s: no operation on it can come first: the key starts absent. ", key)
		}
		labels := make([]string, len(next))
		for i, o := range next {
			labels[i] = label(o)
		}
		fmt.Fprintf(&b, "Each operation that could come next (%s) contradicts that state, so no order of these operations explains what the clients saw.",
			strings.Join(labels, "; "))
		core = append(core, next...)
		slices.Sort(core)
		return core, b.String()
	}
	return nil, r.Reason
}
