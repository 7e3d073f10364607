package models

import (
	"cmp"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"
)

// When the fast path finds a history linearizable, it can also produce a
// linearization: choose the T_i backwards from the sets F_i it computed,
// then give every operation a point in its interval and its segment. This
// file does that so that pictures and reports of such a history need no
// search: porcupine, given a model that accepts only the operations in
// this order, replays it in about linear time.

// witnessOrder returns the operations of one key (keyOps, indices into ops
// in history order) in an order that linearizes them, as positions into
// keyOps. recs are the key's records, sorted; the exact check must pass.
// ok is false if it does not (which would be a bug).
func witnessOrder(ops []KVOp, keyOps []int, recs []kvRec) (order []int, ok bool) {
	var spans [][]span
	sc := keyScratch{trace: &spans}
	if checkKey(ops, recs, nil, &sc).kind != failNone {
		return nil, false
	}
	group := func(v uint64) []kvRec {
		lo, _ := slices.BinarySearchFunc(recs, v, func(r kvRec, v uint64) int { return cmp.Compare(r.ver, v) })
		hi, _ := slices.BinarySearchFunc(recs, v+1, func(r kvRec, v uint64) int { return cmp.Compare(r.ver, v) })
		return recs[lo:hi]
	}

	// T_{V-1} as late as F allows, then each T_{i-1} the latest point of
	// F_{i-1} not after T_i, which meets the ErrVersion bound g_i(T_i)
	// because T_i was reachable.
	V := len(spans)
	T := make([]int64, V)
	for i := V - 1; i >= 0; i-- {
		f := spans[i]
		if i == V-1 {
			T[i] = f[len(f)-1].hi
			continue
		}
		k := len(f) - 1
		for k > 0 && f[k].lo > T[i+1] {
			k--
		}
		T[i] = min(f[k].hi, T[i+1])
	}
	tAt := func(i int) int64 { // T_i, with T_{-1} = -inf
		if i < 0 {
			return negInf
		}
		return T[i]
	}
	segmentOf := func(p int64) int { // the s with T_{s-1} <= p < T_s
		s, _ := slices.BinarySearchFunc(T, p, func(t, p int64) int {
			if t <= p {
				return -1
			}
			return 1
		})
		return s
	}

	// The chain: at each slot the OK Put, else an optional one with the
	// value the next version's Gets saw whose interval holds T_i.
	inChain := make(map[int32]bool, V)
	for i := range V {
		here, want, wantSet := group(uint64(i)), "", false
		for _, g := range group(uint64(i) + 1) {
			if g.kind == recPinned {
				want, wantSet = g.value(ops), true
			}
		}
		chosen := int32(-1)
		for _, p := range here {
			if p.kind == recPut {
				chosen = p.id
			}
		}
		for k := 0; chosen < 0 && k < len(here); k++ {
			p := here[k]
			if p.kind == recOptional && p.c <= T[i] && T[i] <= p.r && (!wantSet || p.value(ops) == want) {
				chosen = p.id
			}
		}
		if chosen < 0 {
			return nil, false
		}
		inChain[chosen] = true
	}

	// Every operation's point and rank (P_i at 2i+1, segment s at 2s).
	type placed struct {
		at   int64
		rank int
	}
	place := make(map[int32]placed, len(recs))
	for _, r := range recs {
		var p placed
		switch {
		case inChain[r.id]:
			p = placed{T[r.ver], 2*int(r.ver) + 1}
		case r.kind == recPinned:
			s := int(r.ver)
			p = placed{max(r.c, tAt(s-1)), 2 * s}
		case r.kind == recErrVer:
			// The earliest point in a segment other than v: just after T_0,
			// or where segment v-1 ends, or once the key is past v.
			v := int(r.ver)
			at := max(r.c, T[0])
			s := segmentOf(at)
			switch {
			case s != v:
			case v >= 2 && at <= T[v-1]:
				s = v - 1
			case v < V:
				at = max(r.c, T[v])
				s = max(segmentOf(at), v+1)
			default:
				return nil, false
			}
			p = placed{at, 2 * s}
		default: // an optional Put left out of the chain
			p = placed{r.c, 2 * segmentOf(r.c)}
		}
		place[r.id] = p
	}
	order = make([]int, len(keyOps))
	points := make([]placed, len(keyOps))
	for k, i := range keyOps {
		order[k] = k
		p, ok := place[int32(i)]
		if !ok { // a Get that never returned
			p = placed{ops[i].Call, 2 * segmentOf(ops[i].Call)}
		}
		points[k] = p
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(points[a].at, points[b].at), cmp.Compare(points[a].rank, points[b].rank))
	})
	return order, true
}

// guidedState is the state of guidedModel: how far along the witness of
// its key the linearization is, and the key's states as in KVModel.
type guidedState struct {
	seq  []KVOp // the key's operations in witness order; nil before the first
	next int
	kv   kvStates
}

// guidedModel is KVModel restricted to one linearization per key (seqs, by
// key): porcupine checks a history against it without searching. Equal
// operations may stand in for each other, which changes nothing.
func guidedModel(seqs map[string][]KVOp) porcupine.Model {
	m := KVModel()
	m.Init = func() any { return guidedState{kv: kvStates{{}}} }
	m.Step = func(state, input, output any) (bool, any) {
		s, in, out := state.(guidedState), input.(KVInput), output.(KVOutput)
		if s.seq == nil {
			s.seq = seqs[in.Key]
		}
		if s.next >= len(s.seq) || s.seq[s.next].Input != in || s.seq[s.next].Output != out {
			return false, nil
		}
		ok, kv := stepKV(s.kv, in, out)
		if !ok {
			return false, nil
		}
		s.kv, s.next = kv.(kvStates), s.next+1
		return true, s
	}
	m.Equal = func(a, b any) bool {
		x, y := a.(guidedState), b.(guidedState)
		return x.next == y.next && slices.Equal(x.kv, y.kv)
	}
	m.DescribeState = func(state any) string { return describeKVStates(state.(guidedState).kv) }
	return m
}

// witnessInfo replays the fast path's linearization of ops (which it found
// linearizable) through porcupine for the visualization data. ok is false
// if porcupine did not confirm it in time.
func witnessInfo(ops []KVOp, timeout time.Duration) (porcupine.Model, porcupine.LinearizationInfo, bool) {
	model, parts := kvPorcupine(ops)
	byKey := make(map[string][]int)
	for i := range ops {
		byKey[ops[i].Input.Key] = append(byKey[ops[i].Input.Key], i)
	}
	seqs := make(map[string][]KVOp, len(byKey))
	var buf []kvRec
	for key, keyOps := range byKey {
		var recs []kvRec
		for _, i := range keyOps {
			if rec, keep, _ := classify(&ops[i], i); keep {
				recs = append(recs, rec)
			}
		}
		buf = sortRecs(recs, buf)
		order, ok := witnessOrder(ops, keyOps, recs)
		if !ok {
			return model, porcupine.LinearizationInfo{}, false
		}
		seq := make([]KVOp, len(order))
		for k, pos := range order {
			seq[k] = ops[keyOps[pos]]
		}
		seqs[key] = seq
	}
	guided := guidedModel(seqs)
	guided.Partition = model.Partition
	var history []porcupine.Operation
	for _, part := range parts {
		history = append(history, part...)
	}
	res, info := porcupine.CheckOperationsVerbose(guided, history, timeout)
	return guided, info, res == porcupine.Ok
}
