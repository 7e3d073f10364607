package scenarios

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLayoutImports enforces the design's seams: sim knows nothing of
// key/value stores and uses only the standard library (and its gobwire,
// which does too); kv, clerk and lock
// know nothing of the simulator, the models or the scenarios; models knows
// only porcupine and the wire types; the checks (package check) only the
// models and the wire types; imports run one way: cli, then
// campaign, then zoo, then scenarios, then {models, sim, kv, clerk, lock}.
func TestLayoutImports(t *testing.T) {
	const module = "github.com/kvsim/kvsim/"
	rules := []struct {
		dir     string
		allowed []string // module-local or third-party prefixes allowed besides the standard library
	}{
		{"../sim", []string{module + "sim/gobwire"}},
		{"../sim/gobwire", nil},
		{"../kv/rpc", nil},
		{"../kv", []string{module + "kv/rpc"}},
		{"../kv/netrpc", []string{module + "kv/rpc"}},
		{"../loadgen", []string{module + "check", module + "kv/netrpc", module + "kv/rpc", module + "clerk", module + "lock", module + "models"}},
		{"../clerk", []string{module + "kv/rpc"}},
		{"../lock", []string{module + "kv/rpc"}},
		{"../models", []string{module + "kv/rpc", "github.com/anishathalye/porcupine"}},
		{"../check", []string{module + "kv/rpc", module + "models"}},
		{".", []string{module + "check", module + "sim", module + "kv", module + "clerk", module + "lock", module + "models", "github.com/anishathalye/porcupine", "pgregory.net/rapid"}},
		{"../zoo", []string{module + "scenarios", module + "kv", module + "clerk", module + "lock"}},
		{"../stress", []string{module + "check", module + "scenarios", module + "models", module + "kv/rpc", module + "sim/gobwire"}},
		{"../lab", nil},
		{"../lab/labrt", []string{module + "cli", module + "campaign", module + "scenarios", module + "models", module + "kv/rpc", module + "sim"}},
		{"../kvsimtest", []string{module + "campaign", module + "scenarios", module + "models"}},
		{"../report", []string{module + "scenarios", module + "models", module + "sim", module + "kv/rpc", "github.com/anishathalye/porcupine"}},
		{"../campaign", []string{module + "zoo", module + "report", module + "scenarios", module + "sim", module + "models", "pgregory.net/rapid"}},
	}
	for _, rule := range rules {
		files, err := filepath.Glob(filepath.Join(rule.dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no Go files (%v)", rule.dir, err)
		}
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			f, err := parser.ParseFile(token.NewFileSet(), file, src, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if !strings.Contains(strings.SplitN(path, "/", 2)[0], ".") {
					continue // standard library
				}
				ok := false
				for _, prefix := range rule.allowed {
					ok = ok || path == prefix || strings.HasPrefix(path, prefix+"/")
				}
				if !ok {
					t.Errorf("%s imports %s, which its layout rule forbids", file, path)
				}
			}
		}
	}
}
