package lab

import (
	"fmt"
	"os"
	"path"
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
	// shims are the directories of the embedded shims the folder's module
	// gets, each at the course's path (the directory less its first
	// element).
	shims []string
	// siblings are the course's folders near this one that hold the
	// student's code too (kvraft1's raft1), relative to it ("../raft1"):
	// read as its subdirectories, so their import paths, line directives
	// and package state come out as the folder's own.
	siblings []string
	// ownAPI is where the course's raftapi sits beside the folder
	// ("../raftapi"), if kvsim may build the tree's own: a folder whose
	// server and rsm own the applyCh (kvraft1, rsm) may have changed it
	// (an ApplyMsg field, a method of Raft), and kvsim reads nothing of
	// it. A raft1 folder's ApplyMsg is the harness's, so it gets the shim.
	ownAPI string
}

var (
	kvsrv1Kind = &kind{
		name: "kvsrv1", pkg: "kvsrv", sub: map[string]string{"lock": "lock"},
		need:   []string{"server.go", "client.go"},
		layout: "a folder laid out like the course's kvsrv1 (server.go, client.go, lock/lock.go)",
		staff:  []string{"test.go"},
		course: []string{"6.5840/kvsrv1/rpc", "6.5840/kvtest1", "6.5840/tester1", "6.5840/labrpc", "6.5840/labgob"},
		skip:   []string{"rpc"},
		shims:  []string{"shim/kvsrv1", "shim/kvtest1", "shim/tester1", "shim/labrpc", "shim/labgob"},
	}
	raft1Kind = &kind{
		name: "raft1", pkg: "raft",
		need:   []string{"raft.go"},
		layout: "a folder laid out like the course's raft1 (raft.go with Make)",
		staff:  []string{"server.go", "test.go", "proxy.go"}, // proxy.go: the 2026 skeleton's
		course: []string{"6.5840/raftapi", "6.5840/tester1", "6.5840/labrpc", "6.5840/labgob"},
		shims:  []string{"shimraft/raftapi", "shimraft/tester1", "shimraft/labrpc", "shim/labgob"},
	}
	// kvraft1Kind is the replicated service: the kvraft1 folder (its
	// server, clerk and rsm/) and the raft1 folder beside it, as the
	// course's tree has them.
	kvraft1Kind = &kind{
		name: "kvraft1", pkg: "kvraft", sub: map[string]string{"rsm": "rsm", "../raft1": "raft"},
		need:     []string{"server.go", "client.go", "rsm/rsm.go", "../raft1/raft.go"},
		layout:   "a folder laid out like the course's kvraft1 (server.go, client.go, rsm/rsm.go), with the course's raft1 beside it",
		staff:    []string{"test.go", "rsm/server.go", "rsm/test.go", "rsm/proxy.go", "../raft1/server.go", "../raft1/test.go", "../raft1/proxy.go"},
		course:   []string{"6.5840/kvsrv1/rpc", "6.5840/kvtest1", "6.5840/tester1", "6.5840/labrpc", "6.5840/labgob", "6.5840/raftapi"},
		shims:    []string{"shim/kvsrv1", "shim/kvtest1", "shimraft/tester1", "shimraft/labrpc", "shim/labgob", "shimkvraft/raftapi"},
		siblings: []string{"../raft1"},
		ownAPI:   "../raftapi",
	}
	// rsmKind is kvraft1's rsm alone, with the raft1 of the course's
	// tree: kvsim runs its own key/value server and clerk on it.
	rsmKind = &kind{
		name: "kvraft1/rsm", pkg: "rsm", sub: map[string]string{"../../raft1": "raft"},
		need:     []string{"rsm.go", "../../raft1/raft.go"},
		layout:   "a folder laid out like the course's kvraft1/rsm (rsm.go with MakeRSM and Submit), with the course's raft1 two levels up",
		staff:    []string{"server.go", "test.go", "proxy.go", "../../raft1/server.go", "../../raft1/test.go", "../../raft1/proxy.go"},
		course:   []string{"6.5840/kvsrv1/rpc", "6.5840/tester1", "6.5840/labrpc", "6.5840/labgob", "6.5840/raftapi"},
		shims:    []string{"shim/kvsrv1", "shimraft/tester1", "shimraft/labrpc", "shim/labgob", "shimraft/raftapi"},
		siblings: []string{"../../raft1"},
		ownAPI:   "../../raftapi",
	}
	// shardkv1Kind is the sharded service: the shardkv1 folder (its
	// clerk, shardgrp/, shardctrler/, and the course's shardcfg/), with
	// the tree's kvsrv1 (the controller's clerk, and the server that
	// keeps its configuration, as in the course's tester), kvraft1/rsm
	// and raft1 beside it.
	shardkv1Kind = &kind{
		name: "shardkv1", pkg: "shardkv",
		sub: map[string]string{"shardgrp": "shardgrp", "shardgrp/shardrpc": "shardrpc", "shardctrler": "shardctrler", "shardcfg": "shardcfg",
			"../kvsrv1": "kvsrv", "../kvraft1/rsm": "rsm", "../raft1": "raft"},
		need: []string{"client.go", "shardgrp/server.go", "shardctrler/shardctrler.go", "shardcfg/shardcfg.go",
			"../kvsrv1/client.go", "../kvraft1/rsm/rsm.go", "../raft1/raft.go"},
		layout: "a folder laid out like the course's shardkv1 (client.go, shardgrp/, shardctrler/, shardcfg/), with the course's kvsrv1, kvraft1/rsm and raft1 beside it",
		staff: []string{"test.go", "../kvsrv1/test.go", "../kvraft1/rsm/server.go", "../kvraft1/rsm/test.go", "../kvraft1/rsm/proxy.go",
			"../raft1/server.go", "../raft1/test.go", "../raft1/proxy.go"},
		course:   []string{"6.5840/kvsrv1/rpc", "6.5840/kvtest1", "6.5840/tester1", "6.5840/labrpc", "6.5840/labgob", "6.5840/raftapi"},
		skip:     []string{"../kvsrv1/rpc"},
		shims:    []string{"shim/kvsrv1", "shim/kvtest1", "shimraft/tester1", "shimraft/labrpc", "shim/labgob", "shimkvraft/raftapi"},
		siblings: []string{"../kvsrv1", "../kvraft1/rsm", "../raft1"},
		ownAPI:   "../raftapi",
	}
	// kinds in the order kindOf tries them: a kvraft1 folder has a
	// kvsrv1 folder's files too.
	kinds = []*kind{kvraft1Kind, kvsrv1Kind, raft1Kind, rsmKind, shardkv1Kind}
)

// layouts says what each kind of folder holds, for messages.
func layouts() string {
	var l []string
	for _, k := range kinds {
		l = append(l, k.layout)
	}
	return strings.Join(l[:len(l)-1], ", ") + ", or " + l[len(l)-1]
}

// KindOf names the lab the folder at dir is of ("kvsrv1", "raft1",
// "kvraft1", "kvraft1/rsm", "shardkv1"), before anything is built: for a front end that
// checks its flags against that lab's scenarios first.
func KindOf(dir string) (string, error) {
	k, err := kindOf(dir)
	if err != nil {
		return "", err
	}
	return k.name, nil
}

// kindOf tells which lab the folder at dir is of.
func kindOf(dir string) (*kind, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%s: not a folder: want %s", dir, layouts())
	}
	has := func(name string) bool {
		_, err := os.Stat(filepath.Join(dir, name))
		return err == nil
	}
	lacking := func(k *kind) []string {
		var missing []string
		for _, f := range k.need {
			if !has(f) {
				missing = append(missing, f)
			}
		}
		return missing
	}
	for _, k := range kinds {
		if len(lacking(k)) == 0 {
			return k, nil
		}
	}
	if has("rsm.go") {
		return nil, fmt.Errorf("%s: an rsm folder without ../../raft1/raft.go: want %s", dir, rsmKind.layout)
	}
	if has("rsm/rsm.go") {
		return nil, fmt.Errorf("%s: a kvraft1 folder without ../raft1/raft.go: want %s", dir, kvraft1Kind.layout)
	}
	if has("shardgrp/server.go") {
		return nil, fmt.Errorf("%s: a shardkv1 folder without %s: want %s", dir, strings.Join(lacking(shardkv1Kind), ", "), shardkv1Kind.layout)
	}
	return nil, fmt.Errorf("%s: no %s: want %s", dir, strings.Join(lacking(kvsrv1Kind), " or "), layouts())
}

// importPath is the import path of the folder's package at dir (".", or a
// subdirectory).
func (k *kind) importPath(dir string) string {
	return path.Join("6.5840", k.name, dir)
}
