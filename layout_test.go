package kvsim_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/kvsim/kvsim"

// moduleImports reads every package of the module (its non-test files,
// whatever their build tags) and returns, by import path, what each
// imports besides the standard library.
func moduleImports(t *testing.T) map[string][]string {
	t.Helper()
	imports := map[string][]string{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != "." && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		pkg := module
		if dir := filepath.ToSlash(filepath.Dir(path)); dir != "." {
			pkg += "/" + dir
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.ImportsOnly)
		if err != nil {
			return err
		}
		if _, ok := imports[pkg]; !ok {
			imports[pkg] = nil
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.Contains(strings.SplitN(p, "/", 2)[0], ".") {
				continue // standard library
			}
			if !slices.Contains(imports[pkg], p) {
				imports[pkg] = append(imports[pkg], p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return imports
}

// deps is every module-local or third-party package pkg depends on,
// directly or not: what go list -deps lists, less the standard library.
func deps(imports map[string][]string, pkg string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(p string) {
		for _, d := range imports[p] {
			if !seen[d] {
				seen[d] = true
				walk(d)
			}
		}
	}
	walk(pkg)
	return slices.Sorted(func(yield func(string) bool) {
		for d := range seen {
			if !yield(d) {
				return
			}
		}
	})
}

// within reports whether path is pkg or one of its subpackages.
func within(path, pkg string) bool {
	return path == pkg || strings.HasPrefix(path, pkg+"/")
}

// TestLayoutImports enforces the design's seams, import by import: sim
// uses only the standard library (and its gobwire, which does too); kv,
// clerk and lock know nothing of the simulator, the models or the
// scenarios; models knows only porcupine and the wire types; the checks
// (package check) only the models, the wire types and the vocabulary;
// the vocabulary (package kvsim) only the wire types and the reference
// implementation; imports run one way: cli, then campaign, then zoo, then
// scenarios, then {models, sim, kv, clerk, lock}.
func TestLayoutImports(t *testing.T) {
	imports := moduleImports(t)
	m := module + "/"
	rules := []struct {
		pkg     string
		allowed []string // module-local or third-party packages (and their subpackages) allowed besides the standard library
	}{
		{module, []string{m + "kv", m + "clerk", m + "lock"}},
		{m + "sim", []string{m + "sim/gobwire"}},
		{m + "sim/gobwire", nil},
		{m + "kv/rpc", nil},
		{m + "kv", []string{m + "kv/rpc"}},
		{m + "kv/netrpc", []string{m + "kv/rpc"}},
		{m + "loadgen", []string{m + "check", m + "kv/netrpc", m + "kv/rpc", m + "clerk", m + "lock", m + "models"}},
		{m + "clerk", []string{m + "kv/rpc"}},
		{m + "lock", []string{m + "kv/rpc"}},
		{m + "models", []string{m + "kv/rpc", "github.com/anishathalye/porcupine"}},
		{m + "check", []string{module, m + "kv/rpc", m + "models"}},
		{m + "scenarios", []string{module, m + "check", m + "sim", m + "kv/rpc", m + "models", m + "raft/harness", "github.com/anishathalye/porcupine", "pgregory.net/rapid"}},
		{m + "zoo", []string{module, m + "kv", m + "clerk", m + "lock"}},
		{m + "stress", []string{module, m + "check", m + "models", m + "kv/rpc", m + "sim/gobwire"}},
		{m + "lab", []string{"golang.org/x/tools/go/packages"}},
		{m + "lab/labrt", []string{m + "worker", m + "scenarios", m + "kv", m + "kvraft", m + "sim", m + "raft/harness", m + "raft/scenario", m + "shardkv/scenario", m + "shardkv/shardcfg", m + "shardkv/shardgrp", module}},
		{m + "search", []string{m + "scenarios", m + "sim"}},
		{m + "raft/raftcheck", nil},
		{m + "raft/harness", []string{m + "sim", m + "raft/raftcheck"}},
		{m + "raft/ref", []string{m + "sim", m + "raft/harness"}},
		{m + "raft/scenario", []string{m + "sim", m + "raft/harness", m + "raft/raftcheck"}},
		{m + "rsm", []string{m + "kv/rpc", m + "sim", m + "raft/harness", m + "raft/ref"}},
		{m + "kvraft", []string{module, m + "kv", m + "kv/rpc", m + "raft/harness", m + "raft/ref", m + "rsm"}},
		{m + "worker", []string{module, m + "report", m + "scenarios", m + "search", m + "sim/explore", m + "raft/scenario", m + "shardkv/scenario"}},
		{m + "kvsimtest", []string{module, m + "campaign", m + "scenarios", m + "models"}},
		{m + "report", []string{module, m + "scenarios", m + "raft/scenario", m + "raft/raftcheck", m + "models", m + "sim", m + "kv/rpc", "github.com/anishathalye/porcupine"}},
		{m + "campaign", []string{module, m + "kvraft", m + "zoo", m + "report", m + "scenarios", m + "search", m + "worker", m + "sim", m + "models", "pgregory.net/rapid"}},
		// The sharded service: its configuration knows nothing; a group is
		// a replicated server (rsm) of kv's store; the controller reaches
		// the configuration's server through the kvsrv clerk; the
		// scenarios host it all on the simulator and check with check.
		{m + "shardkv/shardcfg", nil},
		{m + "shardkv/shardgrp", []string{m + "kv", m + "raft/harness", m + "raft/ref", m + "rsm", m + "shardkv/shardcfg"}},
		{m + "shardkv/shardctrler", []string{m + "clerk", m + "kv/rpc", m + "shardkv/shardcfg", m + "shardkv/shardgrp"}},
		{m + "shardkv", []string{m + "kv/rpc", m + "shardkv/shardcfg", m + "shardkv/shardctrler", m + "shardkv/shardgrp"}},
		{m + "shardkv/scenario", []string{m + "check", m + "kv", m + "raft/harness", m + "sim", m + "shardkv"}},
	}
	for _, rule := range rules {
		got, ok := imports[rule.pkg]
		if !ok {
			t.Errorf("%s: no such package", rule.pkg)
			continue
		}
		for _, path := range got {
			if !slices.ContainsFunc(rule.allowed, func(a string) bool { return path == a || a != module && within(path, a) }) {
				t.Errorf("%s imports %s, which its layout rule forbids", rule.pkg, path)
			}
		}
	}
}

// TestLayoutDeps enforces what must never be reached by any path of
// imports (go list -deps shows the same graph):
//
//	go list -deps ./sim ./stress ./zoo ./lab/labrt | grep kvsim
//
// The simulator depends on nothing of the project; stress mode and the
// bug zoo do not depend on the simulator harness (scenarios) nor on what
// runs it, only on the vocabulary (package kvsim), the checks and the
// implementation; the program kvsim lab builds (lab/labrt, and what it
// reaches) is a worker only: it reaches neither the command line nor the
// campaigns, which run in kvsim, nor the zoo or rapid.
func TestLayoutDeps(t *testing.T) {
	imports := moduleImports(t)
	m := module + "/"
	rules := []struct {
		pkg       string
		forbidden func(dep string) bool
		why       string
	}{
		{m + "sim", func(d string) bool { return within(d, module) && !within(d, m+"sim") }, "the simulator depends on nothing of the project"},
		{m + "stress", func(d string) bool {
			return within(d, m+"scenarios") || within(d, m+"campaign") || within(d, m+"sim") && d != m+"sim/gobwire"
		}, "stress mode runs real goroutines, never the simulator harness"},
		{m + "zoo", func(d string) bool {
			return within(d, m+"scenarios") || within(d, m+"campaign") || within(d, m+"sim") || within(d, m+"check")
		}, "the bug zoo is implementations only"},
		{module, func(d string) bool {
			return !within(d, m+"kv") && !within(d, m+"clerk") && !within(d, m+"lock")
		}, "the vocabulary knows only the service's wire types and its reference implementation"},
		{m + "lab/labrt", func(d string) bool {
			return within(d, m+"cli") || within(d, m+"campaign") || within(d, m+"zoo") || within(d, "pgregory.net/rapid")
		}, "the lab's program is a worker only: kvsim parses, runs campaigns and reports"},
	}
	for _, rule := range rules {
		if _, ok := imports[rule.pkg]; !ok {
			t.Errorf("%s: no such package", rule.pkg)
			continue
		}
		for _, d := range deps(imports, rule.pkg) {
			if rule.forbidden(d) {
				t.Errorf("%s depends on %s: %s", rule.pkg, d, rule.why)
			}
		}
	}
}
