package models

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestKVHistories checks every hand-made history in testdata/kv. Each file
// states its expected verdict on a line "# want: <Verdict>".
func TestKVHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "kv", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no histories in testdata/kv (%v)", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			text, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want := wantVerdict(t, string(text))
			ops, err := ParseKV(string(text))
			if err != nil {
				t.Fatal(err)
			}
			for _, check := range []func([]KVOp, time.Duration) CheckResult{CheckKV, CheckKVPorcupine} {
				if r := check(ops, 0); r.Verdict != want {
					t.Errorf("%s: verdict %v, want %v; reason: %s\n%s", r.Checker, r.Verdict, want, r.Reason, FormatKV(ops))
				}
			}
		})
	}
}

func wantVerdict(t *testing.T, text string) CheckVerdict {
	t.Helper()
	for line := range strings.Lines(text) {
		if w, ok := strings.CutPrefix(strings.TrimSpace(line), "# want: "); ok {
			for _, v := range []CheckVerdict{Ok, Violation, Unknown} {
				if w == v.String() {
					return v
				}
			}
			t.Fatalf("unknown verdict %q", w)
		}
	}
	t.Fatal(`no "# want: <Verdict>" line`)
	return 0
}

// TestKVReason covers the reasons porcupine's partial linearizations give.
func TestKVReason(t *testing.T) {
	tests := []struct {
		name, history, reason string
	}{
		{
			name: "names the key and shows where linearization got stuck",
			history: `
				c0 [1,2] put(k1, "a", v0) -> OK
				c1 [1,2] put(k2, "a", v0) -> OK
				c0 [3,4] get(k1) -> "a"@v1
				c1 [3,4] get(k2) -> "z"@v1`,
			reason: `key k2 is not linearizable: only 1 of 2 ops linearize, ending put(k2, "a", v0) -> OK in state "a"@v1`,
		},
		{
			name: "shows only the end of a long prefix, and the other bad keys",
			history: `
				c0 [1,2]  put(k1, "a", v0) -> OK
				c0 [3,4]  put(k1, "b", v1) -> OK
				c0 [5,6]  put(k1, "c", v2) -> ErrMaybe
				c0 [7,8]  get(k1) -> "b"@v2
				c0 [9,10] get(k1) -> "c"@v3
				c1 [1,2]  get("odd key") -> ErrVersion`,
			reason: `key k1 is not linearizable: only 4 of 5 ops linearize, ending ...; put(k1, "b", v1) -> OK; put(k1, "c", v2) -> ErrMaybe; get(k1) -> "b"@v2 in state "b"@v2 (also key "odd key")`,
		},
		{
			name:    "nothing linearizes",
			history: `c0 [1,2] get(k1) -> "a"@v1`,
			reason:  `key k1 is not linearizable: only 0 of 1 ops linearize`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops, err := ParseKV(tt.history)
			if err != nil {
				t.Fatal(err)
			}
			r := CheckKVPorcupine(ops, 0)
			if r.Verdict != Violation || r.Reason != tt.reason {
				t.Errorf("got %v: %s\nwant Violation: %s", r.Verdict, r.Reason, tt.reason)
			}
		})
	}
}

func TestKVModelStates(t *testing.T) {
	// After an ErrMaybe Put the key may be in either state, and the
	// visualization says so.
	ops, err := ParseKV(`
		c0 [1,2] put(k1, "a", v0) -> OK
		c0 [3,4] put(k1, "b", v1) -> ErrMaybe`)
	if err != nil {
		t.Fatal(err)
	}
	m := KVModel()
	state := m.Init()
	if got := m.DescribeState(state); got != "absent" {
		t.Errorf("initial state %s, want absent", got)
	}
	for _, op := range ops {
		var ok bool
		if ok, state = m.Step(state, op.Input, op.Output); !ok {
			t.Fatalf("step %s refused", m.DescribeOperation(op.Input, op.Output))
		}
	}
	if got, want := m.DescribeState(state), `{"a"@v1, "b"@v2}`; got != want {
		t.Errorf("state %s, want %s", got, want)
	}
}
