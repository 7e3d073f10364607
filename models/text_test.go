package models

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kvsim/kvsim/kv/rpc"
)

func TestFormatKV(t *testing.T) {
	ops := []KVOp{
		{Client: 0, Input: KVInput{Op: OpPut, Key: "k1", Value: "x", Version: 0}, Output: KVOutput{Err: rpc.OK}, Call: 1, Return: 4},
		{Client: 1, Input: KVInput{Op: OpGet, Key: "k1"}, Output: KVOutput{Value: "x", Version: 1, Err: rpc.OK}, Call: 2, Return: 6},
		{Client: 2, Input: KVInput{Op: OpPut, Key: "k1", Value: "y", Version: 1}, Output: KVOutput{Unknown: true}, Call: 3},
		{Client: 3, Input: KVInput{Op: OpGet, Key: "a b,(c)"}, Output: KVOutput{Err: rpc.ErrNoKey}, Call: -5, Return: 7},
		{Client: 3, Input: KVInput{Op: OpPut, Key: "", Value: "q\"\n#", Version: 9}, Output: KVOutput{Err: "odd err"}, Call: 8, Return: 9},
		{Client: 4, Input: KVInput{Op: OpGet, Key: "k/2.x:y-z_"}, Output: KVOutput{Value: "", Version: 0, Err: rpc.OK}, Call: 10, Return: 10},
	}
	want := `c0 [1,4] put(k1, "x", v0) -> OK
c1 [2,6] get(k1) -> "x"@v1
c2 [3,?] put(k1, "y", v1) -> ?
c3 [-5,7] get("a b,(c)") -> ErrNoKey
c3 [8,9] put("", "q\"\n#", v9) -> "odd err"
c4 [10,10] get(k/2.x:y-z_) -> ""@v0
`
	text := FormatKV(ops)
	if text != want {
		t.Fatalf("FormatKV:\n%s\nwant:\n%s", text, want)
	}
	back, err := ParseKV(text)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, ops) {
		t.Errorf("ParseKV(FormatKV(ops)) differs:\n got %+v\nwant %+v", back, ops)
	}
}

func TestFormatKVRoundTripsGeneratedHistories(t *testing.T) {
	for seed := range uint64(20) {
		ops := genKV(seed, 5, 200, 5)
		back, err := ParseKV(FormatKV(ops))
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !reflect.DeepEqual(back, ops) {
			t.Fatalf("seed %d: round trip differs", seed)
		}
	}
}

func TestParseKVLayout(t *testing.T) {
	ops, err := ParseKV("\n# a comment\n\t c0 [ 1 , 2 ]  get( k1 )->ErrNoKey   # trailing\r\n\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []KVOp{{Client: 0, Input: KVInput{Op: OpGet, Key: "k1"}, Output: KVOutput{Err: rpc.ErrNoKey}, Call: 1, Return: 2}}
	if !reflect.DeepEqual(ops, want) {
		t.Errorf("got %+v, want %+v", ops, want)
	}
}

func TestParseKVErrors(t *testing.T) {
	tests := []struct{ text, err string }{
		{`x0 [1,2] get(k) -> OK`, `line 1, column 1: expected "c"`},
		{"\nc0 [1,2] del(k) -> OK", `line 2, column 10: expected get or put, found "del"`},
		{`c0 [1,x] get(k) -> OK`, `column 7: expected an integer, found "x"`},
		{`c0 [1,2] put(k, "v", 3) -> OK`, `expected a version like v3, found "3"`},
		{`c0 [1,2] put(k, "v) -> OK`, `column 17: expected a quoted string`},
		{`c0 [1,2] get(k) -> `, `expected ?, "value"@vN or an error`},
		{`c0 [1,?] get(k) -> OK`, `needs ? both for the return and the output`},
		{`c0 [1,2] get(k) -> ?`, `needs ? both for the return and the output`},
		{`c0 [1,2] get(k) -> OK OK`, `unexpected text after the output`},
		{`c0 [1,2] get(k) -> "a"@x1`, `expected a version like v3`},
	}
	for _, tt := range tests {
		_, err := ParseKV(tt.text)
		if err == nil || !strings.Contains(err.Error(), strings.TrimSpace(tt.err)) {
			t.Errorf("ParseKV(%q) error %v, want one containing %q", tt.text, err, tt.err)
		}
	}
}
