package lab

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
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

// rewriter collects the edits of one file. It visits the syntax tree
// bottom up, so an edit of a node is made knowing its children's: the
// edit takes their rewritten text (take), and theirs are gone from the
// list, which holds only edits that do not overlap.
type rewriter struct {
	sf    srcFile
	info  *types.Info
	edits []edit
	// skip are nodes that their parent rewrites as a whole: a select's
	// communication, make's channel type, the receive of v, ok := <-c.
	skip map[ast.Node]bool
	used map[string]bool // local names of packages whose calls went to labrt
	n    int             // temporaries so far, for unique names
	// refused are the constructs found to be beyond the rewriter.
	refused []Problem
}

func (r *rewriter) off(p token.Pos) int { return r.sf.fset.Position(p).Offset }

func (r *rewriter) add(n ast.Node, text string) {
	r.edits = append(r.edits, edit{r.off(n.Pos()), r.off(n.End()), text})
}

func (r *rewriter) refuse(n ast.Node, format string, args ...any) {
	p := r.sf.fset.Position(n.Pos())
	p.Filename = r.sf.path
	r.refused = append(r.refused, Problem{Pos: p, What: fmt.Sprintf(format, args...)})
}

// render is the source from from to to with the edits inside it applied;
// take also removes those edits, for an edit that contains them.
func (r *rewriter) render(from, to int, take bool) string {
	var in []edit
	kept := r.edits[:0:0]
	for _, e := range r.edits {
		if e.at >= from && e.end <= to {
			in = append(in, e)
		} else if take {
			kept = append(kept, e)
		}
	}
	if take {
		r.edits = kept
	}
	sort.SliceStable(in, func(i, j int) bool { return in[i].at < in[j].at })
	var b strings.Builder
	last := from
	for _, e := range in {
		b.Write(r.sf.src[last:e.at])
		b.WriteString(e.text)
		last = e.end
	}
	b.Write(r.sf.src[last:to])
	return b.String()
}

// take is n's rewritten text, its edits taken.
func (r *rewriter) take(n ast.Node) string { return r.render(r.off(n.Pos()), r.off(n.End()), true) }

// peek is n's rewritten text, its edits left in place.
func (r *rewriter) peek(n ast.Node) string { return r.render(r.off(n.Pos()), r.off(n.End()), false) }

// temp is a fresh name for a temporary of the rewritten code.
func (r *rewriter) temp(kind string) string {
	r.n++
	return fmt.Sprintf("kvsim%s%d", kind, r.n)
}

// rewrite returns the copy of sf that kvsim builds, every edit on the
// lines of the code it replaces, with a //line directive naming the
// student's file, so compile errors, panics and stacks point at the
// student's own lines. info is the file's package, type-checked: which
// names are the standard library's, which expressions are channels or
// maps. What it does:
//   - goroutines, channels and select run on the simulator's runtime
//     (labrt, package sim): a go statement is labrt.Go with its function
//     and arguments evaluated where it stands, chan T is *labrt.Chan[T],
//     and make, send, receive, close, len, cap, range and select are
//     labrt's functions of the same meaning;
//   - a range over a map goes in an order drawn from the run's seed
//     (labrt.MapRange), as Go draws it, so code that depends on it fails
//     for some seed, by seed;
//   - time's clock and timers (Sleep, Now, Since, Until, After, AfterFunc,
//     NewTimer, NewTicker, Tick, Timer, Ticker) and runtime.Gosched go to
//     labrt, in virtual time;
//   - log.Fatal* and os.Exit go to labrt, which stops the run with a
//     reported failure instead of the process;
//   - math/rand, math/rand/v2, crypto/rand and github.com/google/uuid are
//     imported from kvsim's stand-ins, which draw from the run's seed, and
//     sync from one whose types are the simulator's;
//   - package-level variables and init functions are re-run at the start
//     of every world (see resetCode), so no run inherits another's state;
//   - every for loop's body starts with a call to labrt.Spin, which stops a
//     loop that runs on while virtual time stands still: nothing it waits
//     for can happen then;
//   - a Raft's Make starts by handing its Persister and applyCh to
//     labrt.WatchApplies, so that beneath a replicated service Raft's own
//     checks see what it applies.
//
// What it cannot rewrite it returns as problems, each with its line.
func rewrite(sf srcFile, absPath string, info *types.Info) ([]byte, []Problem) {
	r := &rewriter{sf: sf, info: info, skip: map[ast.Node]bool{}, used: map[string]bool{}}
	for _, imp := range sf.ast.Imports {
		path, _ := importName(imp)
		if to := standIns[path]; to != "" {
			r.edits = append(r.edits, edit{r.off(imp.Path.Pos()), r.off(imp.Path.End()), strconv.Quote(to)})
		}
	}
	ast.Inspect(sf.ast, r.markSkips)
	var stack []ast.Node
	ast.Inspect(sf.ast, func(n ast.Node) bool {
		if n != nil {
			stack = append(stack, n)
			return true
		}
		n, stack = stack[len(stack)-1], stack[:len(stack)-1]
		if !r.skip[n] {
			r.node(n)
		}
		return true
	})
	reset := r.resetCode()
	var out bytes.Buffer
	if !bytes.HasPrefix(sf.src, lineDirective(absPath)) {
		out.Write(lineDirective(absPath))
	}
	calls := slices.ContainsFunc(r.edits, func(e edit) bool { return strings.Contains(e.text, "kvsimlab.") })
	// The import goes on the package clause's line, if anything calls it
	// (a file whose only edit is a stand-in's import path does not).
	if reset != "" || calls {
		pkgEnd := r.off(sf.ast.Name.End())
		r.edits = append(r.edits, edit{pkgEnd, pkgEnd, fmt.Sprintf("; import kvsimlab %q", labrtPath)})
	}
	out.WriteString(r.render(0, len(sf.src), true))
	// References at the very end keep the imports used however few of
	// their calls are left.
	for _, name := range slices.Sorted(maps.Keys(r.used)) {
		fmt.Fprintf(&out, "\nvar _ = %s\n", name)
	}
	out.WriteString(reset)
	return out.Bytes(), r.refused
}

// markSkips marks the nodes whose parent rewrites them as a whole.
func (r *rewriter) markSkips(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.SelectStmt:
		for _, c := range n.Body.List {
			comm := c.(*ast.CommClause).Comm
			if comm == nil {
				continue
			}
			r.skip[comm] = true
			if recv := commRecv(comm); recv != nil {
				r.skip[recv] = true
			}
		}
	case *ast.CallExpr:
		if r.builtin(n.Fun, "make") && len(n.Args) > 0 {
			r.skip[n.Args[0]] = true
		}
	case *ast.AssignStmt:
		if u := recv2(n.Lhs, n.Rhs); u != nil {
			r.skip[u] = true
		}
	case *ast.ValueSpec:
		if u := recv2(identExprs(n.Names), n.Values); u != nil {
			r.skip[u] = true
		}
	case *ast.GoStmt:
		r.skip[n.Call] = true
	}
	return true
}

func identExprs(ids []*ast.Ident) []ast.Expr {
	out := make([]ast.Expr, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// recv2 is the receive of v, ok := <-c (or =, or var), else nil.
func recv2(lhs, rhs []ast.Expr) *ast.UnaryExpr {
	if len(lhs) != 2 || len(rhs) != 1 {
		return nil
	}
	u, ok := ast.Unparen(rhs[0]).(*ast.UnaryExpr)
	if !ok || u.Op != token.ARROW {
		return nil
	}
	return u
}

// commRecv is the receive of a select's communication, else nil.
func commRecv(comm ast.Stmt) *ast.UnaryExpr {
	var e ast.Expr
	switch c := comm.(type) {
	case *ast.ExprStmt:
		e = c.X
	case *ast.AssignStmt:
		e = c.Rhs[0]
	default:
		return nil
	}
	if u, ok := ast.Unparen(e).(*ast.UnaryExpr); ok && u.Op == token.ARROW {
		return u
	}
	return nil
}

// builtin reports whether fun names Go's builtin function name.
func (r *rewriter) builtin(fun ast.Expr, name string) bool {
	id, ok := ast.Unparen(fun).(*ast.Ident)
	if !ok || id.Name != name {
		return false
	}
	_, ok = r.info.Uses[id].(*types.Builtin)
	return ok
}

// isChan reports whether e is a channel.
func (r *rewriter) isChan(e ast.Expr) bool {
	tv, ok := r.info.Types[e]
	if !ok || tv.Type == nil {
		return false
	}
	_, ok = tv.Type.Underlying().(*types.Chan)
	return ok
}

// node makes n's edit, if it has one; its children's are made.
func (r *rewriter) node(n ast.Node) {
	switch n := n.(type) {
	case *ast.ForStmt:
		// On the brace's line, so that no line moves.
		at := r.off(n.Body.Lbrace) + 1
		r.edits = append(r.edits, edit{at, at, " kvsimlab.Spin();"})
	case *ast.ChanType:
		r.add(n, "*kvsimlab.Chan["+r.take(n.Value)+"]")
	case *ast.SendStmt:
		r.add(n, "kvsimlab.Send("+r.take(n.Chan)+", "+r.take(n.Value)+")")
	case *ast.UnaryExpr:
		if n.Op == token.ARROW {
			r.add(n, "kvsimlab.Recv("+r.take(n.X)+")")
		}
	case *ast.AssignStmt:
		if u := recv2(n.Lhs, n.Rhs); u != nil {
			r.add(u, "kvsimlab.Recv2("+r.take(u.X)+")")
		}
	case *ast.ValueSpec:
		if u := recv2(identExprs(n.Names), n.Values); u != nil {
			r.add(u, "kvsimlab.Recv2("+r.take(u.X)+")")
		}
	case *ast.CallExpr:
		r.call(n)
	case *ast.RangeStmt:
		r.rangeStmt(n)
	case *ast.SelectorExpr:
		r.selector(n)
	case *ast.GoStmt:
		r.goStmt(n)
	case *ast.SelectStmt:
		r.selectStmt(n)
	case *ast.FuncDecl:
		r.watchMake(n)
	}
}

// watchMake starts a Raft's Make (a package raft's top-level Make taking,
// third and fourth, the harness's Persister and a channel) by handing both
// to labrt.WatchApplies, on the brace's line: beneath a replicated
// service, Raft's checks then see what the Raft sends on applyCh; alone,
// under kvsim's Raft tester, it does nothing.
func (r *rewriter) watchMake(n *ast.FuncDecl) {
	if n.Recv != nil || n.Name.Name != "Make" || r.sf.ast.Name.Name != "raft" || n.Body == nil {
		return
	}
	var params []*ast.Ident
	for _, f := range n.Type.Params.List {
		params = append(params, f.Names...)
	}
	if len(params) < 4 || params[2].Name == "_" || params[3].Name == "_" {
		return
	}
	ps, ok := r.info.TypeOf(params[2]).(*types.Pointer)
	if !ok || types.Unalias(ps.Elem()).String() != harnessPath+".Persister" {
		return
	}
	if ch := r.info.TypeOf(params[3]); ch == nil {
		return
	} else if _, ok := ch.Underlying().(*types.Chan); !ok {
		return
	}
	at := r.off(n.Body.Lbrace) + 1
	r.edits = append(r.edits, edit{at, at, fmt.Sprintf(" kvsimlab.WatchApplies(%s, %s);", params[2].Name, params[3].Name)})
}

// harnessPath is the package of the Persister the course's tester1
// stands for, in kvsim's shims.
const harnessPath = "github.com/kvsim/kvsim/raft/harness"

func (r *rewriter) call(n *ast.CallExpr) {
	switch {
	case r.builtin(n.Fun, "make") && len(n.Args) > 0:
		ct, ok := ast.Unparen(n.Args[0]).(*ast.ChanType)
		if !ok {
			if r.isChan(n.Args[0]) {
				r.refuse(n, "make of a named channel type: write make(chan T) where the channel is made")
			}
			return
		}
		size := "0"
		if len(n.Args) > 1 {
			size = r.take(n.Args[1])
		}
		elem := r.take(ct.Value)
		r.add(n, "kvsimlab.MakeChan["+elem+"]("+size+")")
	case len(n.Args) == 1 && r.isChan(n.Args[0]):
		for _, b := range []string{"close", "len", "cap"} {
			if r.builtin(n.Fun, b) {
				r.add(n, "kvsimlab."+strings.ToUpper(b[:1])+b[1:]+"("+r.take(n.Args[0])+")")
			}
		}
	}
}

func (r *rewriter) rangeStmt(n *ast.RangeStmt) {
	tv, ok := r.info.Types[n.X]
	if !ok || tv.Type == nil {
		return
	}
	switch t := tv.Type.Underlying().(type) {
	case *types.Chan:
		r.add(n.X, "kvsimlab.Range("+r.take(n.X)+")")
	case *types.Map:
		if !orderable(t.Key()) {
			r.refuse(n, "range over a map keyed by %s: kvsim draws a map's order from the seed, and cannot put such keys in an order that is the same from run to run", t.Key())
			return
		}
		r.add(n.X, "kvsimlab.MapRange("+r.take(n.X)+")")
	}
}

// orderable reports whether map keys of type t have an order that is the
// same from run to run (see labrt.MapRange).
func orderable(t types.Type) bool {
	switch u := t.Underlying().(type) {
	case *types.Basic:
		return u.Info()&(types.IsOrdered|types.IsBoolean|types.IsComplex) != 0
	case *types.Array:
		return orderable(u.Elem())
	case *types.Struct:
		for f := range u.Fields() {
			if !orderable(f.Type()) {
				return false
			}
		}
		return true
	}
	return false
}

// selector sends what the standard library's packages do outside the
// simulation to labrt.
func (r *rewriter) selector(n *ast.SelectorExpr) {
	x, ok := n.X.(*ast.Ident)
	if !ok {
		return
	}
	pkg, ok := r.info.Uses[x].(*types.PkgName)
	if !ok {
		return
	}
	if to := rewrittenCalls[pkg.Imported().Path()][n.Sel.Name]; to != "" {
		r.add(n, "kvsimlab."+to)
		if keep := keepUsed[pkg.Imported().Path()]; keep != "" {
			r.used[x.Name+"."+keep] = true
		}
	}
}

// goStmt rewrites go f(a, b) as
//
//	{ f', a', b' := f, a, b; kvsimlab.Go("f", func() { f'(a', b') }) }
//
// so that the function value and the arguments are evaluated where the
// statement stands, as Go evaluates them. A function declared by name (or
// a literal or a builtin) needs no evaluation, nor does a constant or nil.
func (r *rewriter) goStmt(n *ast.GoStmt) {
	call := n.Call
	var names, values []string
	fun := r.take(call.Fun)
	label := strings.Join(strings.Fields(fun), " ")
	if _, lit := call.Fun.(*ast.FuncLit); lit {
		label = fmt.Sprintf("func literal at line %d", r.sf.fset.Position(call.Fun.Pos()).Line)
	} else if !r.declaredFunc(call.Fun) {
		names, values = append(names, r.temp("F")), append(values, fun)
		fun = names[0]
	}
	args := make([]string, len(call.Args))
	for i, a := range call.Args {
		args[i] = r.take(a)
		tv := r.info.Types[a]
		if _, tuple := tv.Type.(*types.Tuple); tuple {
			r.refuse(a, "go statement whose argument is a call returning several values: give each a name first")
			return
		}
		if tv.Value != nil || tv.IsNil() || tv.IsType() {
			continue
		}
		names, values = append(names, r.temp("A")), append(values, args[i])
		args[i] = names[len(names)-1]
	}
	if len(label) > 60 {
		label = label[:57] + "..."
	}
	body := fmt.Sprintf("kvsimlab.Go(%s, func() { %s(%s", strconv.Quote(label), fun, strings.Join(args, ", "))
	if call.Ellipsis.IsValid() {
		body += "..."
	}
	body += ") })"
	if len(names) > 0 {
		body = fmt.Sprintf("{ %s := %s; %s }", strings.Join(names, ", "), strings.Join(values, ", "), body)
	}
	r.add(n, body)
}

// declaredFunc reports whether fun names a function declared by name, a
// builtin or a literal: nothing to evaluate before the goroutine starts.
func (r *rewriter) declaredFunc(fun ast.Expr) bool {
	switch f := ast.Unparen(fun).(type) {
	case *ast.FuncLit:
		return true
	case *ast.Ident:
		switch r.info.Uses[f].(type) {
		case *types.Func, *types.Builtin:
			return true
		}
	case *ast.SelectorExpr:
		_, fn := r.info.Uses[f.Sel].(*types.Func)
		return fn && r.info.Selections[f] == nil // pkg.F, not a method value
	case *ast.IndexExpr, *ast.IndexListExpr: // an instantiated generic function
		var x ast.Expr
		if ie, ok := f.(*ast.IndexExpr); ok {
			x = ie.X
		} else {
			x = f.(*ast.IndexListExpr).X
		}
		return r.declaredFunc(x)
	}
	return false
}

// selectStmt rewrites
//
//	select {
//	case v, ok := <-a: A
//	case b <- x:       B
//	default:           D
//	}
//
// as
//
//	switch ca := a; kvsimlab.Select(ca.RecvCase(), (b).SendCase(x), kvsimlab.Default()) {
//	case 0: v, ok := ca.Received(); A
//	case 1: B
//	default: D
//	}
//
// (a select without a default gets one that cannot happen, so that a
// select all of whose cases return still ends its function), each part
// on its lines; break, continue, goto and return keep their
// meaning in a switch. The channels and the values sent are evaluated in
// order on entering it, as Go does, the received-from channels first.
func (r *rewriter) selectStmt(n *ast.SelectStmt) {
	var temps, chans, cases []string
	hasDefault := false
	for i, c := range n.Body.List {
		cc := c.(*ast.CommClause)
		header := "default:"
		switch comm := cc.Comm.(type) {
		case nil:
			cases = append(cases, "kvsimlab.Default()")
			hasDefault = true
		case *ast.SendStmt:
			cases = append(cases, "("+r.take(comm.Chan)+").SendCase("+r.take(comm.Value)+")")
			header = fmt.Sprintf("case %d:", i)
		default:
			u := commRecv(comm)
			tmp := r.temp("C")
			temps, chans = append(temps, tmp), append(chans, r.take(u.X))
			cases = append(cases, tmp+".RecvCase()")
			header = fmt.Sprintf("case %d:", i)
			if as, ok := comm.(*ast.AssignStmt); ok {
				lhs := []string{r.take(as.Lhs[0]), "_"}
				if len(as.Lhs) == 2 {
					lhs[1] = r.take(as.Lhs[1])
				}
				header += fmt.Sprintf(" %s %s %s.Received();", strings.Join(lhs, ", "), as.Tok, tmp)
			}
		}
		r.render(r.off(cc.Case), r.off(cc.Colon)+1, true)
		r.edits = append(r.edits, edit{r.off(cc.Case), r.off(cc.Colon) + 1, header})
	}
	head := "switch "
	if len(temps) > 0 {
		head += strings.Join(temps, ", ") + " := " + strings.Join(chans, ", ") + "; "
	}
	head += "kvsimlab.Select(" + strings.Join(cases, ", ") + ") "
	r.edits = append(r.edits, edit{r.off(n.Select), r.off(n.Body.Lbrace), head})
	if !hasDefault && len(n.Body.List) > 0 {
		// A select whose cases all return is a terminating statement; a
		// switch is one only with a default.
		at := r.off(n.Body.Rbrace)
		r.edits = append(r.edits, edit{at, at, `default: panic("unreachable"); `})
	}
}

// lineDirective starts a copy of the student's file at path, so that its
// positions are the student's.
func lineDirective(path string) []byte { return fmt.Appendf(nil, "//line %s:1\n", path) }

// keepUsed names something of each package whose calls are rewritten, to
// keep its import used.
var keepUsed = map[string]string{"time": "Duration(0)", "log": "Flags", "os": "Getpid", "runtime": "NumCPU"}

// resetCode returns the code appended to sf that gives its package-level
// variables their initial values again and re-runs its init functions
// (renamed by edits of r), registered with labrt at
// initialization: worlds run one after another in a process, and each
// must start as a fresh process would. Variables are reset in source
// order; an initializer that reads a variable of a later file sees the
// value that variable started the previous run with.
func (r *rewriter) resetCode() string {
	sf := r.sf
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
					vars = append(vars, strings.Join(names, ", ")+" = "+r.render(r.off(vs.Values[0].Pos()), r.off(vs.Values[len(vs.Values)-1].End()), false))
				default:
					for _, n := range names {
						if n != "_" {
							vars = append(vars, fmt.Sprintf("%s = *new(%s)", n, r.peek(vs.Type)))
						}
					}
				}
			}
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.Name == "init" {
				name := fmt.Sprintf("kvsimInit%d", len(inits))
				r.add(d.Name, name)
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
