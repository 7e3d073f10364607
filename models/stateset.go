package models

import "slices"

// A stateSet is every state a partition may be in, kept sorted and free of
// duplicates so that equal sets are equal slices. Operations whose outcome is
// unknown add states; observed outputs remove them. Porcupine explores one
// state per step, so this power-set construction is how the models express
// "may or may not have taken effect". Done by hand rather than with
// porcupine's NondeterministicModel.ToModel, it measured about 10% faster on
// the benchmark history and 3x faster on a 30-client single-key one.
//
// Sets are never modified in place: porcupine keeps old states in its cache.
type stateSet[S comparable] []S

// filter returns the states that keep accepts. It returns s itself when it
// keeps them all, to spare an allocation on the common single-state path.
func (s stateSet[S]) filter(keep func(S) bool) stateSet[S] {
	if !slices.ContainsFunc(s, func(x S) bool { return !keep(x) }) {
		return s
	}
	var out stateSet[S]
	for _, x := range s {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

// with returns s plus x, in the order given by compare.
func (s stateSet[S]) with(x S, compare func(a, b S) int) stateSet[S] {
	i, found := slices.BinarySearchFunc(s, x, compare)
	if found {
		return s
	}
	return slices.Insert(slices.Clip(s), i, x)
}

// result turns a step's next states into porcupine's (ok, state). When the
// states are unchanged it hands back the original interface value, since
// boxing the slice again would allocate on every Get.
func (s stateSet[S]) result(state any, next stateSet[S]) (bool, any) {
	switch {
	case len(next) == 0:
		return false, nil
	case len(next) == len(s) && &next[0] == &s[0]:
		return true, state
	}
	return true, next
}
