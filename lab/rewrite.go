package lab

import (
	"bytes"
	"fmt"
	"go/ast"
	"sort"
	"strconv"
)

// labrtPath is the package the rewritten code sleeps through.
const labrtPath = "github.com/kvsim/kvsim/lab/labrt"

// rewrite returns the copy of sf that kvsim builds: time.Sleep calls go
// through labrt (virtual time). Every edit stays on its line and a //line
// directive names the student's file, so compile errors, panics and stacks
// point at the student's own lines.
func rewrite(sf srcFile, absPath string) []byte {
	timeName := ""
	for _, imp := range sf.ast.Imports {
		if path, _ := strconv.Unquote(imp.Path.Value); path == "time" {
			timeName = "time"
			if imp.Name != nil {
				timeName = imp.Name.Name
			}
		}
	}
	type edit struct {
		at, end int
		text    string
	}
	var edits []edit
	if timeName != "" {
		ast.Inspect(sf.ast, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Sleep" {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == timeName && id.Obj == nil {
				edits = append(edits, edit{sf.fset.Position(sel.Pos()).Offset, sf.fset.Position(sel.End()).Offset, "kvsimlab.Sleep"})
			}
			return true
		})
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "//line %s:1\n", absPath)
	if len(edits) == 0 {
		out.Write(sf.src)
		return out.Bytes()
	}
	// The import goes on the package clause's line; a reference to time
	// at the very end keeps its import used however few calls are left.
	pkgEnd := sf.fset.Position(sf.ast.Name.End()).Offset
	edits = append(edits, edit{pkgEnd, pkgEnd, fmt.Sprintf("; import kvsimlab %q", labrtPath)})
	sort.Slice(edits, func(i, j int) bool { return edits[i].at < edits[j].at })
	last := 0
	for _, e := range edits {
		out.Write(sf.src[last:e.at])
		out.WriteString(e.text)
		last = e.end
	}
	out.Write(sf.src[last:])
	fmt.Fprintf(&out, "\nvar _ = %s.Duration(0)\n", timeName)
	return out.Bytes()
}
