package raftcheck

import (
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Kind is what an Event reports.
type Kind uint8

const (
	// Leader: Server said it leads Term (a GetState that answered true).
	Leader Kind = iota + 1
	// Start: Server accepted Command at Index in Term (Start returned
	// isLeader true), seen as it returned (its Call came first).
	Start
	// Apply: Server applied Command at Index (an ApplyMsg with
	// CommandValid).
	Apply
	// Snapshot: Server applied a snapshot up to Index of Term (an ApplyMsg
	// with SnapshotValid, or the snapshot a restarted server starts from).
	// Commands are the commands the snapshot holds, index 0 to its own
	// last index.
	Snapshot
	// Crash: Server crashed. Restart: Server started again, as
	// Incarnation, having applied nothing yet.
	Crash
	Restart
	// RPC: Server handled a request of Method.
	RPC
	// Quiet: faults stopped: from At on, every server is up and connected
	// and the network delivers every message.
	Quiet
	// Window opens a window of Name in which the servers may handle at
	// most Max requests, and must handle at least Min; WindowEnd closes
	// it.
	Window
	WindowEnd
	// Call: the tester called Server's Start (the Start event follows as
	// it returns, if it accepted). A Start that blocks or yields may see
	// entries applied while it runs, its own among them.
	Call
	// Vote: Server granted its vote in Term to Peer (a RequestVote reply
	// that reached its candidate saying so).
	Vote
	// Append: Server sent an AppendEntries of Term, as only Term's leader
	// does (seen as its reply came back).
	Append
)

var kindNames = [...]string{Leader: "leader", Start: "start", Apply: "apply", Snapshot: "snapshot",
	Crash: "crash", Restart: "restart", RPC: "rpc", Quiet: "quiet", Window: "window", WindowEnd: "window-end", Call: "call", Vote: "vote", Append: "append"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Event is one thing that happened in a run, as the harness saw it.
type Event struct {
	At          time.Duration
	Kind        Kind
	Server      int // -1 for none
	Incarnation int // the server's incarnation, from 1
	Term        int
	Index       int
	Command     any
	Commands    []any // Snapshot: the commands the snapshot holds, from index 0
	// Opaque: a Snapshot whose commands the harness cannot read (a
	// replicated service's own state), or a Restart from such a snapshot
	// (its index unknown too): only what the index shows is checked.
	Opaque   bool
	Method   string // RPC
	Peer     int    // Vote: the candidate
	Name     string // Window, WindowEnd
	Min, Max int    // Window
}

// Violation is the first event that broke a check.
type Violation struct {
	Check  string
	At     time.Duration
	Server int // -1 when it is about no one server
	Term   int // -1 when unknown
	Index  int // -1 when unknown
	What   string
}

func (v *Violation) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: at %v", v.Check, v.At)
	if v.Server >= 0 {
		fmt.Fprintf(&b, ", s%d", v.Server)
	}
	if v.Term >= 0 {
		fmt.Fprintf(&b, ", term %d", v.Term)
	}
	if v.Index >= 0 {
		fmt.Fprintf(&b, ", index %d", v.Index)
	}
	b.WriteString(": " + v.What)
	return b.String()
}

// violation is a Violation of check about event e.
func violation(check string, e *Event, format string, args ...any) *Violation {
	v := &Violation{Check: check, At: e.At, Server: e.Server, Term: -1, Index: -1, What: fmt.Sprintf(format, args...)}
	switch e.Kind {
	case Leader, Vote, Append:
		v.Term = e.Term
	case Start, Snapshot:
		v.Term, v.Index = e.Term, e.Index
	case Apply:
		v.Index = e.Index
	}
	return v
}

// Check is one invariant, fed every event of a run in order.
type Check interface {
	// Name is the check's name in violations.
	Name() string
	// Observe sees the next event and returns a violation if it breaks
	// the check. It must not keep e, which the harness reuses.
	Observe(e *Event) *Violation
	// Finish is told the run ended at virtual time at, for what can only
	// be judged then.
	Finish(at time.Duration) *Violation
}

// Set runs checks on every event and keeps the first violation: after
// it, the run is over as far as the checks go, and nothing more is
// observed.
type Set struct {
	checks []Check
	first  *Violation
}

// NewSet makes a set of checks.
func NewSet(checks ...Check) *Set { return &Set{checks: checks} }

// Observe feeds e to every check and returns the first violation of the
// run, if there is one by now.
func (s *Set) Observe(e *Event) *Violation {
	if s.first != nil {
		return s.first
	}
	for _, c := range s.checks {
		if v := c.Observe(e); v != nil {
			s.first = v
			return v
		}
	}
	return nil
}

// Finish ends the run at virtual time at and returns its first
// violation, if any.
func (s *Set) Finish(at time.Duration) *Violation {
	if s.first != nil {
		return s.first
	}
	for _, c := range s.checks {
		if v := c.Finish(at); v != nil {
			s.first = v
			return v
		}
	}
	return nil
}

// First is the first violation so far, nil if none.
func (s *Set) First() *Violation { return s.first }

// Same reports whether two commands are the same, as the course's tester
// compares them (==), without panicking on commands that cannot be
// compared with ==.
func Same(a, b any) (same bool) {
	if a == nil || b == nil {
		return a == b
	}
	if reflect.TypeOf(a) != reflect.TypeOf(b) {
		return false
	}
	defer func() {
		if recover() != nil { // a struct holding something == cannot compare
			same = reflect.DeepEqual(a, b)
		}
	}()
	return a == b
}
