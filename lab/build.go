package lab

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
)

//go:embed shim shimraft shimkvraft
var shims embed.FS

// Options say what to build and where.
type Options struct {
	// Dir is the student's folder, as the user names it.
	Dir string
	// Source is kvsim's source tree (the directory of its go.mod); "" means
	// $KVSIM_SRC, else the tree this package was built from.
	Source string
	// Cache is where built programs are kept; "" means $KVSIM_CACHE, else
	// <user cache dir>/kvsim/lab.
	Cache string
	// Log, if set, hears what Build does (a build, or a cache hit).
	Log io.Writer
}

// Program is a built program for one folder.
type Program struct {
	Path string // the executable
	Name string // the implementation's name, lab/<folder>
	Hit  bool   // it came from the cache
	// HasLock reports that the folder has a lock/ of its own; without
	// one, the lock scenarios run kvsim's lock on the folder's clerk.
	HasLock bool
	// Lab is the course's lab the folder is of: "kvsrv1" or "raft1".
	Lab string
}

// BuildError is go build's complaint about the student's code; its
// positions are the student's files, named as the user named the folder.
type BuildError struct {
	Output string
	Lab    string // the folder's lab: kvsrv1, raft1
}

func (e *BuildError) Error() string {
	if e.Lab == kvraft1Kind.name {
		return "building the folder against kvsim's shims failed (kvsim starts each server with StartKVServer(ends, gid, me, persister, maxraftstate) and each clerk with MakeClerk(clnt, servers), as the course's tester does, with the tree's raftapi (../raftapi, else the course's) and the course's labrpc, tester1, kvtest1, kvsrv1/rpc and labgob as the course ships them: a folder that relies on changes to those packages does not build):\n" + e.Output
	}
	if e.Lab == rsmKind.name {
		return "building the folder against kvsim's shims failed (kvsim runs its own server on the folder's MakeRSM(ends, me, persister, maxraftstate, sm) and Submit(req), with the tree's raftapi (../../raftapi, else the course's) and the course's labrpc, tester1, kvsrv1/rpc and labgob as the course ships them: a folder that relies on changes to those packages does not build):\n" + e.Output
	}
	if e.Lab == shardkv1Kind.name {
		return "building the folder against kvsim's shims failed (kvsim starts each group server with shardgrp.StartServerShardGrp(ends, gid, me, persister, maxraftstate), each controller with shardctrler.MakeShardCtrler(clnt) and each clerk with MakeClerk(clnt, ctrler), as the course's tester does, with the tree's kvsrv1, kvraft1/rsm, raft1 and raftapi (../raftapi, else the course's) and the course's labrpc, tester1, kvtest1, kvsrv1/rpc and labgob as the course ships them: a folder that relies on changes to those packages does not build):\n" + e.Output
	}
	if e.Lab == raft1Kind.name {
		return "building the folder against kvsim's shims failed (kvsim calls Make(peers, me, persister, applyCh) as the course's tester does, with the course's raftapi, labrpc, tester1 and labgob as the course ships them: a folder that relies on changes to those packages does not build):\n" + e.Output
	}
	return "building the folder against kvsim's shims failed (kvsim builds the server with StartKVServer, as the course's tester does, in the 2025 or the 2026 skeleton's form, or with MakeKVServer() when there is no StartKVServer; then MakeClerk(clnt, server) and MakeLock(ck, key)):\n" + e.Output
}

// Build checks the folder, writes the temporary module and builds it, or
// finds it built in the cache. An unsupported construct is an
// *UnsupportedError, a compile error a *BuildError.
func Build(opt Options) (Program, error) {
	f, err := readFolder(opt.Dir)
	if err != nil {
		return Program{}, err
	}
	if err := f.check(); err != nil {
		return Program{}, err
	}
	abs, err := filepath.Abs(opt.Dir)
	if err != nil {
		return Program{}, err
	}
	src, err := findSource(opt.Source)
	if err != nil {
		return Program{}, err
	}
	cache, err := cacheDir(opt.Cache)
	if err != nil {
		return Program{}, err
	}
	mod, err := f.module(abs, src)
	if err != nil {
		return Program{}, err
	}
	key, err := buildKey(mod, src)
	if err != nil {
		return Program{}, err
	}
	prog := Program{Path: filepath.Join(cache, key, "kvsimlab"), Name: implName(abs), HasLock: f.hasLock, Lab: f.kind.name}
	if _, err := os.Stat(prog.Path); err == nil {
		prog.Hit = true
		now := time.Now()
		os.Chtimes(filepath.Dir(prog.Path), now, now) // recently used: pruned last
		logf(opt.Log, "kvsim lab: %s: built program cached at %s\n", opt.Dir, prog.Path)
		return prog, nil
	}
	logf(opt.Log, "kvsim lab: %s: building against kvsim at %s\n", opt.Dir, src)
	// Messages name the siblings' files from the folder that holds them
	// all: "../raft1" is named from the folder above.
	root, dir := abs, filepath.Clean(opt.Dir)
	ups := 0
	for _, sib := range f.kind.siblings {
		ups = max(ups, strings.Count(sib, "../"))
	}
	for range ups {
		root, dir = filepath.Dir(root), filepath.Dir(dir)
	}
	paths := func(out, buildDir string) string { return folderPaths(out, buildDir, root, dir) }
	rewrite := func(srcDir string) error { return f.rewriteModule(srcDir, abs, paths) }
	if err := build(mod, cache, key, rewrite, paths); err != nil {
		if be, ok := err.(*BuildError); ok {
			be.Lab = f.kind.name
		}
		return prog, err
	}
	return prog, prune(cache, keepBuilds)
}

// keepBuilds is how many built programs the cache keeps (about 13 MB each):
// a student who edits and reruns makes a new one every time.
const keepBuilds = 32

// prune removes all but the keep most recently used programs, and builds
// that a killed kvsim left behind.
func prune(cache string, keep int) error {
	entries, err := os.ReadDir(cache)
	if err != nil {
		return err
	}
	type built struct {
		name string
		used time.Time
	}
	var all []built
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !e.IsDir() {
			continue
		}
		if strings.HasPrefix(e.Name(), "build-") {
			if time.Since(info.ModTime()) > time.Hour {
				os.RemoveAll(filepath.Join(cache, e.Name()))
			}
			continue
		}
		all = append(all, built{e.Name(), info.ModTime()})
	}
	slices.SortFunc(all, func(a, b built) int { return b.used.Compare(a.used) })
	for _, b := range all[min(keep, len(all)):] {
		if err := os.RemoveAll(filepath.Join(cache, b.name)); err != nil {
			return err
		}
	}
	return nil
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}

// implName names the folder's implementation: lab/<folder's base name>.
func implName(abs string) string { return "lab/" + filepath.Base(abs) }

// module returns the temporary module's files by path.
func (f *folder) module(abs, src string) (map[string][]byte, error) {
	mod := map[string][]byte{}
	for _, dir := range f.kind.shims {
		if f.ownAPI() && path.Base(dir) == "raftapi" {
			continue // the tree's own, as its raft1 and rsm were built with
		}
		err := fs.WalkDir(shims, dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := shims.ReadFile(p)
			_, coursePath, _ := strings.Cut(p, "/")
			mod[coursePath] = b
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	for _, sf := range f.files {
		// As written, under a //line directive, so that what the type
		// checker says names the student's file; build rewrites it.
		mod[path.Join(f.kind.name, sf.rel)] = slices.Concat(lineDirective(filepath.Join(abs, filepath.FromSlash(sf.rel))), sf.moduleImports())
	}
	gomod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		return nil, err
	}
	if mod["go.mod"], err = moduleFile(gomod, src); err != nil {
		return nil, err
	}
	if mod["go.sum"], err = os.ReadFile(filepath.Join(src, "go.sum")); err != nil {
		return nil, err
	}
	var main bytes.Buffer
	switch f.kind {
	case raft1Kind:
		err = raftMainTemplate.Execute(&main, struct{ Name string }{implName(abs)})
	case kvraft1Kind:
		err = f.kvraft1Main(&main, mod, abs)
	case rsmKind:
		err = rsmMain(&main, mod, abs)
	case shardkv1Kind:
		err = f.shardMain(&main, mod, abs)
	default:
		err = f.kvsrv1Main(&main, mod, abs)
	}
	if err != nil {
		return nil, err
	}
	mod["cmd/kvsimlab/main.go"] = main.Bytes()
	return mod, nil
}

// moduleImports is sf's source with each import of a module outside the
// standard library that kvsim stands in for (uuid, go-deadlock) pointing at
// its stand-in already: the type checker then needs no download, and the
// stand-in has the API the folder uses. The standard library's stand-ins
// are put in by the rewriter, once the real packages' types have said
// which expressions are channels.
func (sf srcFile) moduleImports() []byte {
	var b []byte
	last := 0
	for _, imp := range sf.ast.Imports {
		p, _ := importName(imp)
		first, _, _ := strings.Cut(p, "/")
		to := standIns[p]
		if to == "" || !strings.Contains(first, ".") {
			continue
		}
		at, end := sf.fset.Position(imp.Path.Pos()).Offset, sf.fset.Position(imp.Path.End()).Offset
		b = append(append(b, sf.src[last:at]...), strconv.Quote(to)...)
		last = end
	}
	return append(b, sf.src[last:]...)
}

// kvsrv1Main writes a kvsrv1 folder's main, and puts the folder's own
// rpc declarations, if any, in mod.
func (f *folder) kvsrv1Main(main io.Writer, mod map[string][]byte, abs string) error {
	ownWire, err := treeRPC(mod, abs)
	if err != nil {
		return err
	}
	start, err := f.serverConstructor(".")
	if err != nil {
		return err
	}
	return mainTemplate.Execute(main, struct {
		Name             string
		HasLock, OwnWire bool
		Start            string
	}{implName(abs), f.hasLock, ownWire, start})
}

// kvraft1Main writes a kvraft1 folder's main, and puts the rpc
// declarations of the kvsrv1 folder beside it, if any, in mod, as
// kvsrv1Main does.
//
// The 2026 skeleton's StartKVServer returns []any, not []tester.IService,
// so its Raft needs no Kill: the folder then gets raft1's raftapi (without
// Kill), and the Gid its NewServer names, which the skeleton declares in
// the course's test.go.
func (f *folder) kvraft1Main(main io.Writer, mod map[string][]byte, abs string) error {
	ownWire, err := treeRPC(mod, filepath.Join(abs, "..", kvsrv1Kind.name))
	if err != nil {
		return err
	}
	if f.returnsAny("StartKVServer") {
		if !f.ownAPI() {
			if mod["raftapi/raftapi.go"], err = shims.ReadFile("shimraft/raftapi/raftapi.go"); err != nil {
				return err
			}
		}
		if !f.declares(".", "Gid") {
			mod["kvraft1/kvsim_gid.go"] = []byte("// Code generated by kvsim lab. DO NOT EDIT.\n\n// The course's test.go declares Gid, which kvsim does not build.\n\npackage kvraft\n\nimport tester \"6.5840/tester1\"\n\nconst Gid = tester.GRP0\n")
		}
	}
	return kvraftMainTemplate.Execute(main, struct {
		Name    string
		OwnWire bool
	}{implName(abs), ownWire})
}

// rsmMain writes an rsm folder's main, and puts the declarations the
// course tree's kvsrv1/rpc adds, if any, in mod (the rsm may name them;
// kvsim's server and clerk speak kvsim's own wire types).
//
// The folder's own wire structs, if its tree adds fields to them, come
// too: its rsm may read them (a client id for its own duplicate table);
// kvsim's server submits its own requests, which the rsm passes through.
func rsmMain(main io.Writer, mod map[string][]byte, abs string) error {
	if _, err := treeRPC(mod, filepath.Join(abs, "..", "..", kvsrv1Kind.name)); err != nil {
		return err
	}
	return rsmMainTemplate.Execute(main, struct{ Name string }{implName(abs)})
}

// shardMain writes a shardkv1 folder's main, and puts the declarations
// the course tree's kvsrv1/rpc adds, if any, in mod, as rsmMain does; the
// tree's kvsrv1 server is the controller's, built as kvsrv1Main builds
// it.
func (f *folder) shardMain(main io.Writer, mod map[string][]byte, abs string) error {
	if _, err := treeRPC(mod, filepath.Join(abs, "..", kvsrv1Kind.name)); err != nil {
		return err
	}
	start, err := f.serverConstructor("../" + kvsrv1Kind.name)
	if err != nil {
		return err
	}
	return shardMainTemplate.Execute(main, struct {
		Name, Start string
		Key2Shard   bool
	}{implName(abs), start, f.declaresFunc("shardcfg", "Key2Shard")})
}

var shardMainTemplate = template.Must(template.New("main").Parse(`// Code generated by kvsim lab. DO NOT EDIT.

// Command kvsimlab is kvsim lab's worker for the course-style shardkv1
// folder: it makes the runs kvsim asks for with the folder's groups,
// controllers and clerks as the sharded service {{.Name}} (package
// labrt).
package main

import (
	"os"

	shardkv "6.5840/shardkv1"
	"6.5840/shardkv1/shardcfg"
	"6.5840/shardkv1/shardctrler"
	kvsrv "6.5840/kvsrv1"
	"6.5840/shardkv1/shardgrp"
	tester "6.5840/tester1"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/lab/labrt"
	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/shardkv/scenario"
	kvcfg "github.com/kvsim/kvsim/shardkv/shardcfg"
)

// ctrler is the folder's ShardCtrler as kvsim's scenarios drive it, its
// methods called as the course's tester calls them (as statements:
// whatever they return is dropped).
type ctrler struct{ sck *shardctrler.ShardCtrler }

func (c ctrler) InitController() { c.sck.InitController() }
func (c ctrler) InitConfig(cfg *kvcfg.Config) {
	c.sck.InitConfig(labrt.ToFolder[shardcfg.ShardConfig](cfg))
}
func (c ctrler) ChangeConfigTo(cfg *kvcfg.Config) {
	c.sck.ChangeConfigTo(labrt.ToFolder[shardcfg.ShardConfig](cfg))
}
func (c ctrler) Query() *kvcfg.Config { return labrt.FromFolder(c.sck.Query()) }
func (c ctrler) Unwrap() any          { return c.sck }

func main() {
	os.Exit(labrt.ShardMain(labrt.ShardStudent{
		Name: {{printf "%q" .Name}},
		Dir:  os.Getenv("KVSIM_LAB_DIR"),
		StartGroup: func(node *harness.Node, gid int, maxraftstate int) []any {
			return labrt.Services(shardgrp.StartServerShardGrp(node.Ends, tester.Tgid(gid), node.Me, node.Persister, maxraftstate))
		},
		NewController: func(clnt *labrt.Clnt) scenario.Controller { return ctrler{shardctrler.MakeShardCtrler(clnt)} },
		NewClerk: func(clnt *labrt.Clnt, ctl any) rpc.Clerk { return shardkv.MakeClerk(clnt, ctl.(*shardctrler.ShardCtrler)) },
{{- if .Key2Shard}}
		Key2Shard: shardcfg.Key2Shard,
{{- end}}
		StartStore: func(node *harness.Node) []any {
{{- if eq .Start "make"}}
			return []any{kvsrv.MakeKVServer()}
{{- else}}
			return labrt.Services(kvsrv.StartKVServer({{if eq .Start "2026"}}&tester.TesterClnt{}, {{end}}node.Ends, 0, 0, node.Persister))
{{- end}}
		},
	}, os.Args[1:], os.Stdout, os.Stderr))
}
`))

var rsmMainTemplate = template.Must(template.New("main").Parse(`// Code generated by kvsim lab. DO NOT EDIT.

// Command kvsimlab is kvsim lab's worker for the course-style rsm folder:
// it makes the runs kvsim asks for with kvsim's key/value server and
// clerk on the folder's rsm and Raft, a cluster of servers, as the
// implementation {{.Name}} (package labrt).
package main

import (
	"os"

	"6.5840/kvraft1/rsm"
	"6.5840/labgob"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/lab/labrt"
	"github.com/kvsim/kvsim/raft/harness"
)

func main() {
	// As the course's rsm tests do (and a kvraft1 server).
	labgob.Register(rsm.Op{})
	os.Exit(labrt.Main(labrt.Student{
		Name: {{printf "%q" .Name}},
		Dir:  os.Getenv("KVSIM_LAB_DIR"),
		NewReplica: func(node *harness.Node, maxraftstate int) rpc.Server {
			srv := labrt.NewRSMServer()
			r := rsm.MakeRSM(node.Ends, node.Me, node.Persister, maxraftstate, srv)
			srv.Attach(r, r.Raft())
			return labrt.Replica(node, maxraftstate, srv, []any{r.Raft()})
		},
	}, os.Args[1:], os.Stdout, os.Stderr))
}
`))

// treeRPC puts in mod what the kvsrv1 folder at dir declares in its
// rpc/rpc.go beyond the course's (rpcExtras), its wire structs in place of
// kvsim's when it adds fields to them (ownWire).
func treeRPC(mod map[string][]byte, dir string) (ownWire bool, err error) {
	extras, ownWire, err := rpcExtras(dir)
	if err != nil {
		return false, err
	}
	if extras != nil {
		mod["kvsrv1/rpc/student.go"] = extras
	}
	if ownWire {
		delete(mod, "kvsrv1/rpc/wire.go")
	}
	return ownWire, nil
}

// rpcNames are the names the course's kvsrv1/rpc declares, which kvsim's
// shim provides.
var rpcNames = map[string]bool{
	"Err": true, "Tversion": true, "PutArgs": true, "PutReply": true, "GetArgs": true, "GetReply": true,
	"OK": true, "ErrNoKey": true, "ErrVersion": true, "ErrMaybe": true, "ErrWrongLeader": true, "ErrWrongGroup": true,
}

// courseWire are the course's wire structs, each field as "name type".
var courseWire = map[string][]string{
	"GetArgs":  {"Key string"},
	"GetReply": {"Value string", "Version Tversion", "Err Err"},
	"PutArgs":  {"Key string", "Value string", "Version Tversion"},
	"PutReply": {"Err Err"},
}

// rpcExtras returns, when the folder's rpc/rpc.go declares more than the
// course's (a constant for the lock's free value, say), a file of the rpc
// shim package with those declarations, or nil. The course's own
// declarations stay kvsim's, so the wire types are the simulator's, unless
// the folder adds fields to a wire struct (a request id, say): then
// ownWire is true, and the file holds the folder's four wire structs,
// which its server and clerk exchange (see labrt.OwnWire). They must keep
// the course's fields, which kvsim reads by name.
func rpcExtras(abs string) (file []byte, ownWire bool, err error) {
	name := filepath.Join(abs, "rpc", "rpc.go")
	src, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, err
	}
	fset := token.NewFileSet()
	af, err := parser.ParseFile(fset, name, src, 0)
	if err != nil {
		return nil, false, err
	}
	text := func(n ast.Node) string {
		return string(src[fset.Position(n.Pos()).Offset:fset.Position(n.End()).Offset])
	}
	var wire strings.Builder
	for _, d := range af.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.TYPE {
			continue
		}
		for _, spec := range g.Specs {
			ts := spec.(*ast.TypeSpec)
			course, isWire := courseWire[ts.Name.Name]
			st, isStruct := ts.Type.(*ast.StructType)
			if !isWire || !isStruct {
				continue
			}
			var fields []string
			for _, f := range st.Fields.List {
				for _, n := range f.Names {
					fields = append(fields, n.Name+" "+text(f.Type))
				}
			}
			for _, want := range course {
				if !slices.Contains(fields, want) {
					return nil, false, fmt.Errorf("%s: %s has no field %s: kvsim reads the course's fields of the wire types by name", fset.Position(ts.Pos()), ts.Name.Name, want)
				}
			}
			ownWire = ownWire || len(fields) > len(course)
			fmt.Fprintf(&wire, "//line %s:%d\ntype %s\n", name, fset.Position(ts.Pos()).Line, text(ts))
		}
	}
	var body strings.Builder
	if ownWire {
		body.WriteString(wire.String())
	}
	for _, d := range af.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv != nil {
				recv := d.Recv.List[0].Type
				if star, ok := recv.(*ast.StarExpr); ok {
					recv = star.X
				}
				if id, ok := recv.(*ast.Ident); ok && rpcNames[id.Name] && !(ownWire && courseWire[id.Name] != nil) {
					return nil, false, fmt.Errorf("%s: declares method %s on %s, one of the course's types, which are kvsim's own in the lab: a method cannot be added to them yet (a function taking the value runs unchanged)", fset.Position(d.Pos()), d.Name.Name, id.Name)
				}
			} else if rpcNames[d.Name.Name] {
				continue
			}
			fmt.Fprintf(&body, "//line %s:%d\n%s\n", name, fset.Position(d.Pos()).Line, text(d))
		case *ast.GenDecl:
			if d.Tok == token.IMPORT {
				continue
			}
			if iotaBlock(d) && !slices.ContainsFunc(d.Specs, func(sp ast.Spec) bool {
				return slices.ContainsFunc(sp.(*ast.ValueSpec).Names, func(n *ast.Ident) bool { return rpcNames[n.Name] })
			}) {
				// A block of iota constants of the folder's own stands
				// whole: its continuations cannot stand alone.
				fmt.Fprintf(&body, "//line %s:%d\n%s\n", name, fset.Position(d.Pos()).Line, text(d))
				continue
			}
			for _, spec := range d.Specs {
				var names []*ast.Ident
				switch sp := spec.(type) {
				case *ast.ValueSpec:
					names = sp.Names
					if d.Tok == token.CONST && sp.Values == nil {
						continue // iota continuations cannot stand alone
					}
				case *ast.TypeSpec:
					names = []*ast.Ident{sp.Name}
				}
				if slices.ContainsFunc(names, func(n *ast.Ident) bool { return rpcNames[n.Name] }) {
					continue
				}
				fmt.Fprintf(&body, "//line %s:%d\n%s %s\n", name, fset.Position(spec.Pos()).Line, d.Tok, text(spec))
			}
		}
	}
	if body.Len() == 0 {
		return nil, false, nil
	}
	var out strings.Builder
	out.WriteString("// Code generated by kvsim lab from the folder's rpc/rpc.go: what it adds to the course's. DO NOT EDIT.\n\npackage rpc\n\n")
	for _, imp := range af.Imports {
		p, local := importName(imp)
		if !strings.Contains(body.String(), local+".") {
			continue
		}
		if first, _, _ := strings.Cut(p, "/"); strings.Contains(first, ".") {
			if standIns[p] == "" {
				return nil, false, fmt.Errorf("%s: imports %q, which kvsim does not provide to a kvsrv1 folder (the course's kvsrv1/rpc imports nothing; a package of a later lab is not part of this one)", fset.Position(imp.Pos()), p)
			}
			p = standIns[p] // uuid: its ids in the wire types are the stand-in's, as in the folder's code
		}
		fmt.Fprintf(&out, "import %s %q\n", local, p)
	}
	out.WriteString(body.String())
	return []byte(out.String()), ownWire, nil
}

// iotaBlock reports whether d is a const block some of whose specs
// continue the one before (no values: iota's pattern repeated).
func iotaBlock(d *ast.GenDecl) bool {
	return d.Tok == token.CONST && slices.ContainsFunc(d.Specs, func(sp ast.Spec) bool { return sp.(*ast.ValueSpec).Values == nil })
}

// serverConstructor says how the course's tester builds the kvsrv1
// server of the folder's package at dir (".", or a shardkv1 folder's
// "../kvsrv1"): "2025" (StartKVServer(ends, gid, srv, persister) returning
// []tester.IService), "2026" (StartKVServer(tc, ends, gid, srv, persister)
// returning []any), or "make" when there is no StartKVServer but a
// MakeKVServer().
func (f *folder) serverConstructor(dir string) (string, error) {
	var start, make *ast.FuncDecl
	var where srcFile
	for _, sf := range f.files {
		if sf.dir != dir {
			continue
		}
		for _, d := range sf.ast.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil {
				switch fn.Name.Name {
				case "StartKVServer":
					start, where = fn, sf
				case "MakeKVServer":
					make = fn
				}
			}
		}
	}
	if start == nil {
		if make == nil {
			return "", fmt.Errorf("%s: neither StartKVServer nor MakeKVServer: kvsim builds the server as the course's tester does, with StartKVServer", path.Join(f.root, dir))
		}
		return "make", nil
	}
	params := 0
	for _, p := range start.Type.Params.List {
		params += max(1, len(p.Names))
	}
	pos := where.fset.Position(start.Pos())
	pos.Filename = where.path
	switch params {
	case 4:
		return "2025", nil
	case 5:
		return "2026", nil
	}
	return "", fmt.Errorf("%s: StartKVServer takes %d parameters; kvsim knows the 2025 skeleton's StartKVServer(ends, gid, srv, persister) and the 2026 skeleton's StartKVServer(tc, ends, gid, srv, persister)", pos, params)
}

var (
	moduleLine = regexp.MustCompile(`(?m)^module\s+(\S+)\s*$`)
	goLine     = regexp.MustCompile(`(?m)^go\s+\S+\s*$`)
)

// moduleFile is the go.mod of module 6.5840: kvsim, replaced by its source
// tree, and kvsim's own requirements, so that its go.sum serves.
func moduleFile(kvsimMod []byte, src string) ([]byte, error) {
	m := moduleLine.FindSubmatch(kvsimMod)
	if m == nil || string(m[1]) != kvsimModule {
		return nil, fmt.Errorf("%s/go.mod is not module %s", src, kvsimModule)
	}
	goVersion := goLine.Find(kvsimMod)
	rest := goLine.ReplaceAll(moduleLine.ReplaceAll(kvsimMod, nil), nil)
	return fmt.Appendf(nil, "module 6.5840\n\n%s\n\nrequire %s v0.0.0\n\nreplace %s => %s\n%s",
		bytes.TrimSpace(goVersion), kvsimModule, kvsimModule, src, rest), nil
}

const kvsimModule = "github.com/kvsim/kvsim"

var raftMainTemplate = template.Must(template.New("main").Parse(`// Code generated by kvsim lab. DO NOT EDIT.

// Command kvsimlab is kvsim lab's worker for the course-style raft1
// folder: it makes the runs kvsim asks for with the folder's Make as the
// Raft {{.Name}} (package labrt).
package main

import (
	"os"

	raft "6.5840/raft1"
	"github.com/kvsim/kvsim/lab/labrt"
	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/sim"
)

func main() {
	os.Exit(labrt.RaftMain(labrt.RaftStudent{
		Name: {{printf "%q" .Name}},
		Dir:  os.Getenv("KVSIM_LAB_DIR"),
		Make: func(peers []*harness.End, me int, persister *harness.Persister, applyCh *sim.Chan[harness.ApplyMsg]) harness.Raft {
			return labrt.RaftOf(raft.Make(peers, me, persister, applyCh))
		},
	}, os.Args[1:], os.Stdout, os.Stderr))
}
`))

var kvraftMainTemplate = template.Must(template.New("main").Parse(`// Code generated by kvsim lab. DO NOT EDIT.

// Command kvsimlab is kvsim lab's worker for the course-style kvraft1
// folder: it makes the runs kvsim asks for with the folder's server,
// clerk, rsm and Raft as the implementation {{.Name}}, a cluster of
// servers (package labrt).
package main

import (
	"os"

	kvraft "6.5840/kvraft1"
{{- if .OwnWire}}
	srpc "6.5840/kvsrv1/rpc"
{{- end}}
	tester "6.5840/tester1"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/lab/labrt"
	"github.com/kvsim/kvsim/raft/harness"
)

func main() {
	os.Exit(labrt.Main(labrt.Student{
		Name: {{printf "%q" .Name}},
		Dir:  os.Getenv("KVSIM_LAB_DIR"),
		NewReplica: func(node *harness.Node, maxraftstate int) rpc.Server {
			services := kvraft.StartKVServer(node.Ends, tester.GRP0, node.Me, node.Persister, maxraftstate)
			return labrt.Replica(node, maxraftstate, labrt.{{if .OwnWire}}OwnServerOf[srpc.GetArgs, srpc.GetReply, srpc.PutArgs, srpc.PutReply]{{else}}ServerOf{{end}}(services), services)
		},
		NewClusterClerk: func(clnt *labrt.Clnt, servers []string) rpc.Clerk { return kvraft.MakeClerk(clnt, servers) },
	}, os.Args[1:], os.Stdout, os.Stderr))
}
`))

var mainTemplate = template.Must(template.New("main").Parse(`// Code generated by kvsim lab. DO NOT EDIT.

// Command kvsimlab is kvsim lab's worker for the course-style folder: it
// makes the runs kvsim asks for with the folder's code as the
// implementation {{.Name}} (package labrt).
package main

import (
	"os"

	kvsrv "6.5840/kvsrv1"
{{- if ne .Start "make"}}
	"6.5840/labrpc"
	tester "6.5840/tester1"
{{- end}}
{{- if .HasLock}}
	"6.5840/kvsrv1/lock"
{{- end}}
{{- if .OwnWire}}
	srpc "6.5840/kvsrv1/rpc"
{{- end}}
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/lab/labrt"
)

func main() {
	os.Exit(labrt.Main(labrt.Student{
		Name:      {{printf "%q" .Name}},
		Dir:       os.Getenv("KVSIM_LAB_DIR"),
		NewServer: func() rpc.Server {
{{- if eq .Start "make"}}
			return {{if .OwnWire}}labrt.OwnWire[srpc.GetArgs, srpc.GetReply, srpc.PutArgs, srpc.PutReply]({{end}}kvsrv.MakeKVServer(){{if .OwnWire}}){{end}}
{{- else}}
			return labrt.{{if .OwnWire}}OwnServerOf[srpc.GetArgs, srpc.GetReply, srpc.PutArgs, srpc.PutReply]{{else}}ServerOf{{end}}({{if eq .Start "2026"}}kvsrv.StartKVServer(&tester.TesterClnt{}, []*labrpc.ClientEnd{ {} }, 0, 0, tester.MakePersister()){{else}}kvsrv.StartKVServer([]*labrpc.ClientEnd{ {} }, 0, 0, tester.MakePersister()){{end}})
{{- end}}
		},
		NewClerk:  func(clnt *labrt.Clnt, server string) rpc.Clerk { return kvsrv.MakeClerk(clnt, server) },
{{- if .HasLock}}
		NewLock:   func(ck rpc.Clerk, key string) rpc.Locker { return lock.MakeLock(ck, key) },
{{- end}}
	}, os.Args[1:], os.Stdout, os.Stderr))
}
`))

// findSource finds kvsim's source tree: the one given, $KVSIM_SRC, or the
// tree this file was compiled from.
func findSource(given string) (string, error) {
	dir := given
	if dir == "" {
		dir = os.Getenv("KVSIM_SRC")
	}
	if dir == "" {
		if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
			dir = filepath.Dir(filepath.Dir(file))
		}
	}
	if dir == "" {
		return "", errors.New("cannot find kvsim's source tree (this kvsim was built with -trimpath): pass --kvsim-src DIR or set KVSIM_SRC")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if m := moduleLine.FindSubmatch(b); err != nil || m == nil || string(m[1]) != kvsimModule {
		return "", fmt.Errorf("%s is not kvsim's source tree (no go.mod of %s): pass --kvsim-src DIR or set KVSIM_SRC", dir, kvsimModule)
	}
	return dir, nil
}

func cacheDir(given string) (string, error) {
	if given == "" {
		given = os.Getenv("KVSIM_CACHE")
	}
	if given == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("no cache directory (set KVSIM_CACHE): %w", err)
		}
		given = filepath.Join(base, "kvsim", "lab")
	}
	return given, os.MkdirAll(given, 0o755)
}

// buildKey hashes everything the program is built from: the module's files,
// kvsim's source (its non-test Go files, go.mod and go.sum) and the Go
// toolchain.
func buildKey(mod map[string][]byte, src string) (string, error) {
	h := sha256.New()
	add := func(name string, b []byte) { fmt.Fprintf(h, "%s %d\n%s", name, len(b), b) }
	add("kvsim lab build v1", nil)
	for _, name := range sortedKeys(mod) {
		add(name, mod[name])
	}
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != src && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !(strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") || name == "go.mod" || name == "go.sum") {
			return nil
		}
		b, err := os.ReadFile(p)
		add(p, b)
		return err
	})
	if err != nil {
		return "", err
	}
	env, err := exec.Command("go", "env", "GOVERSION", "GOOS", "GOARCH", "GOFLAGS").Output()
	if err != nil {
		return "", fmt.Errorf("kvsim lab needs the go command to build the folder: %w", err)
	}
	add("go env", env)
	return hex.EncodeToString(h.Sum(nil))[:24], nil
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// build writes the module under a fresh directory of the cache, has
// rewrite rewrite the student's files there (it type-checks them as
// written first), builds the program, and moves the directory to its key:
// a concurrent build of the same key loses nothing but time. A failed
// build's output goes through paths, with the directory go build ran in.
func build(mod map[string][]byte, cache, key string, rewrite func(srcDir string) error, paths func(out, buildDir string) string) error {
	tmp, err := os.MkdirTemp(cache, "build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	srcDir := filepath.Join(tmp, "src")
	for name, b := range mod {
		p := filepath.Join(srcDir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
	}
	if err := rewrite(srcDir); err != nil {
		return err
	}
	cmd := exec.Command("go", "build", "-mod=mod", "-o", filepath.Join(tmp, "kvsimlab"), "./cmd/kvsimlab")
	cmd.Dir = srcDir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return &BuildError{Output: paths(string(out), srcDir)}
	}
	err = os.Rename(tmp, filepath.Join(cache, key))
	if err != nil {
		if _, serr := os.Stat(filepath.Join(cache, key, "kvsimlab")); serr == nil {
			return nil // another build of the same key won
		}
	}
	return err
}

var (
	// goPosition is a file:line in go build's output, at the start of a
	// line, after a space or tab, or in brackets.
	goPosition = regexp.MustCompile(`(^|[\s\[])([^\s\[\]]+\.go)(:\d+)`)
	// copyPosition is a bracketed position after another (go build's
	// "file.go:4[build/file.go:5:2]"): the line directive's real place.
	copyPosition = regexp.MustCompile(`\[([^\s\[\]]+\.go):\d+(:\d+)?\]`)
)

// folderPaths rewrites go build's output so that it names the folder's
// files as the user named the folder, dir (whose absolute path is abs). The
// rewritten files' line directives name them by absolute path, but go
// build shortens a path to one relative to the directory it ran in,
// buildDir in kvsim's cache, when that is shorter
// ("../../../student/r3/server.go:46"); and it adds, in brackets, the
// position in its own copy of the file, which is gone once the build
// ends.
func folderPaths(out, buildDir, abs, dir string) string {
	if real, err := filepath.EvalSymlinks(buildDir); err == nil {
		buildDir = real // go build knows its directory by its real path
	}
	resolve := func(p string) string {
		if !filepath.IsAbs(p) {
			p = filepath.Join(buildDir, p)
		}
		return p
	}
	within := func(p, root string) (string, bool) {
		rel, err := filepath.Rel(root, p)
		return rel, err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
	}
	out = copyPosition.ReplaceAllStringFunc(out, func(m string) string {
		if _, ok := within(resolve(copyPosition.FindStringSubmatch(m)[1]), buildDir); ok {
			return ""
		}
		return m
	})
	return goPosition.ReplaceAllStringFunc(out, func(m string) string {
		sub := goPosition.FindStringSubmatch(m)
		if rel, ok := within(resolve(sub[2]), abs); ok {
			return sub[1] + filepath.Join(dir, rel) + sub[3]
		}
		return m
	})
}

// returnsAny reports whether the folder's function name, in its own
// package, returns []any (or []interface{}).
func (f *folder) returnsAny(name string) bool {
	for _, sf := range f.files {
		if sf.dir != "." {
			continue
		}
		for _, d := range sf.ast.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || fn.Name.Name != name || fn.Type.Results == nil || len(fn.Type.Results.List) != 1 {
				continue
			}
			arr, ok := fn.Type.Results.List[0].Type.(*ast.ArrayType)
			if !ok {
				return false
			}
			switch elt := arr.Elt.(type) {
			case *ast.Ident:
				return elt.Name == "any"
			case *ast.InterfaceType:
				return len(elt.Methods.List) == 0
			}
			return false
		}
	}
	return false
}

// declares reports whether the folder's package in dir declares name at
// package level.
func (f *folder) declares(dir, name string) bool {
	for _, sf := range f.files {
		if sf.dir == dir && sf.ast.Scope.Lookup(name) != nil {
			return true
		}
	}
	return false
}

// declaresFunc reports whether the folder's package in dir declares a
// function (not a method, nor a generic one) named name, whose value the
// generated program can take.
func (f *folder) declaresFunc(dir, name string) bool {
	for _, sf := range f.files {
		if sf.dir != dir {
			continue
		}
		for _, d := range sf.ast.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == name && fd.Recv == nil && fd.Type.TypeParams == nil {
				return true
			}
		}
	}
	return false
}

// ownAPI reports whether the folder is built with its tree's own raftapi
// (kind.ownAPI).
func (f *folder) ownAPI() bool {
	return f.kind.ownAPI != "" && slices.Contains(f.dirs, f.kind.ownAPI)
}
