package gobwire

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"
)

type wireInner struct {
	F    float64
	Name string
	hid  int
}

type wireFlat struct {
	B    bool
	I8   int8
	U16  uint16
	I32  int32
	I    int
	U    uint64
	F32  float32
	F64  float64
	C64  complex64
	C    complex128
	S    string
	In   wireInner
	Arr  [3]int16
	Ins  [2]wireInner
	Grid [2][2]wireInner
	Ch   chan int // gob ignores channels and functions
	Fn   func()
	hid  string
}

type wireRefs struct {
	Xs  []int
	M   map[string]int
	P   *wireInner
	S   string
	Bs  []byte
	hid int
}

// wireEntry is a Raft log entry: a command of any type.
type wireEntry struct {
	Term    int
	Command any
	Note    string
	F       float64
}

// wireSlices travels without gob when its interfaces hold predeclared
// types: slices of values, of strings, of structs holding interfaces, of
// slices; arrays of strings and of interfaces.
type wireSlices struct {
	Entries []wireEntry
	Ints    []int
	Strs    []string
	Bs      []byte
	Any     any
	Anys    []any
	Nested  [][]int
	Arr     [2]string
	ArrAny  [2]any
	Fs      []float64
	hid     int
}

func init() { gob.Register(wireInner{}) }

type wireStamp struct {
	At time.Time // encodes itself
	N  int
}

// fill sets every exported leaf of v to a random value, or to zero half the
// time, with -0 and NaN among the floats.
func fill(r *rand.Rand, v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			if r.IntN(2) == 0 {
				v.Set(reflect.ValueOf(time.Unix(r.Int64N(1e9), 0).UTC()))
			}
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(r, v.Field(i))
			}
		}
		return
	case reflect.Array:
		for i := range v.Len() {
			fill(r, v.Index(i))
		}
		return
	}
	if r.IntN(2) == 0 {
		return
	}
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(r.Int64N(200) - 100)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(r.Uint64N(200))
	case reflect.Float32, reflect.Float64:
		v.SetFloat([]float64{math.Copysign(0, -1), math.NaN(), 1.5, -2}[r.IntN(4)])
	case reflect.Complex64, reflect.Complex128:
		v.SetComplex(complex(float64(r.IntN(3)), 1))
	case reflect.String:
		v.SetString(fmt.Sprint("s", r.IntN(100)))
	case reflect.Slice:
		n := r.IntN(4)
		if n == 3 {
			v.Set(reflect.MakeSlice(v.Type(), 0, r.IntN(3))) // empty, not nil
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), n, n+r.IntN(2)))
		for i := range n {
			fill(r, v.Index(i))
		}
	case reflect.Interface:
		// Mostly predeclared types; now and then a struct (registered),
		// which takes gob's way.
		vals := []any{7, "s", -3.5, math.Copysign(0, -1), math.NaN(), int8(-1), uint16(9), true, complex(1, 2), 0, "", wireInner{Name: "i"}}
		v.Set(reflect.ValueOf(vals[r.IntN(len(vals))]))
	case reflect.Map:
		v.Set(reflect.ValueOf(map[string]int{fmt.Sprint("k", r.IntN(3)): r.IntN(5)}))
	case reflect.Pointer:
		in := &wireInner{Name: fmt.Sprint("p", r.IntN(5))}
		v.Set(reflect.ValueOf(in))
	}
}

// viaGob is what net/rpc does: encode src, decode into dst.
func viaGob[T any](t *testing.T, dst, src *T) {
	t.Helper()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(src); err != nil {
		t.Fatal(err)
	}
	if err := gob.NewDecoder(&buf).Decode(dst); err != nil {
		t.Fatal(err)
	}
}

// show prints a value for comparison: floats with their sign and NaN as
// NaN, pointers by what they point to, unexported fields too, and no
// functions or channels (they print as addresses).
func show(v any) string {
	var b strings.Builder
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Struct:
			if v.Type() == reflect.TypeFor[time.Time]() {
				fmt.Fprintf(&b, "%v", v)
				return
			}
			b.WriteString("{")
			for i := range v.NumField() {
				fmt.Fprintf(&b, "%s:", v.Type().Field(i).Name)
				walk(v.Field(i))
				b.WriteString(" ")
			}
			b.WriteString("}")
		case reflect.Array, reflect.Slice:
			fmt.Fprintf(&b, "%v[", v.Kind() == reflect.Slice && v.IsNil())
			for i := range v.Len() {
				walk(v.Index(i))
				b.WriteString(" ")
			}
			b.WriteString("]")
		case reflect.Pointer:
			if v.IsNil() {
				b.WriteString("nil")
				return
			}
			b.WriteString("&")
			walk(v.Elem())
		case reflect.Interface:
			if v.IsNil() {
				b.WriteString("nil")
				return
			}
			fmt.Fprintf(&b, "%v:", v.Elem().Type())
			walk(v.Elem())
		case reflect.Chan, reflect.Func:
		case reflect.Map:
			fmt.Fprintf(&b, "%v%v", v.IsNil(), v)
		case reflect.Float32, reflect.Float64:
			fmt.Fprintf(&b, "%v/%v", v.Float(), math.Signbit(v.Float()))
		default:
			fmt.Fprintf(&b, "%#v", v)
		}
	}
	walk(reflect.ValueOf(v))
	return b.String()
}

// checkWire compares a Wire, and a Value of the same type, with a real
// gob round trip, into a fresh value and into one already filled (a
// reused reply struct).
func checkWire[T any](t *testing.T, hide func(dst, src *T)) {
	w := New[T]()
	v := NewValue(reflect.TypeFor[T]())
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		// Each case is made afresh for each way of copying: a copy
		// decodes into the destination's slices, so no two may share them.
		seed := r.Uint64()
		make := func() (src, dst T) {
			rr := rand.New(rand.NewPCG(seed, 9))
			fill(rr, reflect.ValueOf(&src).Elem())
			fill(rr, reflect.ValueOf(&dst).Elem())
			if hide != nil {
				hide(&dst, &src)
			}
			return src, dst
		}
		src, want := make()
		viaGob(t, &want, &src)
		for way, into := range []func(dst, src *T) error{w.Into, func(dst, src *T) error { return v.Into(dst, src) }} {
			src, got := make()
			if err := into(&got, &src); err != nil {
				t.Fatal(err)
			}
			if show(got) != show(want) {
				t.Fatalf("case %d, way %d: into a used value:\n got %s\nwant %s", i, way, show(got), show(want))
			}
		}
		src, _ = make()
		var wantFresh T
		viaGob(t, &wantFresh, &src)
		for way, into := range []func(dst, src *T) error{w.IntoZero, func(dst, src *T) error { return v.IntoZero(dst, src) }} {
			src, _ := make()
			var fresh T
			if err := into(&fresh, &src); err != nil {
				t.Fatal(err)
			}
			if show(fresh) != show(wantFresh) {
				t.Fatalf("case %d, way %d: into a fresh value:\n got %s\nwant %s", i, way, show(fresh), show(wantFresh))
			}
		}
	}
}

func TestWireMatchesGob(t *testing.T) {
	t.Run("values", func(t *testing.T) {
		checkWire(t, func(dst, src *wireFlat) { dst.hid, src.hid, dst.In.hid, src.In.hid = "d", "s", 1, 2 })
	})
	t.Run("references", func(t *testing.T) {
		checkWire(t, func(dst, src *wireRefs) { dst.hid, src.hid = 1, 2 })
	})
	t.Run("self-encoding", func(t *testing.T) { checkWire[wireStamp](t, nil) })
	t.Run("top-level int", func(t *testing.T) { checkWire[int](t, nil) })
	t.Run("top-level array", func(t *testing.T) { checkWire[[2]wireInner](t, nil) })
	t.Run("slices and interfaces", func(t *testing.T) {
		checkWire(t, func(dst, src *wireSlices) { dst.hid, src.hid = 1, 2 })
	})
	t.Run("entries", func(t *testing.T) { checkWire[wireEntry](t, nil) })
	t.Run("nested slices", func(t *testing.T) { checkWire[wireNested](t, nil) })
}

// wireNested has slices inside slices, and nothing for gob alone.
type wireNested struct {
	Nested [][]int
	Strs   [][]string
}

// TestSlicesSkipGob: a Raft's AppendEntries arguments (a slice of entries
// whose commands are predeclared values) travel without gob, and copy
// each element into fresh memory; an entry holding another type takes
// gob's way.
func TestSlicesSkipGob(t *testing.T) {
	w := New[wireSlices]()
	if w.p.viaGob || !w.p.ifaces || w.p.whole {
		t.Fatalf("program %+v", w.p)
	}
	src := wireSlices{Entries: []wireEntry{{Term: 1, Command: 5}, {Term: 2, Command: "x"}}, Strs: []string{"a", ""}}
	var dst wireSlices
	if err := w.IntoZero(&dst, &src); err != nil {
		t.Fatal(err)
	}
	src.Entries[0].Command, src.Strs[0] = 6, "b"
	if dst.Entries[0].Command != 5 || dst.Strs[0] != "a" || len(dst.Strs) != 2 {
		t.Errorf("the copy shares memory with the source: %+v", dst)
	}
	if !w.p.check(unsafe.Pointer(&src)) {
		t.Error("predeclared commands take gob's way")
	}
	src.Entries[1].Command = wireInner{}
	if w.p.check(unsafe.Pointer(&src)) {
		t.Error("a struct command skips gob")
	}
	if n := testing.AllocsPerRun(100, func() { w.IntoZero(&dst, &src) }); n < 10 {
		t.Errorf("a struct command took %v allocations: no gob round trip?", n)
	}
	src.Entries[1].Command = 3
	if n := testing.AllocsPerRun(100, func() { dst = wireSlices{}; w.IntoZero(&dst, &src) }); n > 6 {
		t.Errorf("%v allocations for a copy without gob", n)
	}
}

// TestValueChecksTypes: a Value delivers only pointers to its own type.
func TestValueChecksTypes(t *testing.T) {
	v := NewValue(reflect.TypeFor[wireInner]())
	var dst wireInner
	for _, src := range []any{&wireFlat{}, wireInner{}, (*wireInner)(nil)} {
		if err := v.IntoZero(&dst, src); err == nil {
			t.Errorf("IntoZero(&dst, %T) succeeded", src)
		}
	}
	if err := v.IntoZero(&dst, &wireInner{Name: "x"}); err != nil || dst.Name != "x" {
		t.Errorf("IntoZero: %v, %+v", err, dst)
	}
}

func TestWireRejectsWhatGobRejects(t *testing.T) {
	type hidden struct{ n int }
	w := New[hidden]()
	var dst hidden
	err := w.Into(&dst, &hidden{1})
	if err == nil || !strings.Contains(err.Error(), "no exported fields") {
		t.Errorf("err = %v, want gob's \"no exported fields\"", err)
	}
}

type unregistered struct{ X int }

type viaStream struct {
	M map[string]int
	A any
}

// TestStreamsSurviveErrors: the gob streams a type's values share stay
// right after a value that gob refuses (an unregistered type in an
// interface): the next values arrive whole, each as a fresh decoder would
// have it.
func TestStreamsSurviveErrors(t *testing.T) {
	w := New[viaStream]()
	for i := range 5 {
		src := viaStream{M: map[string]int{"k": i}, A: i}
		if i == 2 {
			src.A = unregistered{X: i}
		}
		var dst viaStream
		err := w.IntoZero(&dst, &src)
		if i == 2 {
			if err == nil {
				t.Fatal("an unregistered type in an interface went through")
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(dst, src) {
			t.Fatalf("value %d: %+v, %v; want %+v", i, dst, err, src)
		}
	}
}
