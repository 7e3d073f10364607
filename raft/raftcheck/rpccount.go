package raftcheck

import "time"

// RPCCount holds the servers to the numbers of requests the course's
// tests allow: the harness opens a window (a Window event: a name, at
// most Max requests handled by all servers together, at least Min) and
// closes it (WindowEnd). The request that goes past Max is the violation;
// a window closed below Min is one too. The course's bounds, for three
// servers: at most 30 to elect the first leader (at least 1), at most
// (10+1+3)*3 to agree on 11 commands, at most 3*20 in a second of
// idleness.
type RPCCount struct {
	open []window
}

type window struct {
	name     string
	min, max int
	n        int
	since    time.Duration
}

// NewRPCCount makes the check.
func NewRPCCount() *RPCCount { return &RPCCount{} }

// Name implements Check.
func (c *RPCCount) Name() string { return "rpc-count" }

// Observe implements Check.
func (c *RPCCount) Observe(e *Event) *Violation {
	switch e.Kind {
	case Window:
		c.open = append(c.open, window{name: e.Name, min: e.Min, max: e.Max, since: e.At})
	case WindowEnd:
		for i, w := range c.open {
			if w.name != e.Name {
				continue
			}
			c.open = append(c.open[:i], c.open[i+1:]...)
			if w.n < w.min {
				return violation(c.Name(), e, "%s: %d requests handled since %v, fewer than %d", w.name, w.n, w.since, w.min)
			}
			return nil
		}
	case RPC:
		for i := range c.open {
			w := &c.open[i]
			if w.n++; w.n == w.max+1 {
				return violation(c.Name(), e, "%s: %d requests handled since %v (this one %s), more than %d", w.name, w.n, w.since, e.Method, w.max)
			}
		}
	}
	return nil
}

// Finish implements Check.
func (c *RPCCount) Finish(time.Duration) *Violation { return nil }
