package raftcheck

import "time"

// Liveness: once faults stop (a Quiet event at q: every server up and
// connected, the network delivering every message), Raft makes progress:
// by q + Bound, some command Started at or after q has been applied by
// every server. The harness keeps offering commands after q (as the
// course's one() does, retrying at each server in turn); a command a
// stale leader accepted and that never commits does not count against
// Raft, only a bound that passes with none applied everywhere. It is
// judged at the first event at or past the deadline, or when the run
// ends past it. A server reaches a command by applying it or a snapshot
// that holds it.
type Liveness struct {
	bound   time.Duration
	n       int
	quiet   bool
	since   time.Duration
	started map[int][]startedCmd // by index: commands Started there since quiet
	done    bool
}

type startedCmd struct {
	cmd    any
	by     uint64 // bitmask of servers that applied it
	server int
}

// NewLiveness makes the check for n servers with the given bound.
func NewLiveness(n int, bound time.Duration) *Liveness {
	return &Liveness{bound: bound, n: n, started: map[int][]startedCmd{}}
}

// Name implements Check.
func (c *Liveness) Name() string { return "liveness" }

// Observe implements Check.
func (c *Liveness) Observe(e *Event) *Violation {
	if e.Kind == Quiet && !c.quiet {
		c.quiet, c.since = true, e.At
		return nil
	}
	if !c.quiet || c.done {
		return nil
	}
	if e.At > c.since+c.bound {
		return c.late(e.At)
	}
	switch e.Kind {
	case Start:
		c.started[e.Index] = append(c.started[e.Index], startedCmd{cmd: e.Command, server: e.Server})
	case Apply:
		c.reached(e.Server, e.Index, e.Command)
	case Snapshot:
		for index := range c.started {
			if index < len(e.Commands) {
				c.reached(e.Server, index, e.Commands[index])
			}
		}
	}
	return nil
}

// reached notes that server applied cmd at index, by a command or a
// snapshot.
func (c *Liveness) reached(server, index int, cmd any) {
	for i := range c.started[index] {
		s := &c.started[index][i]
		if Same(s.cmd, cmd) {
			s.by |= 1 << server
			if s.by == 1<<c.n-1 {
				c.done = true
			}
		}
	}
}

func (c *Liveness) late(at time.Duration) *Violation {
	return &Violation{Check: c.Name(), At: at, Server: -1, Term: -1, Index: -1,
		What: "faults stopped at " + c.since.String() + ", yet by " + (c.since + c.bound).String() + " no command Started since was applied by every server"}
}

// Finish implements Check.
func (c *Liveness) Finish(at time.Duration) *Violation {
	if c.quiet && !c.done && at > c.since+c.bound {
		return c.late(at)
	}
	return nil
}
