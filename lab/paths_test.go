package lab

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFolderPaths: go build's positions in the folder come back as the
// user named it, however go build shortened them, and its bracketed
// positions in its own copy of a file are dropped; other paths stay.
func TestFolderPaths(t *testing.T) {
	const (
		build = "/home/u/.cache/kvsim/lab/build-1/src"
		abs   = "/home/u/student/r3"
	)
	out := `# 6.5840/kvsrv1
../../../../../student/r3/client.go:26: not enough return values
/home/u/student/r3/server.go:4: "strings" imported and not used
	/home/u/student/r3/server.go:4[/home/u/.cache/kvsim/lab/build-1/src/kvsrv1/server.go:5:2]: other declaration of strings
../../../../../student/r3/lock/lock.go:7:2: undefined: x
cmd/kvsimlab/main.go:12: something of kvsim's
/usr/local/go/src/fmt/print.go:1: elsewhere
`
	want := `# 6.5840/kvsrv1
student/r3/client.go:26: not enough return values
student/r3/server.go:4: "strings" imported and not used
	student/r3/server.go:4: other declaration of strings
student/r3/lock/lock.go:7:2: undefined: x
cmd/kvsimlab/main.go:12: something of kvsim's
/usr/local/go/src/fmt/print.go:1: elsewhere
`
	if got := folderPaths(out, build, abs, "student/r3"); got != want {
		t.Errorf("relative --dir:\n%s\nwant:\n%s", got, want)
	}
	if got := folderPaths(out, build, abs, abs); !strings.Contains(got, "\n"+abs+"/client.go:26: ") || strings.Contains(got, "../") {
		t.Errorf("absolute --dir:\n%s", got)
	}
}

// TestCompileErrorNamesTheFolderAsGiven: with the cache beside the
// folder, where go build names the folder's files relative to its own
// directory ("../../../student/r3/client.go"), the error still names the
// file under --dir as the user gave it.
func TestCompileErrorNamesTheFolderAsGiven(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "student", "r3")
	for _, name := range []string{"server.go", "client.go", "lock/lock.go"} {
		b, err := os.ReadFile(filepath.Join("testdata/good", name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "client.go" {
			b = bytes.Replace(b, []byte("return reply.Value, reply.Version, reply.Err"), []byte("return reply.Value, reply.Err"), 1)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, _ := os.ReadFile(filepath.Join(dir, "client.go"))
	line := 1 + bytes.Count(src[:bytes.Index(src, []byte("return reply.Value, reply.Err"))], []byte("\n"))
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, given := range []string{rel, dir} {
		_, err := Build(Options{Dir: given, Cache: filepath.Join(base, "c")})
		var be *BuildError
		if !errors.As(err, &be) {
			t.Fatalf("--dir %s: %v, want a BuildError", given, err)
		}
		if want := fmt.Sprintf("\n%s:%d: ", filepath.Join(given, "client.go"), line); !strings.Contains(be.Output, want) || strings.Contains(be.Output, "../student/") {
			t.Errorf("--dir %s: the error does not name %q:\n%s", given, strings.TrimSpace(want), be.Output)
		}
	}
}
