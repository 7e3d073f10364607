package sim

import "github.com/kvsim/kvsim/sim/gobwire"

// A wire moves values of one type across the simulated network the way
// net/rpc with encoding/gob moves them across a real one (package gobwire
// holds the rule, which stress mode's in-process network follows too): only
// exported fields travel, and a field whose value is zero is not sent at
// all, so it leaves the receiver's field as it was. The handler's arguments
// and the server's reply start as fresh zero values; the caller's reply
// struct is the caller's own, so a reused struct keeps the fields that a
// reply left zero, as over net/rpc.
type wire[T any] struct{ g gobwire.Wire[T] }

func newWire[T any]() *wire[T] { return &wire[T]{*gobwire.New[T]()} }

// intoZero delivers src into dst, a zero value: what a server's decoder
// makes of the arguments.
func (w *wire[T]) intoZero(dst, src *T) error { return w.g.IntoZero(dst, src) }

// into delivers src into dst, whose zero-valued-in-src fields stay as they
// were.
func (w *wire[T]) into(dst, src *T) error { return w.g.Into(dst, src) }
