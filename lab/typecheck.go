package lab

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/packages"
)

// typedFile is one of the student's files as the type checker saw it.
type typedFile struct {
	fset *token.FileSet
	ast  *ast.File
	info *types.Info
}

// rewriteModule type-checks the student's packages as written, in the
// module at srcDir (against kvsim's shims of the course's packages), and
// writes the rewritten copy of each of the folder's files over its own.
// The student's type errors come back as a *BuildError through paths,
// what the rewriter cannot rewrite as an *UnsupportedError.
func (f *folder) rewriteModule(srcDir, abs string, paths func(out, buildDir string) string) error {
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles | packages.NeedSyntax |
			packages.NeedTypes | packages.NeedTypesInfo,
		Dir: srcDir,
		Env: append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod"),
	}
	var patterns []string
	for _, d := range f.dirs {
		patterns = append(patterns, "./"+filepath.ToSlash(filepath.Join(f.kind.name, d)))
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return err
	}
	// The type checker's errors say it best; go list's (a compile error
	// in building a dependency's export data) repeat them. Each package's
	// come under its name, as go build writes them.
	var typeErrs, otherErrs strings.Builder
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		var types, other []string
		for _, e := range p.Errors {
			msg := e.Msg
			if e.Pos != "" && e.Pos != "-" {
				msg = e.Pos + ": " + msg
			}
			if e.Kind == packages.TypeError {
				types = append(types, msg)
			} else {
				other = append(other, msg)
			}
		}
		for _, list := range []struct {
			b    *strings.Builder
			msgs []string
		}{{&typeErrs, types}, {&otherErrs, other}} {
			if len(list.msgs) > 0 {
				fmt.Fprintf(list.b, "# %s\n%s\n", p.PkgPath, strings.Join(list.msgs, "\n"))
			}
		}
	})
	if out := cmp.Or(typeErrs.String(), otherErrs.String()); out != "" {
		return &BuildError{Output: paths(out, srcDir)}
	}
	root := filepath.Join(srcDir, f.kind.name)
	typed := map[string]typedFile{} // by path inside the folder
	for _, p := range pkgs {
		for i, name := range p.CompiledGoFiles {
			rel, err := filepath.Rel(root, name)
			if err != nil || i >= len(p.Syntax) {
				continue
			}
			typed[filepath.ToSlash(rel)] = typedFile{p.Fset, p.Syntax[i], p.TypesInfo}
		}
	}
	var probs []Problem
	for _, sf := range f.files {
		t, ok := typed[sf.rel]
		if !ok {
			continue // left out by a build constraint
		}
		// The file as parsed: under its //line directive.
		name := filepath.Join(root, filepath.FromSlash(sf.rel))
		src, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		sf.src, sf.fset, sf.ast = src, t.fset, t.ast
		out, refused := rewrite(sf, filepath.Join(abs, filepath.FromSlash(sf.rel)), t.info)
		probs = append(probs, refused...)
		if err := os.WriteFile(name, out, 0o644); err != nil {
			return err
		}
	}
	if len(probs) > 0 {
		return &UnsupportedError{probs}
	}
	return nil
}
