package raftcheck

import "testing"

func TestStateMachine(t *testing.T) {
	base := []Event{
		{At: ms(1), Kind: Apply, Server: 0, Index: 1, Command: 10},
		{At: ms(2), Kind: Apply, Server: 1, Index: 1, Command: 10},
		{At: ms(3), Kind: Apply, Server: 0, Index: 2, Command: 20},
		{At: ms(4), Kind: Snapshot, Server: 2, Index: 2, Commands: []any{nil, 10, 20}},
		{At: ms(5), Kind: Apply, Server: 2, Index: 3, Command: 30},
		{At: ms(6), Kind: Restart, Server: 0, Incarnation: 2},
		{At: ms(7), Kind: Apply, Server: 0, Index: 1, Command: 10, Incarnation: 2},
		{At: ms(8), Kind: Snapshot, Server: 1, Index: 3, Commands: []any{nil, 10, 20, 30}},
		{At: ms(9), Kind: Snapshot, Server: 1, Index: 2, Commands: []any{nil, 10, 20}}, // older: allowed, as the course allows it
		{At: ms(10), Kind: Apply, Server: 1, Index: 3, Command: 30},
		{At: ms(11), Kind: Apply, Server: 1, Index: 4, Command: []int{4}}, // not comparable with ==
		{At: ms(12), Kind: Apply, Server: 2, Index: 4, Command: []int{4}},
	}
	feed(t, NewStateMachine(3), base, -1, "")

	with := func(e Event) []Event { return append(append([]Event(nil), base...), e) }
	feed(t, NewStateMachine(3), with(Event{At: ms(20), Kind: Apply, Server: 2, Index: 6, Command: 60}), 12, "applied index 6 right after index 4: a gap")
	feed(t, NewStateMachine(3), with(Event{At: ms(20), Kind: Apply, Server: 2, Index: 4, Command: []int{4}}), 12, "applied index 4 again")
	feed(t, NewStateMachine(3), with(Event{At: ms(20), Kind: Apply, Server: 0, Index: 2, Command: 21, Incarnation: 2}), 12,
		"s0 applied 21 at index 2, but s0 applied 20 there at 3ms")
	feed(t, NewStateMachine(3), with(Event{At: ms(20), Kind: Snapshot, Server: 0, Index: 3, Commands: []any{nil, 10, 20, 31}}), 12,
		"s0 holds in its snapshot 31 at index 3, but s2 applied 30 there")
	feed(t, NewStateMachine(3), with(Event{At: ms(20), Kind: Snapshot, Server: 0, Index: 3, Commands: []any{nil, 10}}), 12,
		"whose own last index is 1 as a snapshot up to index 3")
}

// TestStateMachineOpaque: a replicated service's snapshots hold its own
// state: an opaque snapshot moves a server to its index without its
// commands read, and a server restarted from one may go on at any index,
// but then in order and agreeing with the others.
func TestStateMachineOpaque(t *testing.T) {
	base := []Event{
		{At: ms(1), Kind: Apply, Server: 0, Index: 1, Command: 10},
		{At: ms(2), Kind: Apply, Server: 0, Index: 2, Command: 20},
		{At: ms(3), Kind: Snapshot, Server: 1, Index: 2, Opaque: true},
		{At: ms(4), Kind: Apply, Server: 1, Index: 3, Command: 30},
		{At: ms(5), Kind: Restart, Server: 0, Incarnation: 2, Opaque: true},
		{At: ms(6), Kind: Apply, Server: 0, Index: 3, Command: 30, Incarnation: 2},
	}
	feed(t, NewStateMachine(2), base, -1, "")
	with := func(e Event) []Event { return append(append([]Event(nil), base...), e) }
	feed(t, NewStateMachine(2), with(Event{At: ms(7), Kind: Apply, Server: 0, Index: 5, Command: 50, Incarnation: 2}), 6, "applied index 5 right after index 3: a gap")
	feed(t, NewStateMachine(2), with(Event{At: ms(7), Kind: Apply, Server: 1, Index: 4, Command: 40}), -1, "")
	feed(t, NewStateMachine(2), []Event{base[0], base[1], base[2], {At: ms(4), Kind: Apply, Server: 1, Index: 3, Command: 31}, {At: ms(5), Kind: Apply, Server: 0, Index: 3, Command: 30}}, 4,
		"s0 applied 30 at index 3, but s1 applied 31 there")
}

func TestSame(t *testing.T) {
	for _, c := range []struct {
		a, b any
		want bool
	}{{1, 1, true}, {1, 2, false}, {1, int64(1), false}, {nil, nil, true}, {nil, 0, false},
		{[]int{1}, []int{1}, true}, {[]int{1}, []int{2}, false}, {struct{ X any }{[]int{1}}, struct{ X any }{[]int{1}}, true}} {
		if got := Same(c.a, c.b); got != c.want {
			t.Errorf("Same(%v, %v) = %v", c.a, c.b, got)
		}
	}
}

// TestSameValue: commands compared as gob carries them.
func TestSameValue(t *testing.T) {
	type args struct {
		Key  string
		Vers []int
	}
	type op struct {
		Id  int
		Req any
	}
	p := &args{Key: "k"}
	for _, c := range []struct {
		a, b any
		want bool
	}{
		{1, 1, true},
		{1, 2, false},
		{op{1, p}, op{1, args{Key: "k"}}, true},   // a leader's pointer, a follower's value
		{op{1, p}, op{1, &args{Key: "k"}}, true},  // two pointers to equal values
		{op{1, p}, op{1, &args{Key: "j"}}, false}, // different values
		{args{Key: "k", Vers: nil}, args{Key: "k", Vers: []int{}}, true},
		{args{Key: "k", Vers: []int{1}}, args{Key: "k", Vers: []int{2}}, false},
		{map[string]int{"a": 1}, map[string]int{"a": 1}, true},
		{map[string]int{"a": 1}, map[string]int{"b": 1}, false},
		{nil, nil, true},
		{nil, 0, false},
		{int32(1), int64(1), false},
	} {
		if got := SameValue(c.a, c.b); got != c.want {
			t.Errorf("SameValue(%#v, %#v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
