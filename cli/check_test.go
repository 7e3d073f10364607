package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("good.txt", `# a race the first put wins
c0 [1,2] put(k, "a", v0) -> OK
c1 [1,3] put(k, "b", v0) -> ErrMaybe
c0 [4,5] get(k) -> "a"@v1
`)
	stale := write("stale.txt", `c0 [10,20] put(k, "a", v0) -> OK

c1 [30,40] put(k, "b", v1) -> OK
c3 [41,45] get(k) -> "b"@v2
# the next read is stale
c2 [52,60] get(k) -> "a"@v1
`)
	garbled := write("garbled.txt", "c0 [1,2] put(k, \"a\", v0) -> OK\nc1 [3,4] get(k) => OK\n")
	backwards := write("backwards.txt", "\n\nc1 [5,4] get(k) -> ErrNoKey\n")
	empty := write("empty.txt", "# nothing yet\n\n")
	garbage := write("garbage.txt", "hello\n")
	one := write("one.txt", "c0 [1,2] get(k) -> ErrNoKey\n")
	viz := filepath.Join(dir, "viz.html")

	tests := []struct {
		name     string
		args     []string
		code     int
		out, err []string // substrings of stdout and stderr
	}{
		{"linearizable", []string{"--history", good, "--viz", viz}, exitOK, []string{"linearizable: 3 ops (fast checker)\n"}, nil},
		{"violation", []string{"--history", stale}, exitFailure, []string{
			`not linearizable: key k is not linearizable: put(k, "b", v1) -> OK returned at t=40 before get(k) -> "a"@v1 was called at t=52: the get saw a state already overwritten`,
			"core (2 of 4 ops;",
			"  line 3: c1 [30,40] put(k, \"b\", v1) -> OK\n  line 6: c2 [52,60] get(k) -> \"a\"@v1\n",
		}, nil},
		{"missing file", []string{"--history", filepath.Join(dir, "nope.txt")}, exitUsage, nil, []string{"nope.txt: no such file"}},
		{"garbled", []string{"--history", garbled}, exitUsage, nil, []string{"garbled.txt: line 2, column 17: expected \"->\""}},
		{"return before call", []string{"--history", backwards}, exitUsage, nil, []string{"backwards.txt: line 3: returns at 4, before its call at 5"}},
		{"no history", nil, exitUsage, nil, []string{"check needs --history FILE"}},
		{"one op", []string{"--history", one}, exitOK, []string{"linearizable: 1 op (fast checker)\n"}, nil},
		{"empty", []string{"--history", empty}, exitUsage, nil, []string{"empty.txt has no operations to check (only blank lines and # comments); each line is one operation, as in a run's history.txt: c0 [1,4] put(k1, \"x\", v0) -> OK, "}},
		{"garbage", []string{"--history", garbage}, exitUsage, nil, []string{`garbage.txt: line 1, column 1: expected "c"; each line is one operation, as in a run's history.txt: c0 [1,4] put(k1, "x", v0) -> OK, c1 [2,5] get(k1) -> "x"@v1 or c2 [3,6] get(k2) -> ErrNoKey`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runKvsim(append([]string{"check"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			for _, want := range tt.out {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			for _, want := range tt.err {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
		})
	}
	if html, err := os.ReadFile(viz); err != nil || !strings.Contains(string(html), `get(k) -\u003e \"a\"@v1`) {
		t.Errorf("visualization: %v", err)
	}
}
