package raftcheck

import "time"

// StateMachine is Raft's state machine safety, with log matching as far
// as the applied commands show it: every server applies, at each index,
// the command that was first applied there by any server (in any
// incarnation); each server applies its indices in order, one after the
// other, without a gap or a repeat, starting after the snapshot it
// started from; a snapshot holds, at every index, the command applied
// there, and a server goes on after a snapshot from the index after it.
// As the course's tester does, it lets a server apply a snapshot older
// than what it applied, and then expects the commands after it again.
type StateMachine struct {
	// Equal compares two commands; nil is Same, the course's ==.
	Equal     func(a, b any) bool
	committed []applied // by index; the first command applied there
	last      []int     // by server: the index it applied last, in this incarnation
}

type applied struct {
	set    bool
	cmd    any
	server int
	at     time.Duration
}

// unknownBase is a server's last applied index after a restart from a
// snapshot whose index the checks cannot read: its next command may be at
// any index.
const unknownBase = -1

// NewStateMachine makes the check for a cluster of n servers.
func NewStateMachine(n int) *StateMachine { return &StateMachine{last: make([]int, n)} }

// Name implements Check.
func (c *StateMachine) Name() string { return "state-machine-safety" }

// Observe implements Check.
func (c *StateMachine) Observe(e *Event) *Violation {
	switch e.Kind {
	case Restart:
		c.last[e.Server] = 0
		if e.Opaque {
			c.last[e.Server] = unknownBase
		}
	case Apply:
		last := c.last[e.Server]
		switch {
		case e.Index <= 0:
			return violation(c.Name(), e, "applied a command at index %d (indices start at 1)", e.Index)
		case last == unknownBase:
			// the first command after a restart from an unread snapshot
		case e.Index <= last:
			return violation(c.Name(), e, "applied index %d again, after applying up to index %d (out of order or twice)", e.Index, last)
		case e.Index > last+1:
			return violation(c.Name(), e, "applied index %d right after index %d: a gap (out of order)", e.Index, last)
		}
		if v := c.commit(e, e.Index, e.Command, "applied"); v != nil {
			return v
		}
		c.last[e.Server] = e.Index
	case Snapshot:
		if e.Opaque {
			c.last[e.Server] = e.Index
			break
		}
		if len(e.Commands) != e.Index+1 {
			return violation(c.Name(), e, "applied a snapshot whose own last index is %d as a snapshot up to index %d", len(e.Commands)-1, e.Index)
		}
		for i := 1; i <= e.Index; i++ {
			if v := c.commit(e, i, e.Commands[i], "holds in its snapshot"); v != nil {
				return v
			}
		}
		c.last[e.Server] = e.Index
	}
	return nil
}

// commit records that cmd is committed at index, as e shows, or reports
// that another command was.
func (c *StateMachine) commit(e *Event, index int, cmd any, how string) *Violation {
	for len(c.committed) <= index {
		c.committed = append(c.committed, applied{})
	}
	first := &c.committed[index]
	if !first.set {
		*first = applied{set: true, cmd: cmd, server: e.Server, at: e.At}
		return nil
	}
	equal := c.Equal
	if equal == nil {
		equal = Same
	}
	if !equal(first.cmd, cmd) {
		v := violation(c.Name(), e, "s%d %s %v at index %d, but s%d applied %v there at %v", e.Server, how, cmd, index, first.server, first.cmd, first.at)
		v.Index = index
		return v
	}
	return nil
}

// Committed is the command first applied at index, and whether one was.
func (c *StateMachine) Committed(index int) (any, bool) {
	if index < len(c.committed) && c.committed[index].set {
		return c.committed[index].cmd, true
	}
	return nil, false
}

// Finish implements Check.
func (c *StateMachine) Finish(time.Duration) *Violation { return nil }
