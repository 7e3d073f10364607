package lab

import (
	"errors"
	"flag"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestCheck: the correct folder passes (TestBuggyFoldersFail checks the
// buggy ones); the one with every refused construct gets each named with its file:line, as the golden file says.
func TestCheck(t *testing.T) {
	if err := Check("testdata/good"); err != nil {
		t.Errorf("good: %v", err)
	}
	err := Check("testdata/unsupported")
	var u *UnsupportedError
	if !errors.As(err, &u) {
		t.Fatalf("unsupported: got %v, want an *UnsupportedError", err)
	}
	const golden = "testdata/unsupported.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(err.Error()+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, rerr := os.ReadFile(golden)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if got := err.Error() + "\n"; got != string(want) {
		t.Errorf("unsupported: got\n%s\nwant (%s, -update rewrites it)\n%s", got, golden, want)
	}
}

func TestCheckBadFolder(t *testing.T) {
	for _, tc := range []struct{ dir, want string }{
		{"testdata/nonesuch", "not a folder"},
		{"testdata/good/lock", "no server.go"},
	} {
		if err := Check(tc.dir); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check(%s) = %v, want an error saying %q", tc.dir, err, tc.want)
		}
	}
}

// TestRewrite: time.Sleep, however the time package is named, becomes
// labrt's, on the same line; a local variable named time is left alone;
// a for loop (not a range, which ends) checks its budget, on its brace's
// line; an import pointed at a stand-in adds no labrt import.
func TestRewrite(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{
			"no sleep",
			"package kvsrv\n\nfunc f() {}\n",
			"//line /abs/f.go:1\npackage kvsrv\n\nfunc f() {}\n",
		},
		{
			"sleep",
			"package kvsrv\n\nimport \"time\"\n\nfunc f() {\n\ttime.Sleep(time.Millisecond)\n}\n",
			"//line /abs/f.go:1\npackage kvsrv; import kvsimlab \"github.com/kvsim/kvsim/lab/labrt\"\n\nimport \"time\"\n\nfunc f() {\n\tkvsimlab.Sleep(time.Millisecond)\n}\n\nvar _ = time.Duration(0)\n",
		},
		{
			"renamed import",
			"package lock\n\nimport tm \"time\"\n\nfunc f() { tm.Sleep(1) }\n",
			"//line /abs/f.go:1\npackage lock; import kvsimlab \"github.com/kvsim/kvsim/lab/labrt\"\n\nimport tm \"time\"\n\nfunc f() { kvsimlab.Sleep(1) }\n\nvar _ = tm.Duration(0)\n",
		},
		{
			"shadowed",
			"package lock\n\nimport \"time\"\n\ntype clock struct{}\n\nfunc (clock) Sleep(time.Duration) {}\n\nfunc f() {\n\ttime := clock{}\n\ttime.Sleep(1)\n}\n",
			"//line /abs/f.go:1\npackage lock\n\nimport \"time\"\n\ntype clock struct{}\n\nfunc (clock) Sleep(time.Duration) {}\n\nfunc f() {\n\ttime := clock{}\n\ttime.Sleep(1)\n}\n",
		},
		{
			"loops",
			"package kvsrv\n\nfunc f(n int) {\n\tfor i := 0; i < n; i++ {\n\t}\n\tfor range n {\n\t}\n}\n",
			"//line /abs/f.go:1\npackage kvsrv; import kvsimlab \"github.com/kvsim/kvsim/lab/labrt\"\n\nfunc f(n int) {\n\tfor i := 0; i < n; i++ { kvsimlab.Spin();\n\t}\n\tfor range n {\n\t}\n}\n",
		},
		{
			"stand-in alone",
			"package kvsrv\n\nimport \"sync\"\n\nvar _ sync.Locker\n",
			"//line /abs/f.go:1\npackage kvsrv\n\nimport \"github.com/kvsim/kvsim/lab/labrt/stand/sync\"\n\nvar _ sync.Locker\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "f.go", tc.src, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			got := string(rewrite(srcFile{rel: "f.go", path: "f.go", src: []byte(tc.src), fset: fset, ast: f}, "/abs/f.go"))
			if got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
			if _, err := parser.ParseFile(token.NewFileSet(), "f.go", got, 0); err != nil {
				t.Errorf("the rewrite does not parse: %v", err)
			}
		})
	}
}

// TestPrune keeps the most recently used programs and drops what a killed
// build left behind an hour ago.
func TestPrune(t *testing.T) {
	cache := t.TempDir()
	old := time.Now().Add(-2 * time.Hour)
	for i, name := range []string{"a", "b", "c", "build-1", "build-2"} {
		dir := filepath.Join(cache, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		used := old.Add(time.Duration(i) * time.Minute) // a oldest, then b, c
		if name == "build-2" {
			used = time.Now() // still building
		}
		if err := os.Chtimes(dir, used, used); err != nil {
			t.Fatal(err)
		}
	}
	if err := prune(cache, 2); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if want := []string{"b", "build-2", "c"}; !slices.Equal(got, want) {
		t.Errorf("after pruning: %v, want %v", got, want)
	}
}
