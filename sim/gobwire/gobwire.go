package gobwire

import (
	"bytes"
	"encoding"
	"encoding/gob"
	"fmt"
	"reflect"
	"unsafe"
)

// Wire delivers values of type T; New makes one. It never changes, so one
// Wire serves every call, from any goroutine.
type Wire[T any] struct{ p program }

// program is how values of one type travel, worked out once from the type.
type program struct {
	viaGob bool
	ops    []wireOp
	// whole: copying into a fresh zero value is a plain assignment (every
	// field travels, and none where "zero" differs from "all bits zero").
	whole bool
	err   error // what gob would say about the type, once per call
}

type wireKind uint8

const (
	wire8 wireKind = iota
	wire16
	wire32
	wire64
	wireF32
	wireF64
	wireC64
	wireC128
	wireString
	wireBlock // sent even when zero: array elements, top-level non-structs
)

// wireOp copies one field from src to dst if gob would send it.
type wireOp struct {
	off, size uintptr
	kind      wireKind
}

// New works out how values of type T travel.
func New[T any]() *Wire[T] { return &Wire[T]{compile(reflect.TypeFor[T]())} }

func compile(t reflect.Type) program {
	if needsGob(t, map[reflect.Type]bool{}) {
		return program{viaGob: true}
	}
	c := wireCompiler{whole: true}
	if t.Kind() == reflect.Struct {
		c.structOps(t, 0)
	} else {
		c.sentOps(t, 0)
	}
	return program{ops: c.ops, whole: c.whole, err: c.err}
}

// IntoZero delivers src into dst, a zero value: what a server's decoder
// makes of the arguments.
func (w *Wire[T]) IntoZero(dst, src *T) error {
	if w.p.whole {
		*dst = *src
		return nil
	}
	return w.Into(dst, src)
}

// Into delivers src into dst as gob decodes a message into an existing
// value: dst's fields that are zero in src (or that gob does not send)
// stay as they were.
func (w *Wire[T]) Into(dst, src *T) error {
	return w.p.into(dst, src, unsafe.Pointer(dst), unsafe.Pointer(src))
}

// Value delivers values of a type known only at run time, as a Wire does
// for a type known at compile time: for a dispatcher that finds a
// service's methods by reflection, as net/rpc and the course's labrpc do.
// NewValue makes one; it never changes.
type Value struct {
	t reflect.Type
	p program
}

// NewValue works out how values of type t travel.
func NewValue(t reflect.Type) *Value { return &Value{t: t, p: compile(t)} }

// Type is the type of the values it delivers.
func (w *Value) Type() reflect.Type { return w.t }

// IntoZero is Wire.IntoZero for dst and src of type *T, where T is the
// Value's type.
func (w *Value) IntoZero(dst, src any) error {
	d, s, err := w.pointers(dst, src)
	if err != nil {
		return err
	}
	if w.p.whole { // a typed copy: the value may hold strings
		reflect.NewAt(w.t, d).Elem().Set(reflect.NewAt(w.t, s).Elem())
		return nil
	}
	return w.p.into(dst, src, d, s)
}

// Into is Wire.Into for dst and src of type *T, where T is the Value's
// type.
func (w *Value) Into(dst, src any) error {
	d, s, err := w.pointers(dst, src)
	if err != nil {
		return err
	}
	return w.p.into(dst, src, d, s)
}

func (w *Value) pointers(dst, src any) (d, s unsafe.Pointer, err error) {
	pt := reflect.PointerTo(w.t)
	dv, sv := reflect.ValueOf(dst), reflect.ValueOf(src)
	if dv.Type() != pt || sv.Type() != pt || dv.IsNil() || sv.IsNil() {
		return nil, nil, fmt.Errorf("gobwire: %T into %T, want two non-nil %v", src, dst, pt)
	}
	return dv.UnsafePointer(), sv.UnsafePointer(), nil
}

// into delivers *src into *dst (d and s are the same pointers, as the
// compiled ops read them).
func (p *program) into(dst, src any, d, s unsafe.Pointer) error {
	if p.err != nil {
		return p.err
	}
	if p.viaGob {
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(src); err != nil {
			return err
		}
		return gob.NewDecoder(&buf).Decode(dst)
	}
	for _, op := range p.ops {
		from, to := unsafe.Add(s, op.off), unsafe.Add(d, op.off)
		switch op.kind {
		case wire8:
			setNonZero[uint8](to, from)
		case wire16:
			setNonZero[uint16](to, from)
		case wire32:
			setNonZero[uint32](to, from)
		case wire64:
			setNonZero[uint64](to, from)
		case wireF32:
			setNonZero[float32](to, from)
		case wireF64:
			setNonZero[float64](to, from)
		case wireC64:
			setNonZero[complex64](to, from)
		case wireC128:
			setNonZero[complex128](to, from)
		case wireString:
			setNonZero[string](to, from)
		case wireBlock:
			copy(unsafe.Slice((*byte)(to), op.size), unsafe.Slice((*byte)(from), op.size))
		}
	}
	return nil
}

// setNonZero copies the T at from to to unless it is zero (as gob sees it:
// -0 is zero, NaN is not).
func setNonZero[T comparable](to, from unsafe.Pointer) {
	var zero T
	if v := *(*T)(from); v != zero {
		*(*T)(to) = v
	}
}

type wireCompiler struct {
	ops   []wireOp
	whole bool
	err   error
}

// structOps adds the fields of struct t (at off) that gob sends when they
// are not zero.
func (c *wireCompiler) structOps(t reflect.Type, off uintptr) {
	sent := 0
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Type.Kind() == reflect.Chan || f.Type.Kind() == reflect.Func {
			c.whole = false // the field stays zero on the receiver
			continue
		}
		sent++
		fo := off + f.Offset
		switch k := f.Type.Kind(); k {
		case reflect.Struct:
			c.structOps(f.Type, fo)
		case reflect.Array:
			c.sentOps(f.Type, fo)
		case reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
			c.whole = false // -0 is zero: not sent
			c.ops = append(c.ops, wireOp{off: fo, kind: scalarKind(f.Type)})
		default:
			c.ops = append(c.ops, wireOp{off: fo, kind: scalarKind(f.Type)})
		}
	}
	if sent == 0 && t.NumField() > 0 && c.err == nil {
		c.err = fmt.Errorf("gob: type %v has no exported fields", t)
	}
}

// sentOps adds a value that gob sends even when zero (an array, or a
// top-level non-struct); structs inside it still omit their zero fields.
func (c *wireCompiler) sentOps(t reflect.Type, off uintptr) {
	switch t.Kind() {
	case reflect.Struct:
		c.structOps(t, off)
	case reflect.Array:
		if hasStruct(t.Elem()) {
			for i := range t.Len() {
				c.sentOps(t.Elem(), off+uintptr(i)*t.Elem().Size())
			}
			return
		}
		fallthrough
	default:
		c.ops = append(c.ops, wireOp{off: off, size: t.Size(), kind: wireBlock})
	}
}

func hasStruct(t reflect.Type) bool {
	for t.Kind() == reflect.Array {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct
}

func scalarKind(t reflect.Type) wireKind {
	switch t.Kind() {
	case reflect.Float32:
		return wireF32
	case reflect.Float64:
		return wireF64
	case reflect.Complex64:
		return wireC64
	case reflect.Complex128:
		return wireC128
	case reflect.String:
		return wireString
	}
	switch t.Size() {
	case 1:
		return wire8
	case 2:
		return wire16
	case 4:
		return wire32
	}
	return wire64
}

// needsGob reports whether values of t hold references (which gob
// follows or rebuilds) or encode themselves: only a real gob round trip
// copies those faithfully.
func needsGob(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	for _, m := range [...]reflect.Type{
		reflect.TypeFor[gob.GobEncoder](), reflect.TypeFor[encoding.BinaryMarshaler](), reflect.TypeFor[encoding.TextMarshaler](),
	} {
		if t.Implements(m) || reflect.PointerTo(t).Implements(m) {
			return true
		}
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface, reflect.UnsafePointer:
		return true
	case reflect.Array:
		return needsGob(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if f.IsExported() && needsGob(f.Type, seen) {
				return true
			}
		}
	}
	return false
}
