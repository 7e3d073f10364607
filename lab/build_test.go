package lab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildCaches: the same folder is built once; any change to it builds
// again.
func TestBuildCaches(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "kvsrv1")
	for _, name := range []string{"server.go", "client.go", "lock/lock.go"} {
		b, err := os.ReadFile(filepath.Join("testdata/good", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opt := Options{Dir: dir, Cache: t.TempDir()}
	build := func(wantHit bool) Program {
		t.Helper()
		p, err := Build(opt)
		if err != nil {
			t.Fatal(err)
		}
		if p.Hit != wantHit || p.Name != "lab/kvsrv1" {
			t.Fatalf("Build: %+v, want hit %v and name lab/kvsrv1", p, wantHit)
		}
		if _, err := os.Stat(p.Path); err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := build(false)
	if again := build(true); again.Path != first.Path {
		t.Errorf("cache hit at %s, built at %s", again.Path, first.Path)
	}
	f, err := os.OpenFile(filepath.Join(dir, "client.go"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("\n// an edit\n")
	f.Close()
	if changed := build(false); changed.Path == first.Path {
		t.Errorf("an edited folder got the old program %s", changed.Path)
	}
}

// TestOwnWireKeepsTheCourseFields: a folder may add fields to the wire
// structs, not take the course's away, since kvsim reads them by name.
func TestOwnWireKeepsTheCourseFields(t *testing.T) {
	for _, tc := range []struct{ name, putArgs, want string }{
		{"course", "Key string; Value string; Version Tversion", ""},
		{"added", "Key, Value string; Version Tversion; Seq int64", "own"},
		{"renamed", "Key string; Value string; Ver Tversion; Seq int64", "PutArgs has no field Version Tversion"},
		{"method", "Key string; Value string; Version Tversion }\n\nfunc (v *Tversion) Inc() { *v++ }\n\ntype Id int\n\nfunc (i Id) Next() Id { return i + 1 }\n\nvar _ = struct{", "declares method Inc on Tversion"},
		{"later lab", "Key, Value string; Version Tversion; Config shardcfg.Tnum", `imports "6.5840/shardkv1/shardcfg", which kvsim does not provide`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			src := "package rpc\n\nimport \"6.5840/shardkv1/shardcfg\"\n\ntype Err string\n\ntype Tversion uint64\n\ntype PutArgs struct{ " + tc.putArgs + " }\n"
			if err := os.MkdirAll(filepath.Join(dir, "rpc"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "rpc", "rpc.go"), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			file, own, err := rpcExtras(dir)
			switch {
			case tc.want == "own" && (err != nil || !own || !strings.Contains(string(file), "Seq int64")):
				t.Errorf("own wire types: file %q, own %v, err %v", file, own, err)
			case tc.want == "" && (err != nil || own || file != nil):
				t.Errorf("the course's wire types: file %q, own %v, err %v", file, own, err)
			case tc.want != "" && tc.want != "own" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
}
