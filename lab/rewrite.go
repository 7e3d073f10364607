package lab

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/token"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// labrtPath is the package the rewritten code calls for virtual time,
// exits and package state.
const labrtPath = "github.com/kvsim/kvsim/lab/labrt"

// edit replaces src[at:end] with text.
type edit struct {
	at, end int
	text    string
}

// rewrite returns the copy of sf that kvsim builds, every edit on its own
// line, with a //line directive naming the student's file, so compile
// errors, panics and stacks point at the student's own lines:
//   - time.Sleep, Now, Since and Until go to labrt (virtual time);
//   - log.Fatal* and os.Exit go to labrt, which stops the run with a
//     reported failure instead of the process;
//   - math/rand, math/rand/v2, crypto/rand and github.com/google/uuid are
//     imported from kvsim's stand-ins, which draw from the run's seed, and
//     sync from one whose mutexes wait in virtual time (or fail a handler
//     that could never get its mutex);
//   - package-level variables and init functions are re-run at the start
//     of every world (see resetCode), so no run inherits another's state;
//   - every for loop's body starts with a call to labrt.Spin, which stops a
//     loop that runs on without ever reaching the simulator: in a
//     single-threaded simulation nothing else can run to end it.
func rewrite(sf srcFile, absPath string) []byte {
	var edits []edit
	names := map[string]string{} // local package name -> path, of rewritten calls
	for _, imp := range sf.ast.Imports {
		path, name := importName(imp)
		if to := standIns[path]; to != "" {
			edits = append(edits, edit{offset(sf, imp.Path.Pos()), offset(sf, imp.Path.End()), strconv.Quote(to)})
		}
		if rewrittenCalls[path] != nil {
			names[name] = path
		}
	}
	used := map[string]bool{} // local names whose calls were all rewritten, maybe
	ast.Inspect(sf.ast, func(n ast.Node) bool {
		if loop, ok := n.(*ast.ForStmt); ok {
			// On the brace's line, so that no line moves.
			at := offset(sf, loop.Body.Lbrace) + 1
			edits = append(edits, edit{at, at, " kvsimlab.Spin();"})
			return true
		}
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok || id.Obj != nil { // a local variable, not a package
			return true
		}
		if to := rewrittenCalls[names[id.Name]][sel.Sel.Name]; to != "" {
			edits = append(edits, edit{offset(sf, sel.Pos()), offset(sf, sel.End()), "kvsimlab." + to})
			used[id.Name] = true
		}
		return true
	})
	reset := resetCode(sf, &edits)
	var out bytes.Buffer
	fmt.Fprintf(&out, "//line %s:1\n", absPath)
	if len(edits) == 0 && reset == "" {
		out.Write(sf.src)
		return out.Bytes()
	}
	// The import goes on the package clause's line, if anything calls it
	// (a file whose only edit is a stand-in's import path does not).
	if reset != "" || slices.ContainsFunc(edits, func(e edit) bool { return strings.Contains(e.text, "kvsimlab.") }) {
		pkgEnd := offset(sf, sf.ast.Name.End())
		edits = append(edits, edit{pkgEnd, pkgEnd, fmt.Sprintf("; import kvsimlab %q", labrtPath)})
	}
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].at < edits[j].at })
	last := 0
	for _, e := range edits {
		out.Write(sf.src[last:e.at])
		out.WriteString(e.text)
		last = e.end
	}
	out.Write(sf.src[last:])
	// References at the very end keep the imports used however few of
	// their calls are left.
	for _, name := range slices.Sorted(maps.Keys(used)) {
		fmt.Fprintf(&out, "\nvar _ = %s.%s\n", name, keepUsed[names[name]])
	}
	out.WriteString(reset)
	return out.Bytes()
}

// keepUsed names something of each package whose calls are rewritten, to
// keep its import used.
var keepUsed = map[string]string{"time": "Duration(0)", "log": "Flags", "os": "Getpid"}

func offset(sf srcFile, p token.Pos) int { return sf.fset.Position(p).Offset }

// resetCode returns the code appended to sf that gives its package-level
// variables their initial values again and re-runs its init functions
// (renamed by edits added to edits), registered with labrt at
// initialization: worlds run one after another in a process, and each
// must start as a fresh process would. Variables are reset in source
// order; an initializer that reads a variable of a later file sees the
// value that variable started the previous run with.
func resetCode(sf srcFile, edits *[]edit) string {
	text := func(from, to token.Pos) string { return string(sf.src[offset(sf, from):offset(sf, to)]) }
	var vars, inits []string
	for _, d := range sf.ast.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			if d.Tok != token.VAR {
				continue
			}
			for _, spec := range d.Specs {
				vs := spec.(*ast.ValueSpec)
				var names []string
				blank := true
				for _, n := range vs.Names {
					names = append(names, n.Name)
					blank = blank && n.Name == "_"
				}
				switch {
				case blank:
				case len(vs.Values) > 0:
					vars = append(vars, strings.Join(names, ", ")+" = "+text(vs.Values[0].Pos(), vs.Values[len(vs.Values)-1].End()))
				default:
					for _, n := range names {
						if n != "_" {
							vars = append(vars, fmt.Sprintf("%s = *new(%s)", n, text(vs.Type.Pos(), vs.Type.End())))
						}
					}
				}
			}
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.Name == "init" {
				name := fmt.Sprintf("kvsimInit%d", len(inits))
				*edits = append(*edits, edit{offset(sf, d.Name.Pos()), offset(sf, d.Name.End()), name})
				inits = append(inits, name+"()")
			}
		}
	}
	if len(vars) == 0 && len(inits) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n//line kvsim-package-state-of-%s:1\n", strings.ReplaceAll(sf.rel, "/", "-"))
	fmt.Fprintf(&b, "func init() {\n\tkvsimlab.RegisterReset(%q, func() {\n", sf.dir)
	for _, v := range vars {
		fmt.Fprintf(&b, "\t\t%s\n", v)
	}
	b.WriteString("\t}, func() {\n")
	for _, c := range inits {
		fmt.Fprintf(&b, "\t\t%s\n", c)
	}
	// The init functions run at the start of every world, not when the
	// process starts: whatever they print belongs to a run.
	b.WriteString("\t})\n}\n")
	return b.String()
}
