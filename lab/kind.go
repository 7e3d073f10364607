package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// kind is a lab of the course whose folders kvsim runs: where the folder's
// package lives in the course's module, what the folder must hold, which
// of its files are the course's harness, and which of the course's
// packages kvsim provides to it.
type kind struct {
	name string // the folder's directory in the course's module: kvsrv1, raft1
	pkg  string // the package of the folder's own files
	// sub are the package names the folder's subdirectories must have.
	sub map[string]string
	// need are files a folder of the kind has, and layout says so.
	need   []string
	layout string
	// staff are the course's harness files in the folder, which kvsim
	// does not build: it has its own equivalents.
	staff []string
	// course are the course's packages kvsim provides (as shims).
	course []string
	// skip are subdirectories kvsim provides itself.
	skip []string
}

var (
	kvsrv1Kind = &kind{
		name: "kvsrv1", pkg: "kvsrv", sub: map[string]string{"lock": "lock"},
		need:   []string{"server.go", "client.go"},
		layout: "a folder laid out like the course's kvsrv1 (server.go, client.go, lock/lock.go)",
		staff:  []string{"test.go"},
		course: []string{"6.5840/kvsrv1/rpc", "6.5840/kvtest1", "6.5840/tester1", "6.5840/labrpc", "6.5840/labgob"},
		skip:   []string{"rpc"},
	}
	raft1Kind = &kind{
		name: "raft1", pkg: "raft",
		need:   []string{"raft.go"},
		layout: "a folder laid out like the course's raft1 (raft.go with Make)",
		staff:  []string{"server.go", "test.go", "proxy.go"}, // proxy.go: the 2026 skeleton's
		course: []string{"6.5840/raftapi", "6.5840/tester1", "6.5840/labrpc", "6.5840/labgob"},
	}
)

// kindOf tells which lab the folder at dir is of.
func kindOf(dir string) (*kind, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%s: not a folder: want %s, or %s", dir, kvsrv1Kind.layout, raft1Kind.layout)
	}
	has := func(name string) bool {
		_, err := os.Stat(filepath.Join(dir, name))
		return err == nil
	}
	for _, k := range []*kind{kvsrv1Kind, raft1Kind} {
		all := true
		for _, f := range k.need {
			all = all && has(f)
		}
		if all {
			return k, nil
		}
	}
	var missing []string
	for _, f := range kvsrv1Kind.need {
		if !has(f) {
			missing = append(missing, f)
		}
	}
	return nil, fmt.Errorf("%s: no %s: want %s, or %s", dir, strings.Join(missing, " or "), kvsrv1Kind.layout, raft1Kind.layout)
}

// importPath is the import path of the folder's package at dir (".", or a
// subdirectory).
func (k *kind) importPath(dir string) string {
	if dir == "." {
		return "6.5840/" + k.name
	}
	return "6.5840/" + k.name + "/" + dir
}
