// Package context stands in for context in course folders: a Context's
// Done channel is the simulator's, so a select on it runs on the
// scheduler, and a deadline or timeout fires on the virtual clock. Its
// errors are context's own (errors.Is works with them).
package context

import (
	"context"
	"time"

	"github.com/kvsim/kvsim/lab/labrt"
)

var (
	Canceled         = context.Canceled
	DeadlineExceeded = context.DeadlineExceeded
)

// A Context carries a deadline, a cancellation signal and values.
type Context interface {
	Deadline() (deadline time.Time, ok bool)
	Done() *labrt.Chan[struct{}]
	Err() error
	Value(key any) any
}

// A CancelFunc cancels its context.
type CancelFunc func()

type empty struct{}

func (empty) Deadline() (time.Time, bool) { return time.Time{}, false }
func (empty) Done() *labrt.Chan[struct{}] { return nil } // never closed: a receive blocks for ever
func (empty) Err() error                  { return nil }
func (empty) Value(any) any               { return nil }

// Background and TODO are never canceled and have no values.
func Background() Context { return empty{} }
func TODO() Context       { return empty{} }

type cancelCtx struct {
	parent   Context
	done     *labrt.Chan[struct{}]
	err      error
	deadline time.Time
	hasDL    bool
	children []*cancelCtx
	timer    *labrt.Timer
}

func (c *cancelCtx) Deadline() (time.Time, bool) {
	if c.hasDL {
		return c.deadline, true
	}
	return c.parent.Deadline()
}
func (c *cancelCtx) Done() *labrt.Chan[struct{}] { return c.done }
func (c *cancelCtx) Err() error                  { return c.err }
func (c *cancelCtx) Value(key any) any           { return c.parent.Value(key) }

func (c *cancelCtx) cancel(err error) {
	if c.err != nil {
		return
	}
	c.err = err
	labrt.Close(c.done)
	if c.timer != nil {
		c.timer.Stop()
	}
	for _, child := range c.children {
		child.cancel(err)
	}
	c.children = nil
}

// newCancel is a child of parent that its cancellation cancels.
func newCancel(parent Context) *cancelCtx {
	c := &cancelCtx{parent: parent, done: labrt.MakeChan[struct{}](0)}
	if err := parent.Err(); err != nil {
		c.cancel(err)
		return c
	}
	for p := parent; p != nil; {
		switch pc := p.(type) {
		case *cancelCtx:
			pc.children = append(pc.children, c)
			return c
		case *valueCtx:
			p = pc.Context
		default:
			if done := p.Done(); done != nil { // a Context of the student's own
				labrt.Go("context propagation", func() {
					labrt.Recv(done)
					c.cancel(p.Err())
				})
			}
			return c
		}
	}
	return c
}

// WithCancel returns a copy of parent with a new Done channel, closed when
// cancel is called or parent's is.
func WithCancel(parent Context) (Context, CancelFunc) {
	c := newCancel(parent)
	return c, func() { c.cancel(Canceled) }
}

// WithDeadline is WithCancel that also cancels at d, in virtual time.
func WithDeadline(parent Context, d time.Time) (Context, CancelFunc) {
	if cur, ok := parent.Deadline(); ok && cur.Before(d) {
		return WithCancel(parent)
	}
	c := newCancel(parent)
	c.deadline, c.hasDL = d, true
	if c.err == nil {
		if wait := labrt.Until(d); wait <= 0 {
			c.cancel(DeadlineExceeded)
		} else {
			c.timer = labrt.AfterFunc(wait, func() { c.cancel(DeadlineExceeded) })
		}
	}
	return c, func() { c.cancel(Canceled) }
}

// WithTimeout is WithDeadline(parent, Now().Add(timeout)).
func WithTimeout(parent Context, timeout time.Duration) (Context, CancelFunc) {
	return WithDeadline(parent, labrt.Now().Add(timeout))
}

type valueCtx struct {
	Context
	key, val any
}

func (c *valueCtx) Value(key any) any {
	if c.key == key {
		return c.val
	}
	return c.Context.Value(key)
}

// WithValue returns a copy of parent in which key's value is val.
func WithValue(parent Context, key, val any) Context { return &valueCtx{parent, key, val} }
