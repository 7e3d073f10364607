package lab

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Problem is one thing in the student's code that kvsim cannot simulate.
type Problem struct {
	Pos  token.Position // file name as the user names the folder
	What string
}

func (p Problem) String() string { return fmt.Sprintf("%s: %s", p.Pos, p.What) }

// UnsupportedError lists every problem Check found.
type UnsupportedError struct{ Problems []Problem }

func (e *UnsupportedError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = "  " + p.String()
	}
	return fmt.Sprintf("the folder uses %d construct(s) kvsim cannot simulate deterministically:\n%s", len(e.Problems), strings.Join(lines, "\n"))
}

// srcFile is one of the student's Go files, parsed.
type srcFile struct {
	rel  string // path inside the folder, e.g. "lock/lock.go"
	dir  string // its package's directory inside the folder: ".", "lock", "util"
	path string // path as the user names it, for messages
	src  []byte
	fset *token.FileSet
	ast  *ast.File
}

// folder is the student's code: the package of the lab's folder (kvsrv,
// raft), the lock package if any, and any packages of the student's own
// below the folder.
type folder struct {
	root    string // as the user names it
	kind    *kind
	files   []srcFile
	hasLock bool
	// dirs are the folder's package directories.
	dirs []string
}

// readFolder finds and parses the student's files: every non-test .go file
// of dir (package kvsrv or raft), of dir/lock (package lock) and of any
// other directory below dir (the student's own packages), except the
// course harness's files (test.go; raft1's server.go) and the course's rpc
// package, which kvsim provides; and those of the kind's siblings (a
// kvraft1 folder's ../raft1), named "../raft1/raft.go".
func readFolder(dir string) (*folder, error) {
	k, err := kindOf(dir)
	if err != nil {
		return nil, err
	}
	f := &folder{root: dir, kind: k}
	walk := func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			name := d.Name()
			if rel != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || slices.Contains(k.skip, rel)) {
				return filepath.SkipDir
			}
			return nil
		}
		base := d.Name()
		if !strings.HasSuffix(base, ".go") || strings.HasSuffix(base, "_test.go") || slices.Contains(k.staff, rel) {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fset := token.NewFileSet()
		af, err := parser.ParseFile(fset, p, src, parser.ParseComments)
		if err != nil {
			return err
		}
		pkgDir := path.Dir(rel)
		want := k.sub[pkgDir]
		if pkgDir == "." {
			want = k.pkg
		}
		if want != "" && af.Name.Name != want {
			return fmt.Errorf("%s: package %s, want package %s", p, af.Name.Name, want)
		}
		if !slices.Contains(f.dirs, pkgDir) {
			f.dirs = append(f.dirs, pkgDir)
		}
		f.files = append(f.files, srcFile{rel: rel, dir: pkgDir, path: p, src: src, fset: fset, ast: af})
		f.hasLock = f.hasLock || pkgDir == "lock"
		return nil
	}
	roots := append([]string{"."}, k.siblings...)
	if k.ownAPI != "" {
		if st, err := os.Stat(filepath.Join(dir, k.ownAPI)); err == nil && st.IsDir() {
			roots = append(roots, k.ownAPI)
		}
	}
	for _, root := range roots {
		if err := filepath.WalkDir(filepath.Join(dir, root), walk); err != nil {
			return nil, err
		}
	}
	f.dropUnused()
	return f, nil
}

// dropUnused leaves out the packages of the folder that nothing kvsim
// builds imports: neither the folder's own package, nor a subdirectory
// its kind names (a kvsrv1 folder's lock/, a shardkv1 folder's shardgrp/,
// the siblings), nor the tree's own raftapi, directly or through another.
// go build leaves them out of the course's tests too: a stray copy of a
// course folder inside the folder, or a scratch package that does not
// build, is no reason to refuse it.
func (f *folder) dropUnused() {
	imports := map[string][]string{} // by directory
	for _, sf := range f.files {
		for _, im := range sf.ast.Imports {
			if p, err := strconv.Unquote(im.Path.Value); err == nil {
				imports[sf.dir] = append(imports[sf.dir], p)
			}
		}
	}
	dirOf := map[string]string{} // by import path
	for _, d := range f.dirs {
		dirOf[f.kind.importPath(d)] = d
	}
	used := map[string]bool{}
	var use func(d string)
	use = func(d string) {
		if used[d] || !slices.Contains(f.dirs, d) {
			return
		}
		used[d] = true
		for _, p := range imports[d] {
			if dep, ok := dirOf[p]; ok {
				use(dep)
			}
		}
	}
	use(".")
	for d := range f.kind.sub {
		use(d)
	}
	for _, d := range f.kind.siblings {
		use(d)
	}
	if f.kind.ownAPI != "" {
		use(f.kind.ownAPI)
	}
	f.dirs = slices.DeleteFunc(f.dirs, func(d string) bool { return !used[d] })
	f.files = slices.DeleteFunc(f.files, func(sf srcFile) bool { return !used[sf.dir] })
}

// Check reports what in the folder kvsim cannot simulate, as an
// *UnsupportedError, or a folder it cannot read.
func Check(dir string) error {
	f, err := readFolder(dir)
	if err != nil {
		return err
	}
	return f.check()
}

func (f *folder) check() error {
	var probs []Problem
	for _, sf := range f.files {
		probs = append(probs, f.checkFile(sf)...)
	}
	if len(probs) > 0 {
		return &UnsupportedError{probs}
	}
	return nil
}

// Calls into these packages that the simulator cannot keep deterministic,
// and why. Everything else of the standard library runs: goroutines,
// channels, select, sync, time's clock and timers, math/rand, crypto/rand,
// log.Fatal and os.Exit are rewritten (see rewrite.go), package-level
// variables start fresh in every run, and sync/atomic runs as it is (a
// spin on an atomic flag is caught as a spin).
var forbiddenCalls = map[string]map[string]string{
	"reflect": {"Select": "reflect.Select is not simulated: write a select statement"},
	"runtime": {"LockOSThread": threads, "UnlockOSThread": threads},
	"context": {
		"WithTimeoutCause": causes, "WithDeadlineCause": causes, "WithCancelCause": causes, "Cause": causes,
		"AfterFunc": causes, "WithoutCancel": causes,
	},
	"os": {
		"Open": files, "OpenFile": files, "Create": files, "ReadFile": files, "WriteFile": files,
		"Remove": files, "RemoveAll": files, "Mkdir": files, "MkdirAll": files, "ReadDir": files,
		"Rename": files, "CreateTemp": files, "MkdirTemp": files,
	},
}

// forbiddenImports are packages the simulator cannot run at all.
var forbiddenImports = map[string]string{
	"unsafe":   "unsafe memory is beyond what kvsim can keep deterministic",
	"C":        "cgo runs outside the simulator",
	"net":      "real network connections: the simulated network is the course's labrpc (Call)",
	"net/http": "real network connections: the simulated network is the course's labrpc (Call)",
	"net/rpc":  "real network connections: the simulated network is the course's labrpc (Call)",
	"os/exec":  "other processes run outside the simulator",
}

const (
	threads = "OS threads are not simulated: goroutines are the scheduler's"
	causes  = "kvsim's context runs Background, TODO, WithCancel, WithDeadline, WithTimeout and WithValue on the simulator: use those"
	files   = "real files outside the run: keep state in memory, or in the Persister (a file opened with os.OpenFile only to be written, O_WRONLY, runs: its writes go nowhere)"
)

// standIns are the imports the rewriter points at kvsim's deterministic
// stand-ins (package labrt/stand/...).
var standIns = map[string]string{
	"math/rand":                      labrtPath + "/stand/mathrand",
	"math/rand/v2":                   labrtPath + "/stand/randv2",
	"crypto/rand":                    labrtPath + "/stand/cryptorand",
	"github.com/google/uuid":         labrtPath + "/stand/uuid",
	"github.com/sasha-s/go-deadlock": labrtPath + "/stand/deadlock",
	"context":                        labrtPath + "/stand/context",
	"sync":                           labrtPath + "/stand/sync",
}

// rewrittenCalls are the calls the rewriter sends to labrt, by package
// path and name: labrt's function of the given name.
var rewrittenCalls = map[string]map[string]string{
	"time": {
		"Sleep": "Sleep", "Now": "Now", "Since": "Since", "Until": "Until",
		"After": "After", "AfterFunc": "AfterFunc", "NewTimer": "NewTimer", "NewTicker": "NewTicker", "Tick": "Tick",
		"Timer": "Timer", "Ticker": "Ticker",
	},
	"runtime": {"Gosched": "Gosched"},
	"log":     {"Fatal": "Fatal", "Fatalf": "Fatalf", "Fatalln": "Fatalln"},
	"os":      {"Exit": "OSExit", "OpenFile": "OpenFile"},
}

// writeOnlyFlags are the flags of an os.OpenFile kvsim runs (on the null
// device: labrt.OpenFile): a file opened to be written, never read, as a
// debug log is.
var writeOnlyFlags = map[string]bool{"O_WRONLY": true, "O_CREATE": true, "O_APPEND": true, "O_TRUNC": true, "O_SYNC": true, "O_EXCL": true}

// writeOnly reports whether flag, an os.OpenFile's flag as written, is
// os's O_ constants or'ed together, O_WRONLY among them, none that reads;
// os is the file's name for package os.
func writeOnly(flag ast.Expr, os string) bool {
	wrOnly := false
	var ok func(e ast.Expr) bool
	ok = func(e ast.Expr) bool {
		switch e := e.(type) {
		case *ast.ParenExpr:
			return ok(e.X)
		case *ast.BinaryExpr:
			return e.Op == token.OR && ok(e.X) && ok(e.Y)
		case *ast.SelectorExpr:
			id, isIdent := e.X.(*ast.Ident)
			if !isIdent || id.Name != os || !writeOnlyFlags[e.Sel.Name] {
				return false
			}
			wrOnly = wrOnly || e.Sel.Name == "O_WRONLY"
			return true
		}
		return false
	}
	return ok(flag) && wrOnly
}

// importName is the name a file knows an import by.
func importName(imp *ast.ImportSpec) (path, name string) {
	path, _ = strconv.Unquote(imp.Path.Value)
	name = filepath.Base(path)
	switch path {
	case "math/rand/v2":
		name = "rand"
	}
	if imp.Name != nil {
		name = imp.Name.Name
	}
	return path, name
}

func (f *folder) checkFile(sf srcFile) []Problem {
	var probs []Problem
	add := func(pos token.Pos, format string, args ...any) {
		p := sf.fset.Position(pos)
		p.Filename = sf.path
		probs = append(probs, Problem{Pos: p, What: fmt.Sprintf(format, args...)})
	}
	// Local names of the imported packages that matter.
	pkgs := map[string]string{} // local name -> path
	for _, imp := range sf.ast.Imports {
		path, name := importName(imp)
		first, _, _ := strings.Cut(path, "/")
		switch {
		case strings.HasPrefix(path, "6.5840/"):
			if !slices.Contains(f.kind.course, path) && !f.ownImport(path) {
				add(imp.Pos(), "import %q: kvsim lab provides %s and the folder's own packages", path, strings.Join(f.kind.course, ", "))
			}
		case strings.Contains(first, ".") && standIns[path] == "":
			add(imp.Pos(), "import %q: a module outside the standard library, which kvsim cannot make deterministic (it has stand-ins for github.com/google/uuid and github.com/sasha-s/go-deadlock only)", path)
		case name == "." && (forbiddenCalls[path] != nil || rewrittenCalls[path] != nil):
			add(imp.Pos(), "dot import of %q: import it by name so kvsim can see its calls", path)
		case forbiddenImports[path] != "":
			add(imp.Pos(), "import %q: %s", path, forbiddenImports[path])
		}
		pkgs[name] = path
	}
	// os.OpenFile of a file only written (a debug log) runs: on the null
	// device.
	allowed := map[*ast.SelectorExpr]bool{}
	ast.Inspect(sf.ast, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok && len(call.Args) == 3 {
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "OpenFile" {
				if id, ok := sel.X.(*ast.Ident); ok && id.Obj == nil && pkgs[id.Name] == "os" && writeOnly(call.Args[1], id.Name) {
					allowed[sel] = true
				}
			}
		}
		return true
	})
	ast.Inspect(sf.ast, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok || allowed[sel] {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok || id.Obj != nil { // a local variable, not a package
			return true
		}
		path := pkgs[id.Name]
		if why := forbiddenCalls[path][sel.Sel.Name]; why != "" {
			add(sel.Pos(), "%s.%s: %s", path, sel.Sel.Name, why)
		}
		return true
	})
	return probs
}

// ownImport reports whether path is one of the folder's own packages.
func (f *folder) ownImport(path string) bool {
	for _, d := range f.dirs {
		if f.kind.importPath(d) == path {
			return true
		}
	}
	return false
}
