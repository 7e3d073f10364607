package models

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/kvsim/kvsim/kv/rpc"
)

// The fast checker decides linearizability of one key's history exactly, in
// O(n log n) time for sorting plus O(n·k) for the search, where k is the
// number of disjoint time intervals tracked per version (1 in practice).
//
// # The chain
//
// A key's state is a version s (0 = absent) and, for s >= 1, a value. Every
// applied Put at version v moves the key from v to v+1 and nothing else
// changes the version, so a linearization applies, for some V >= 0, exactly
// one Put at each version 0..V-1 and no other: the chain P_0..P_{V-1}. Let
// T_i be the moment P_i takes effect. Between T_{s-1} and T_s (segment s,
// with T_{-1} = -inf and T_V = +inf) the key is at version s with the value
// of P_{s-1}. Which Puts may be in the chain:
//   - a Put that returned OK at version v is P_v; two of them is a violation;
//   - a Put that returned ErrMaybe or whose reply never came (Unknown) may be
//     P_v, or may have had no effect at all, in which case it constrains
//     nothing and is dropped;
//   - every other operation leaves the state alone. (A Get whose reply
//     never came constrains nothing either and is dropped; an output no
//     state explains, such as a Get returning ErrVersion, is a violation
//     on its own.)
//
// So V must be at least Vreq, one past the highest version any OK Put or OK
// Get implies, and may be longer when optional Puts extend the chain.
//
// # Where the other operations go
//
// Each remaining operation must sit in a segment: an OK Get of version w in
// segment w, with the value of P_{w-1}; a Get or Put that returned ErrNoKey
// in segment 0 (a Put at version 0 never returns ErrNoKey); a Put at version
// v that returned ErrVersion in any segment s >= 1 with s != v.
//
// Linearizations are exactly the choices of one point per operation inside
// its closed interval [call, return] (an Unknown return is +inf), ordered by
// point with ties broken at will: a.return < b.call forces a before b, and
// any order respecting that is realised by points (take each op's point as
// the latest call among itself and everything ordered before it). Ties are
// harmless here because operations sharing an instant can be ordered along
// the chain. So the history is linearizable iff there is a chain and times
// T_0 <= T_1 <= ... <= T_{V-1}, each T_i inside the interval of P_i, such
// that every other operation's interval meets its allowed segments:
//   - an op [c, r] pinned to segment s needs c <= T_s and T_{s-1} <= r: a
//     lower bound on T_s and an upper bound on T_{s-1};
//   - an ErrVersion Put at v with interval [c, r] needs T_0 <= r (the key
//     exists before it returns) and, since segments 1..v-1 cover
//     [T_0, T_{v-1}] and segments v+1.. cover [T_v, +inf): for v = 1,
//     T_1 <= r; for v >= 2, c <= T_{v-1} or T_v <= r. It fails only if it
//     lies strictly inside segment v. (T_i = +inf for i >= V.)
//
// # The search
//
// Every constraint links at most two consecutive T's, so a left-to-right
// pass decides it. F_i, the set of values T_i can take in some assignment of
// T_0..T_i satisfying every constraint among them, is
//
//	F_i = Reach_i(F_{i-1}) ∩ [lo_i, hi_i] ∩ ∪_{P candidate for slot i} [call_P, return_P]
//
// where lo_i and hi_i collect the unary bounds above and Reach_i(F) is the
// set of t with some t' in F, t' <= t, and t' >= c for every ErrVersion Put
// at version i with return < t. For a component [a, b] of F this is the
// interval [a, min{r : ErrVersion at i with c > b}], because the bound on t'
// grows with t. Hence F_i is a finite union of closed intervals, one per
// component and candidate at most, and computing it is linear in the ops
// touching slot i. A candidate for slot i is the OK Put at version i if
// there is one, else each optional Put at version i whose value is the one
// the Gets of version i+1 saw (they must all agree). The value choice only
// affects Gets of version i+1, so filtering candidates is exact, and F_i
// being a set of reachable times it already accounts for every choice.
//
// The chain may stop at V = i+1 >= Vreq when some T_i in F_i satisfies the
// ErrVersion Puts at version V, which now need c <= T_{V-1} (and V >= 2);
// ErrVersion Puts at higher versions need nothing more. The history is
// linearizable iff it may stop somewhere (V = 0 needs Vreq = 0 and no
// ErrVersion at all). If F_i is empty, or candidates run out before a stop,
// no chain works: the slot where that happened is where the violation is.
//
// The fast path gives up (and CheckKV falls back to porcupine, saying so)
// only when a version is too large to index or F_i has more than maxSpans
// components, which needs many optional Puts at one version with disjoint
// intervals.
//
// # Phantoms
//
// The shrinker checks subsets of a history in a relaxed way, so that
// removing the Put that wrote a value does not by itself make the Get that
// read it a violation. A slot without an OK Put gets a phantom candidate, a
// Put of any value at any time, when a Put at that version was left out of
// the subset or the whole history has none there. A phantom allows all an
// optional Put does, so leaving any operation out only relaxes the check: a
// core is a set of operations that cannot be ordered however the left-out
// writes happened. A relaxed violation is always a strict one, since
// phantoms only add choices.

const (
	negInf = math.MinInt64
	posInf = math.MaxInt64

	// maxVersion bounds the versions the fast path indexes, so that v+1 and
	// slot arithmetic never overflow.
	maxVersion = 1 << 62
	// maxSpans bounds the components of F_i before the fast path gives up.
	maxSpans = 256
)

// recKind classifies an operation by what it does to the chain.
type recKind uint8

const (
	recPut      recKind = iota // an OK Put at ver: the chain's P_ver
	recOptional                // an ErrMaybe or Unknown Put at ver: may be P_ver
	recPinned                  // an OK Get of version ver, or an ErrNoKey op (ver 0)
	recErrVer                  // a Put at version ver that returned ErrVersion
)

// kvRec is one operation of a key as the fast checker sees it.
type kvRec struct {
	kind recKind
	ver  uint64
	c, r int64 // interval; r = posInf for an unknown return
	id   int32 // index into the ops passed to CheckKV
}

// value is the value a Put wrote or a Get read. Records hold no pointers,
// so that sorting and copying a million of them costs the GC nothing.
func (r *kvRec) value(ops []KVOp) string {
	if r.kind == recPinned {
		return ops[r.id].Output.Value
	}
	return ops[r.id].Input.Value
}

// failKind says why a key's history is not linearizable.
type failKind uint8

const (
	failNone     failKind = iota
	failTwoOK             // two OK Puts at one version
	failMissing           // no Put at a version below Vreq (strict only)
	failGetsDiff          // two Gets of one version saw different values
	failValue             // no Put at the slot wrote the value a Get saw
	failEmpty             // no time for T_slot
	failNoStop            // the chain can neither stop nor grow
	failGiveUp            // the fast path cannot decide
)

// keyFailure locates a violation found by checkKey.
type keyFailure struct {
	kind failKind
	slot uint64
	recs [2]int // positions in recs of the ops involved, -1 if none
}

// span is a closed time interval.
type span struct{ lo, hi int64 }

// keyScratch holds buffers reused across slots and checks. If trace is
// set, checkKey records F_i for every slot there (see witness.go).
type keyScratch struct {
	cur, next, reach, cands []span
	trace                   *[][]span
}

// vreq returns Vreq and the position of the first record that needs it.
func vreq(recs []kvRec) (v uint64, at int) {
	at = -1
	for i := range recs {
		need := recs[i].ver
		switch recs[i].kind {
		case recPut:
			need++
		case recPinned:
		default:
			continue
		}
		if need > v {
			v, at = need, i
		}
	}
	return v, at
}

// checkKey decides one key's history; recs must be sorted by ver and index
// ops. See the comment at the top of this file. A nil full means the exact
// check; else
// the check is relaxed (see Phantoms) and full counts the Puts at each
// version of the key's whole history.
func checkKey(ops []KVOp, recs []kvRec, full map[uint64]int32, sc *keyScratch) keyFailure {
	relaxed := full != nil
	none := [2]int{-1, -1}
	need, needAt := vreq(recs)
	hasErrVer := false
	minErrR := int64(posInf) // T_0 <= r for every ErrVersion Put
	for i := range recs {
		if recs[i].ver >= maxVersion {
			return keyFailure{kind: failGiveUp, recs: none}
		}
		if recs[i].kind == recErrVer {
			hasErrVer = true
			minErrR = min(minErrR, recs[i].r)
		}
	}
	if need == 0 && !hasErrVer {
		return keyFailure{}
	}

	cur := append(sc.cur[:0], span{negInf, negInf}) // F_{-1}: T_{-1} = -inf
	var next []span
	defer func() { sc.cur, sc.next = cur[:0], next[:0] }()
	g0 := 0 // recs[g0:g1] have ver == i; recs[g1:g2] have ver == i+1
	for i := uint64(0); ; i++ {
		for g0 < len(recs) && recs[g0].ver < i {
			g0++
		}
		g1 := g0
		for g1 < len(recs) && recs[g1].ver == i {
			g1++
		}
		g2 := g1
		for g2 < len(recs) && recs[g2].ver == i+1 {
			g2++
		}
		here, above := recs[g0:g1], recs[g1:g2]

		// A phantom slot with nothing at it or above it leaves F as
		// [min F, +inf): skip to just below the next version in use.
		if relaxed && i >= 2 && i+1 < need && len(here) == 0 && len(above) == 0 {
			cur = append(cur[:0], span{cur[0].lo, posInf})
			if g2 < len(recs) {
				i = min(recs[g2].ver, need) - 2 // the loop adds 1
			} else {
				i = need - 2
			}
			continue
		}

		// The value Gets of version i+1 saw, which P_i must have written.
		want, wantAt := "", -1
		hi := int64(posInf)
		for k := range above {
			if above[k].kind != recPinned {
				continue
			}
			hi = min(hi, above[k].r)
			if wantAt < 0 {
				want, wantAt = above[k].value(ops), g1+k
			} else if above[k].value(ops) != want {
				return keyFailure{failGetsDiff, i, [2]int{wantAt, g1 + k}}
			}
		}

		// Candidates for slot i.
		cands := sc.cands[:0]
		okAt, anyPut := -1, -1
		for k := range here {
			if here[k].kind != recPut {
				continue
			}
			if okAt >= 0 {
				return keyFailure{failTwoOK, i, [2]int{okAt, g0 + k}}
			}
			okAt = g0 + k
		}
		nPuts := 0
		for k := range here {
			if here[k].kind == recOptional {
				nPuts++
			}
		}
		switch {
		case okAt >= 0:
			if wantAt >= 0 && recs[okAt].value(ops) != want {
				return keyFailure{failValue, i, [2]int{okAt, wantAt}}
			}
			cands = append(cands, span{recs[okAt].c, recs[okAt].r})
		case relaxed && (full[i] == 0 || int32(nPuts) < full[i]):
			cands = append(cands, span{negInf, posInf}) // a phantom
		default:
			for k := range here {
				if here[k].kind != recOptional {
					continue
				}
				if anyPut < 0 {
					anyPut = g0 + k
				}
				if wantAt < 0 || here[k].value(ops) == want {
					cands = append(cands, span{here[k].c, here[k].r})
				}
			}
		}
		sc.cands = cands
		if len(cands) == 0 {
			switch {
			case anyPut >= 0 && i < need:
				return keyFailure{failValue, i, [2]int{anyPut, wantAt}}
			case i >= need:
				// The chain cannot grow, and it could not stop earlier:
				// an ErrVersion Put at version i was called too late.
				return keyFailure{failNoStop, i, [2]int{lateErrVer(recs, g0, g1, cur, i), -1}}
			default:
				return keyFailure{failMissing, i, [2]int{needAt, -1}}
			}
		}

		// Unary bounds on T_i.
		lo := int64(negInf)
		for k := range here {
			if here[k].kind == recPinned {
				lo = max(lo, here[k].c)
			}
		}
		switch i {
		case 0:
			hi = min(hi, minErrR)
		case 1:
			for k := range here {
				if here[k].kind == recErrVer {
					hi = min(hi, here[k].r)
				}
			}
		}

		// Reach_i(F_{i-1}), clipped to [lo, hi].
		reach := sc.reach[:0]
		for _, f := range cur {
			u := int64(posInf)
			if i >= 2 {
				for k := range here {
					if here[k].kind == recErrVer && here[k].c > f.hi {
						u = min(u, here[k].r)
					}
				}
			}
			reach = appendMerged(reach, max(f.lo, lo), min(u, hi))
		}
		sc.reach = reach

		// F_i: reach ∩ the union of the candidates' intervals. Both are
		// sorted by start, so the intersections come out sorted and merge
		// into the last one.
		slices.SortFunc(cands, func(x, y span) int {
			if x.lo != y.lo {
				return cmp.Compare(x.lo, y.lo)
			}
			return cmp.Compare(x.hi, y.hi)
		})
		next = next[:0]
		for _, rs := range reach {
			for _, cs := range cands {
				next = appendMerged(next, max(rs.lo, cs.lo), min(rs.hi, cs.hi))
			}
		}
		if len(next) == 0 {
			return keyFailure{failEmpty, i, none}
		}
		if len(next) > maxSpans {
			return keyFailure{kind: failGiveUp, slot: i, recs: none}
		}
		cur, next = next, cur
		if sc.trace != nil {
			*sc.trace = append(*sc.trace, slices.Clone(cur))
		}

		// May the chain stop at V = i+1?
		if i+1 >= need {
			stop := true
			for k := range above {
				if above[k].kind == recErrVer && (i == 0 || above[k].c > cur[len(cur)-1].hi) {
					stop = false
					break
				}
			}
			if stop {
				return keyFailure{}
			}
		}
	}
}

// lateErrVer returns the position of an ErrVersion Put that stops the
// chain ending at V = i (recs[g0:g1] are at version i): for i = 0 any of
// them, else one at version i called after every time the key can have
// reached version i.
func lateErrVer(recs []kvRec, g0, g1 int, f []span, i uint64) int {
	if i == 0 {
		g0, g1 = 0, len(recs)
	}
	for k := g0; k < g1; k++ {
		if recs[k].kind == recErrVer && (i <= 1 || recs[k].c > f[len(f)-1].hi) {
			return k
		}
	}
	return -1
}

// classify turns op i into a record. ok is false when no state explains the
// output at all (a Get returning ErrVersion, say); keep is false when the op
// constrains nothing (an Unknown Get).
func classify(op *KVOp, i int) (rec kvRec, keep, ok bool) {
	in, out := op.Input, op.Output
	rec = kvRec{ver: uint64(in.Version), c: op.Call, r: op.Return, id: int32(i)}
	if out.Unknown {
		rec.r = posInf
	}
	switch in.Op {
	case OpGet:
		switch {
		case out.Unknown:
			return rec, false, true
		case out.Err == rpc.OK && out.Version > 0:
			rec.kind, rec.ver = recPinned, uint64(out.Version)
		case out.Err == rpc.ErrNoKey:
			rec.kind, rec.ver = recPinned, 0
		default:
			return rec, false, false
		}
	case OpPut:
		switch {
		case out.Unknown || out.Err == rpc.ErrMaybe:
			rec.kind = recOptional
		case out.Err == rpc.OK:
			rec.kind = recPut
		case out.Err == rpc.ErrVersion:
			rec.kind = recErrVer
		case out.Err == rpc.ErrNoKey && in.Version != 0:
			rec.kind, rec.ver = recPinned, 0
		default:
			return rec, false, false
		}
	}
	return rec, true, true
}

// sortRecs orders records by version in place, stably, so that ties keep
// history order. Versions are nearly dense, so a counting sort does it in
// linear time; buf is scratch space, returned for reuse.
func sortRecs(recs []kvRec, buf []kvRec) []kvRec {
	if len(recs) <= 64 {
		// Small keys, the common case in campaigns: records come nearly in
		// version order, and an insertion sort allocates nothing.
		for i := 1; i < len(recs); i++ {
			for j := i; j > 0 && recs[j].ver < recs[j-1].ver; j-- {
				recs[j], recs[j-1] = recs[j-1], recs[j]
			}
		}
		return buf
	}
	var top uint64
	for i := range recs {
		top = max(top, recs[i].ver)
	}
	if top > uint64(4*len(recs)+64) {
		slices.SortStableFunc(recs, func(a, b kvRec) int {
			switch {
			case a.ver < b.ver:
				return -1
			case a.ver > b.ver:
				return 1
			}
			return 0
		})
		return buf
	}
	count := make([]int32, top+2)
	for i := range recs {
		count[recs[i].ver+1]++
	}
	for v := 1; v < len(count); v++ {
		count[v] += count[v-1]
	}
	buf = slices.Grow(buf[:0], len(recs))[:len(recs)]
	for i := range recs {
		v := recs[i].ver
		buf[count[v]] = recs[i]
		count[v]++
	}
	copy(recs, buf)
	return buf
}

// fastVerdict is the fast path's answer: Ok, Violation with a core and a
// reason, or Unknown with the reason it gave up.
type fastVerdict struct {
	verdict CheckVerdict
	core    []int
	reason  string
}

// keyIndex numbers keys from 0 in order of appearance. Histories have a
// few keys, so it looks them up in a list until there are many.
type keyIndex struct {
	names []string
	byKey map[string]int32 // once there are more than manyKeys
}

const manyKeys = 16

// reset forgets every key, keeping the memory.
func (x *keyIndex) reset() {
	clear(x.names)
	x.names = x.names[:0]
	if len(x.byKey) > 0 {
		clear(x.byKey)
	}
}

// of is key's number, and whether it was known before.
func (x *keyIndex) of(key string) (int32, bool) {
	if x.byKey != nil {
		if k, ok := x.byKey[key]; ok {
			return k, true
		}
	} else if i := slices.Index(x.names, key); i >= 0 {
		return int32(i), true
	}
	k := int32(len(x.names))
	x.names = append(x.names, key)
	switch {
	case x.byKey != nil:
		x.byKey[key] = k
	case len(x.names) > manyKeys:
		x.byKey = make(map[string]int32, 2*len(x.names))
		for i, name := range x.names {
			x.byKey[name] = int32(i)
		}
	}
	return k, false
}

// fastScratch is the fast checker's memory, which a KVChecker keeps from
// one history to the next.
type fastScratch struct {
	keys         keyIndex
	count, which []int32
	perKey       []int32
	all, buf     []kvRec
	order        []int
	sc           keyScratch
}

// check runs the fast checker over every key (in sorted key order, so that
// the key reported does not depend on map order) and explains the first
// violation. The verdict uses none of s's memory.
func (s *fastScratch) check(ops []KVOp) fastVerdict {
	s.keys.reset()
	keys := &s.keys
	count := s.count[:0]
	which := slices.Grow(s.which[:0], len(ops))[:len(ops)]
	lastKey, k := "", int32(-1)
	for i := range ops {
		key := ops[i].Input.Key
		if k < 0 || key != lastKey { // histories often run on one key
			var known bool
			if k, known = keys.of(key); !known {
				count = append(count, 0)
			}
			lastKey = key
		}
		which[i] = k
		count[k]++
	}
	s.count, s.which = count, which
	names := keys.names
	// One backing array, each key's records contiguous; per key, where its
	// records start, where the next one goes and how many are kept.
	perKey := slices.Grow(s.perKey[:0], 3*len(names)+1)[:3*len(names)+1]
	clear(perKey)
	s.perKey = perKey
	start, fill, used := perKey[:len(names)+1], perKey[len(names)+1:2*len(names)+1], perKey[2*len(names)+1:]
	for k, n := range count {
		start[k+1] = start[k] + n
	}
	all := slices.Grow(s.all[:0], len(ops))[:len(ops)]
	s.all = all
	copy(fill, start)
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
	order := s.order[:0]
	for i := range names {
		order = append(order, i)
	}
	s.order = order
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(names[a], names[b]) })

	gaveUp := ""
	for _, k := range order {
		recs := all[start[k] : start[k]+used[k]]
		s.buf = sortRecs(recs, s.buf)
		f := checkKey(ops, recs, nil, &s.sc)
		switch f.kind {
		case failNone:
		case failGiveUp:
			if gaveUp == "" {
				gaveUp = "key " + bare(names[k]) + ": " + giveUpText(recs)
			}
		default:
			core, why := explainer(ops).explain(recs, f, &s.sc)
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
	case op.Input.Op == OpGet && op.Output.Err == rpc.OK:
		return "a present key has a version of at least 1"
	case op.Input.Op == OpPut && op.Output.Err == rpc.ErrNoKey:
		return "a put at version 0 creates a missing key, it never returns ErrNoKey"
	}
	return fmt.Sprintf("a %v never returns %s", op.Input.Op, bare(string(op.Output.Err)))
}

// appendMerged adds [a, b] to spans sorted by start, merging it into the
// last span when they overlap; an empty span (a > b) adds nothing.
func appendMerged(spans []span, a, b int64) []span {
	switch n := len(spans); {
	case a > b:
	case n > 0 && a <= spans[n-1].hi:
		spans[n-1].hi = max(spans[n-1].hi, b)
	default:
		spans = append(spans, span{a, b})
	}
	return spans
}
