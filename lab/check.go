package lab

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
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
	path string // path as the user names it, for messages
	src  []byte
	fset *token.FileSet
	ast  *ast.File
}

// folder is the student's code: package kvsrv, and package lock if any.
type folder struct {
	files   []srcFile
	hasLock bool
}

// courseImports are the course's packages that kvsim lab provides.
var courseImports = []string{"6.5840/kvsrv1/rpc", "6.5840/kvtest1", "6.5840/tester1", "6.5840/labrpc"}

// readFolder finds and parses the student's files: every non-test .go file
// of dir (package kvsrv) and of dir/lock (package lock), except the course
// harness's test.go.
func readFolder(dir string) (*folder, error) {
	f := &folder{}
	for _, need := range []string{"server.go", "client.go"} {
		if _, err := os.Stat(filepath.Join(dir, need)); err != nil {
			return nil, fmt.Errorf("%s: no %s: want a folder laid out like the course's kvsrv1 (server.go, client.go, lock/lock.go)", dir, need)
		}
	}
	for _, sub := range []struct{ rel, pkg string }{{".", "kvsrv"}, {"lock", "lock"}} {
		names, err := filepath.Glob(filepath.Join(dir, sub.rel, "*.go"))
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			base := filepath.Base(name)
			if strings.HasSuffix(base, "_test.go") || base == "test.go" {
				continue
			}
			src, err := os.ReadFile(name)
			if err != nil {
				return nil, err
			}
			fset := token.NewFileSet()
			af, err := parser.ParseFile(fset, name, src, parser.ParseComments)
			if err != nil {
				return nil, err
			}
			if af.Name.Name != sub.pkg {
				return nil, fmt.Errorf("%s: package %s, want package %s", name, af.Name.Name, sub.pkg)
			}
			f.files = append(f.files, srcFile{rel: filepath.ToSlash(filepath.Join(sub.rel, base)), path: name, src: src, fset: fset, ast: af})
			f.hasLock = f.hasLock || sub.pkg == "lock"
		}
	}
	return f, nil
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
		probs = append(probs, checkFile(sf)...)
	}
	if len(probs) > 0 {
		return &UnsupportedError{probs}
	}
	return nil
}

// Calls into these packages that the simulator cannot keep deterministic
// or that would take it down, and why.
var forbiddenCalls = map[string]map[string]string{
	"time": {
		"After": timers, "AfterFunc": timers, "NewTimer": timers, "NewTicker": timers, "Tick": timers,
		"Now": wallClock, "Since": wallClock, "Until": wallClock,
	},
	"sync": {"Cond": waiting, "NewCond": waiting, "WaitGroup": waiting},
	"log":  {"Fatal": exits, "Fatalf": exits, "Fatalln": exits},
	"os":   {"Exit": exits},
}

const (
	timers    = "timers are not simulated: retry in a loop with time.Sleep"
	wallClock = "wall-clock time is not simulated"
	waiting   = "waiting on other goroutines is not simulated"
	exits     = "it exits the program, and kvsim with it: panic instead, and kvsim reports the panic with its seed"
)

var forbiddenImports = map[string]string{
	"math/rand":    "its numbers are not the run's: use kvtest.RandValue",
	"math/rand/v2": "its numbers are not the run's: use kvtest.RandValue",
	"crypto/rand":  "its numbers are not the run's: use kvtest.RandValue",
}

func checkFile(sf srcFile) []Problem {
	var probs []Problem
	add := func(pos token.Pos, format string, args ...any) {
		p := sf.fset.Position(pos)
		p.Filename = sf.path
		probs = append(probs, Problem{Pos: p, What: fmt.Sprintf(format, args...)})
	}
	// Local names of the imported packages that matter.
	pkgs := map[string]string{} // local name -> path
	for _, imp := range sf.ast.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		name := filepath.Base(path)
		if path == "math/rand/v2" {
			name = "rand"
		}
		if imp.Name != nil {
			name = imp.Name.Name
		}
		switch {
		case forbiddenImports[path] != "":
			add(imp.Pos(), "import %q: %s", path, forbiddenImports[path])
		case strings.HasPrefix(path, "6.5840/") && !slices.Contains(courseImports, path) && path != "6.5840/kvsrv1/lock":
			add(imp.Pos(), "import %q: kvsim lab provides only %s", path, strings.Join(courseImports, ", "))
		case name == "." && (path == "time" || forbiddenCalls[path] != nil):
			add(imp.Pos(), "dot import of %q: import it by name so kvsim can see its calls", path)
		}
		pkgs[name] = path
	}
	for _, d := range sf.ast.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.VAR {
			for _, spec := range g.Specs {
				for _, n := range spec.(*ast.ValueSpec).Names {
					if n.Name != "_" {
						add(n.Pos(), "package-level variable %s: kvsim runs many worlds in one process, one after another, so it would carry state from one run into the next; make it a field of the server, clerk or lock, or a const", n.Name)
					}
				}
			}
		}
	}
	for _, d := range sf.ast.Decls {
		fn, _ := d.(*ast.FuncDecl)
		inServer := fn != nil && isServerFunc(fn)
		ast.Inspect(d, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GoStmt:
				add(n.Pos(), "go statement: goroutines are not simulated processes (kvsim runs the clerk and lock in its own; retry in a loop instead)")
			case *ast.SelectStmt:
				add(n.Pos(), "select statement: channels and timers are not simulated")
			case *ast.SendStmt:
				add(n.Pos(), "channel send: channels are not simulated")
			case *ast.UnaryExpr:
				if n.Op == token.ARROW {
					add(n.Pos(), "channel receive: channels are not simulated")
				}
			case *ast.ChanType:
				add(n.Pos(), "channel type: channels are not simulated")
			case *ast.SelectorExpr:
				id, ok := n.X.(*ast.Ident)
				if !ok || id.Obj != nil { // a local variable, not a package
					return true
				}
				path := pkgs[id.Name]
				if why := forbiddenCalls[path][n.Sel.Name]; why != "" {
					add(n.Pos(), "%s.%s: %s", path, n.Sel.Name, why)
				}
				if path == "time" && n.Sel.Name == "Sleep" && inServer {
					add(n.Pos(), "time.Sleep in the server: its handlers run inside the network, not in a simulated process, so they cannot sleep")
				}
			}
			return true
		})
	}
	return probs
}

// isServerFunc reports whether fn is a KVServer method or its constructor.
func isServerFunc(fn *ast.FuncDecl) bool {
	if fn.Recv == nil {
		return fn.Name.Name == "MakeKVServer" || fn.Name.Name == "StartKVServer"
	}
	t := fn.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	id, ok := t.(*ast.Ident)
	return ok && id.Name == "KVServer"
}
