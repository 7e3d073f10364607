package models

import (
	"fmt"
	"slices"
	"strings"
)

// fastVerdict is the fast path's answer: Ok, Violation with a core and a
// reason, or Unknown with the reason it gave up.
type fastVerdict struct {
	verdict Verdict
	core    []int
	reason  string
}

// checkKVFast runs the fast checker over every key (in sorted key order, so
// that the key reported does not depend on map order) and explains the
// first violation.
func checkKVFast(ops []KVOp) fastVerdict {
	keyOf := make(map[string]int32)
	var names []string
	count := make([]int32, 0, 4)
	which := make([]int32, len(ops))
	lastKey, k := "", int32(-1)
	for i := range ops {
		key := ops[i].Input.Key
		ok := k >= 0 && key == lastKey // histories often run on one key
		if !ok {
			k, ok = keyOf[key]
			lastKey = key
		}
		if !ok {
			k = int32(len(names))
			keyOf[key] = k
			names = append(names, key)
			count = append(count, 0)
		}
		which[i] = k
		count[k]++
	}
	// One backing array, each key's records contiguous.
	start := make([]int32, len(names)+1)
	for k, n := range count {
		start[k+1] = start[k] + n
	}
	all := make([]kvRec, len(ops))
	fill := slices.Clone(start[:len(names)])
	used := make([]int32, len(names)) // records kept per key
	for i := range ops {
		rec, keep, ok := classify(&ops[i], i)
		if !ok {
			return fastVerdict{Violation, []int{i}, fmt.Sprintf("key %s is not linearizable: %s: %s",
				bare(ops[i].Input.Key), describeKV(ops[i].Input, ops[i].Output), impossible(ops[i]))}
		}
		if keep {
			k := which[i]
			all[fill[k]] = rec
			fill[k]++
			used[k]++
		}
	}
	order := make([]int, len(names))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(names[a], names[b]) })

	var sc keyScratch
	var buf []kvRec
	gaveUp := ""
	for _, k := range order {
		recs := all[start[k] : start[k]+used[k]]
		buf = sortRecs(recs, buf)
		f := checkKey(ops, recs, nil, &sc)
		switch f.kind {
		case failNone:
		case failGiveUp:
			if gaveUp == "" {
				gaveUp = "key " + bare(names[k]) + ": " + giveUpText(recs)
			}
		default:
			core, why := explainer(ops).explain(recs, f, &sc)
			return fastVerdict{Violation, core, fmt.Sprintf("key %s is not linearizable: %s", bare(names[k]), why)}
		}
	}
	if gaveUp != "" {
		return fastVerdict{verdict: Unknown, reason: gaveUp}
	}
	return fastVerdict{verdict: Ok}
}

func giveUpText(recs []kvRec) string {
	for i := range recs {
		if recs[i].ver >= maxVersion {
			return fmt.Sprintf("version %d is too large", recs[i].ver)
		}
	}
	return fmt.Sprintf("more than %d disjoint intervals for one version", maxSpans)
}

// impossible says why no state explains an operation's output.
func impossible(op KVOp) string {
	switch {
	case op.Input.Op == OpGet && op.Output.Err == "OK":
		return "a present key has a version of at least 1"
	case op.Input.Op == OpPut && op.Output.Err == "ErrNoKey":
		return "a put at version 0 creates a missing key, it never returns ErrNoKey"
	}
	return fmt.Sprintf("a %v never returns %s", op.Input.Op, bare(string(op.Output.Err)))
}

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
	for _, a := range core {
		for _, b := range core {
			if a.kind == recErrVer || b.kind == recErrVer || rank(a) >= rank(b) || b.r >= a.c {
				continue
			}
			return fmt.Sprintf("%s returned at t=%d before %s was called at t=%d: %s", d.opText(b), b.r, d.opText(a), a.c, whyOrder(a, b))
		}
	}
	for _, e := range core {
		if e.kind != recErrVer {
			continue
		}
		for _, a := range core {
			if a.kind == recPinned && a.ver == 0 && e.r < a.c {
				return fmt.Sprintf("%s returned at t=%d before %s was called at t=%d: ErrVersion means the key existed, and nothing removes a key",
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
	texts := make([]string, len(core))
	for i, r := range core {
		texts[i] = d.recText(r)
	}
	return fmt.Sprintf("no order of these operations fits both their versions and their times: %s", strings.Join(texts, "; "))
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
