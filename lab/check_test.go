package lab

import (
	"errors"
	"flag"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
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
			"goroutines and channels",
			"package kvsrv\n\nfunc f(xs []int, g func(int, string)) {\n\tch := make(chan int, 2)\n\tvar done chan<- bool = make(chan bool)\n\tgo g(len(xs), \"a\")\n\tgo func(n int) {\n\t\tch <- n\n\t}(3)\n\tv, ok := <-ch\n\t_, _, _ = v, ok, <-ch\n\tfor x := range ch {\n\t\t_ = x + len(ch) + cap(ch)\n\t}\n\tclose(done)\n}\n",
			"//line /abs/f.go:1\npackage kvsrv; import kvsimlab \"github.com/kvsim/kvsim/lab/labrt\"\n\nfunc f(xs []int, g func(int, string)) {\n\tch := kvsimlab.MakeChan[int](2)\n\tvar done *kvsimlab.Chan[bool] = kvsimlab.MakeChan[bool](0)\n\t{ kvsimF1, kvsimA2 := g, len(xs); kvsimlab.Go(\"g\", func() { kvsimF1(kvsimA2, \"a\") }) }\n\tkvsimlab.Go(\"func literal at line 7\", func() { func(n int) {\n\t\tkvsimlab.Send(ch, n)\n\t}(3) })\n\tv, ok := kvsimlab.Recv2(ch)\n\t_, _, _ = v, ok, kvsimlab.Recv(ch)\n\tfor x := range kvsimlab.Range(ch) {\n\t\t_ = x + kvsimlab.Len(ch) + kvsimlab.Cap(ch)\n\t}\n\tkvsimlab.Close(done)\n}\n",
		},
		{
			"select and timers",
			"package kvsrv\n\nimport \"time\"\n\nfunc f(in chan int, out chan string) int {\n\tt := time.NewTimer(time.Second)\n\tvar stop *time.Timer = t\n\tdefer stop.Stop()\n\tfor {\n\t\tselect {\n\t\tcase v, ok := <-in:\n\t\t\tif !ok {\n\t\t\t\treturn v\n\t\t\t}\n\t\tcase out <- \"x\":\n\t\tcase <-t.C:\n\t\t\treturn 1\n\t\tcase <-time.After(time.Millisecond):\n\t\tdefault:\n\t\t\tbreak\n\t\t}\n\t}\n}\n",
			"//line /abs/f.go:1\npackage kvsrv; import kvsimlab \"github.com/kvsim/kvsim/lab/labrt\"\n\nimport \"time\"\n\nfunc f(in *kvsimlab.Chan[int], out *kvsimlab.Chan[string]) int {\n\tt := kvsimlab.NewTimer(time.Second)\n\tvar stop *kvsimlab.Timer = t\n\tdefer stop.Stop()\n\tfor { kvsimlab.Spin();\n\t\tswitch kvsimC1, kvsimC2, kvsimC3 := in, t.C, kvsimlab.After(time.Millisecond); kvsimlab.Select(kvsimC1.RecvCase(), (out).SendCase(\"x\"), kvsimC2.RecvCase(), kvsimC3.RecvCase(), kvsimlab.Default()) {\n\t\tcase 0: v, ok := kvsimC1.Received();\n\t\t\tif !ok {\n\t\t\t\treturn v\n\t\t\t}\n\t\tcase 1:\n\t\tcase 2:\n\t\t\treturn 1\n\t\tcase 3:\n\t\tdefault:\n\t\t\tbreak\n\t\t}\n\t}\n}\n\nvar _ = time.Duration(0)\n",
		},
		{
			"map range",
			"package kvsrv\n\nvar m = map[string]int{\"a\": 1}\n\nfunc f() (n int) {\n\tfor k, v := range m {\n\t\tn += len(k) + v\n\t}\n\tfor i := range []int{1} {\n\t\tn += i\n\t}\n\treturn n\n}\n",
			"//line /abs/f.go:1\npackage kvsrv; import kvsimlab \"github.com/kvsim/kvsim/lab/labrt\"\n\nvar m = map[string]int{\"a\": 1}\n\nfunc f() (n int) {\n\tfor k, v := range kvsimlab.MapRange(m) {\n\t\tn += len(k) + v\n\t}\n\tfor i := range []int{1} {\n\t\tn += i\n\t}\n\treturn n\n}\n\n//line kvsim-package-state-of-f.go:1\nfunc init() {\n\tkvsimlab.RegisterReset(\"\", func() {\n\t\tm = map[string]int{\"a\": 1}\n\t}, func() {\n\t})\n}\n",
		},
		{
			"stand-in alone",
			"package kvsrv\n\nimport \"sync\"\n\nvar _ sync.Locker\n",
			"//line /abs/f.go:1\npackage kvsrv\n\nimport \"github.com/kvsim/kvsim/lab/labrt/stand/sync\"\n\nvar _ sync.Locker\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(rewriteOne(t, tc.src))
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

// rewriteOne type-checks src, a file of the standard library's imports
// only, and rewrites it.
func rewriteOne(t *testing.T, src string) []byte {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "f.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	info := &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{}, Instances: map[*ast.Ident]types.Instance{},
	}
	conf := types.Config{Importer: importer.Default()}
	if _, err := conf.Check("p", fset, []*ast.File{f}, info); err != nil {
		t.Fatalf("the test's source does not type-check: %v", err)
	}
	out, probs := rewrite(srcFile{rel: "f.go", path: "f.go", src: []byte(src), fset: fset, ast: f}, "/abs/f.go", info)
	if len(probs) > 0 {
		t.Fatalf("refused: %v", probs)
	}
	return out
}
