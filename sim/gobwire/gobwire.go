package gobwire

import (
	"bytes"
	"encoding"
	"encoding/gob"
	"fmt"
	"reflect"
	"sync"
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
	// ifaces: the type holds interface values, which travel here only when
	// they hold a value of a predeclared type (check); else the value
	// takes a real gob round trip.
	ifaces bool
	err    error // what gob would say about the type, once per call
	// streams are the gob streams of the values that take a real round
	// trip (*stream), reused.
	streams *sync.Pool
}

// stream is a gob encoder and decoder on one buffer: a value is encoded
// and at once decoded, as a connection carries it. Reused, a stream sends
// and compiles each type once, as a connection does, where a fresh pair
// per value did both for every message (a third of a replicated run's
// time went to gob's compiling).
type stream struct {
	buf bytes.Buffer
	enc *gob.Encoder
	dec *gob.Decoder
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
	wireBlock // sent even when zero, and holding no pointers: array elements, top-level non-structs
	wireIface // an interface{}, holding nil or a value of a predeclared type
	wireSlice // a slice, its elements each as elem says
)

// wireOp copies one field from src to dst if gob would send it: when it
// is not zero, or always (an element of an array or a slice, which gob
// sends whatever it holds).
type wireOp struct {
	off, size uintptr
	kind      wireKind
	always    bool
	// For wireSlice: the slice's type, its elements' size, and how each
	// element travels (its ops at offset 0).
	slice reflect.Type
	elem  *program
}

// New works out how values of type T travel.
func New[T any]() *Wire[T] { return &Wire[T]{compile(reflect.TypeFor[T]())} }

func compile(t reflect.Type) program {
	if t.Kind() != reflect.Struct && t.Kind() != reflect.Array || selfEncoding(t, map[reflect.Type]bool{}) {
		if needsGob(t, map[reflect.Type]bool{}) {
			return program{viaGob: true, streams: new(sync.Pool)}
		}
	}
	c := wireCompiler{whole: true, seen: map[reflect.Type]bool{}}
	if t.Kind() == reflect.Struct {
		c.structOps(t, 0)
	} else {
		c.sentOps(t, 0)
	}
	if c.unsupported {
		return program{viaGob: true, streams: new(sync.Pool)}
	}
	return program{ops: c.ops, whole: c.whole && !c.ifaces && !c.slices, ifaces: c.ifaces, err: c.err, streams: new(sync.Pool)}
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
	if p.viaGob || p.ifaces && !p.check(s) {
		return p.roundTrip(dst, src)
	}
	p.run(d, s)
	return nil
}

// roundTrip delivers src into dst through gob, on a stream of the pool.
func (p *program) roundTrip(dst, src any) error {
	st, _ := p.streams.Get().(*stream)
	if st == nil {
		st = &stream{}
		st.enc, st.dec = gob.NewEncoder(&st.buf), gob.NewDecoder(&st.buf)
	}
	err := st.enc.Encode(src)
	if err == nil {
		err = st.dec.Decode(dst)
	}
	if err != nil || st.buf.Len() > 0 {
		return err // a stream left in an unknown state is dropped
	}
	p.streams.Put(st)
	return nil
}

// run delivers the value at s into the value at d, by the ops.
func (p *program) run(d, s unsafe.Pointer) {
	for i := range p.ops {
		op := &p.ops[i]
		from, to := unsafe.Add(s, op.off), unsafe.Add(d, op.off)
		if op.always {
			switch op.kind {
			case wireString:
				*(*string)(to) = *(*string)(from)
				continue
			case wireIface:
				*(*any)(to) = *(*any)(from)
				continue
			}
		}
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
		case wireIface:
			if v := *(*any)(from); v != nil {
				*(*any)(to) = v
			}
		case wireSlice:
			op.runSlice(to, from)
		}
	}
}

// sliceHeader is how a slice is laid out.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

// runSlice delivers the slice at from into the one at to as gob decodes a
// slice: an empty one is not sent (but as an element, which empties the
// destination); else the destination gets its length, in its own backing
// array if that is large enough, else in a new one, and each element is
// delivered into the destination's.
func (op *wireOp) runSlice(to, from unsafe.Pointer) {
	src := (*sliceHeader)(from)
	n := src.len
	if n == 0 && !op.always {
		return
	}
	dv := reflect.NewAt(op.slice, to).Elem()
	if dv.Cap() < n {
		dv.Set(reflect.MakeSlice(op.slice, n, n))
	} else {
		dv.SetLen(n)
	}
	dst := (*sliceHeader)(to)
	if len(op.elem.ops) == 1 && op.elem.ops[0].kind == wireBlock && op.elem.ops[0].size == op.size {
		// Elements without pointers, each sent whole: one copy.
		copy(unsafe.Slice((*byte)(dst.data), uintptr(n)*op.size), unsafe.Slice((*byte)(src.data), uintptr(n)*op.size))
		return
	}
	for i := range uintptr(n) {
		op.elem.run(unsafe.Add(dst.data, i*op.size), unsafe.Add(src.data, i*op.size))
	}
}

// check reports whether every interface value in the value at s holds nil
// or a value of a predeclared type, whose copy is the value itself, as
// gob decodes it (the types gob registers for interfaces from the start).
func (p *program) check(s unsafe.Pointer) bool {
	for i := range p.ops {
		op := &p.ops[i]
		from := unsafe.Add(s, op.off)
		switch op.kind {
		case wireIface:
			if v := *(*any)(from); v != nil && !predeclared[reflect.TypeOf(v)] {
				return false
			}
		case wireSlice:
			if !op.elem.ifaces {
				continue
			}
			src := (*sliceHeader)(from)
			for i := range uintptr(src.len) {
				if !op.elem.check(unsafe.Add(src.data, i*op.size)) {
					return false
				}
			}
		}
	}
	return true
}

// predeclared are the types whose values travel inside an interface{}
// as they are: immutable values that gob registers for interfaces under
// their own names and decodes into the same type.
var predeclared = func() map[reflect.Type]bool {
	m := map[reflect.Type]bool{}
	for _, v := range []any{false, 0, int8(0), int16(0), int32(0), int64(0), uint(0), uint8(0), uint16(0), uint32(0), uint64(0),
		float32(0), float64(0), complex64(0), complex128(0), ""} {
		m[reflect.TypeOf(v)] = true
	}
	return m
}()

// setNonZero copies the T at from to to unless it is zero (as gob sees it:
// -0 is zero, NaN is not).
func setNonZero[T comparable](to, from unsafe.Pointer) {
	var zero T
	if v := *(*T)(from); v != zero {
		*(*T)(to) = v
	}
}

type wireCompiler struct {
	ops    []wireOp
	whole  bool
	ifaces bool // an interface value travels
	slices bool // a slice travels
	// unsupported: the type holds what only gob copies faithfully (a
	// pointer, a map, an interface with methods, a type that encodes
	// itself, a recursive type): the value takes a gob round trip.
	unsupported bool
	seen        map[reflect.Type]bool // slice element types being compiled
	err         error
}

// structOps adds the fields of struct t (at off) that gob sends when they
// are not zero.
func (c *wireCompiler) structOps(t reflect.Type, off uintptr) {
	if selfEncoding(t, map[reflect.Type]bool{}) {
		c.unsupported = true
		return
	}
	sent := 0
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Type.Kind() == reflect.Chan || f.Type.Kind() == reflect.Func {
			c.whole = false // the field stays zero on the receiver
			continue
		}
		sent++
		c.valueOps(f.Type, off+f.Offset, false)
	}
	if sent == 0 && t.NumField() > 0 && c.err == nil {
		c.err = fmt.Errorf("gob: type %v has no exported fields", t)
	}
}

// valueOps adds a value of type t at off: a field (sent when it is not
// zero) or, always, an element of an array or a slice (sent whatever it
// holds; structs inside it still omit their zero fields).
func (c *wireCompiler) valueOps(t reflect.Type, off uintptr, always bool) {
	switch k := t.Kind(); k {
	case reflect.Struct:
		c.structOps(t, off)
	case reflect.Array:
		c.sentOps(t, off)
	case reflect.Interface:
		if t.NumMethod() > 0 {
			c.unsupported = true
			return
		}
		c.ifaces = true
		c.ops = append(c.ops, wireOp{off: off, kind: wireIface, always: always})
	case reflect.Slice:
		e := t.Elem()
		if c.seen[e] || selfEncoding(e, map[reflect.Type]bool{}) {
			c.unsupported = true // recursive: gob's
			return
		}
		c.seen[e] = true
		ec := wireCompiler{whole: true, seen: c.seen}
		ec.valueOps(e, 0, true)
		delete(c.seen, e)
		if ec.unsupported {
			c.unsupported = true
			return
		}
		if ec.err != nil && c.err == nil {
			c.err = ec.err
		}
		c.slices = true
		c.ifaces = c.ifaces || ec.ifaces
		elem := &program{ops: ec.ops, ifaces: ec.ifaces}
		c.ops = append(c.ops, wireOp{off: off, size: e.Size(), kind: wireSlice, always: always, slice: t, elem: elem})
	case reflect.Pointer, reflect.Map, reflect.UnsafePointer, reflect.Chan, reflect.Func:
		c.unsupported = true
	case reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		if always {
			c.ops = append(c.ops, wireOp{off: off, size: t.Size(), kind: wireBlock})
			return
		}
		c.whole = false // -0 is zero: not sent
		c.ops = append(c.ops, wireOp{off: off, kind: scalarKind(t)})
	case reflect.String:
		c.ops = append(c.ops, wireOp{off: off, kind: wireString, always: always})
	default:
		if always {
			c.ops = append(c.ops, wireOp{off: off, size: t.Size(), kind: wireBlock})
			return
		}
		c.ops = append(c.ops, wireOp{off: off, kind: scalarKind(t)})
	}
}

// sentOps adds a value that gob sends even when zero (an array, or a
// top-level non-struct); structs inside it still omit their zero fields.
func (c *wireCompiler) sentOps(t reflect.Type, off uintptr) {
	switch t.Kind() {
	case reflect.Struct:
		c.structOps(t, off)
	case reflect.Array:
		if e := t.Elem(); hasStruct(e) || hasPointers(e) {
			for i := range t.Len() {
				c.valueOps(e, off+uintptr(i)*e.Size(), true)
			}
			return
		}
		c.ops = append(c.ops, wireOp{off: off, size: t.Size(), kind: wireBlock})
	default:
		c.valueOps(t, off, true)
	}
}

// hasPointers reports whether values of t hold pointers (strings,
// interfaces, slices): they are copied by typed assignments, never byte
// by byte, so that the collector sees them.
func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Interface, reflect.Slice, reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return true
	case reflect.Array:
		return hasPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
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
	if selfEncodes(t) {
		return true
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

// selfEncoding reports whether t, or a type it holds, encodes itself.
func selfEncoding(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	if selfEncodes(t) {
		return true
	}
	switch t.Kind() {
	case reflect.Array, reflect.Slice, reflect.Pointer:
		return selfEncoding(t.Elem(), seen)
	case reflect.Map:
		return selfEncoding(t.Key(), seen) || selfEncoding(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if f.IsExported() && selfEncoding(f.Type, seen) {
				return true
			}
		}
	}
	return false
}

func selfEncodes(t reflect.Type) bool {
	for _, m := range [...]reflect.Type{
		reflect.TypeFor[gob.GobEncoder](), reflect.TypeFor[encoding.BinaryMarshaler](), reflect.TypeFor[encoding.TextMarshaler](),
	} {
		if t.Implements(m) || reflect.PointerTo(t).Implements(m) {
			return true
		}
	}
	return false
}
