package kvsimtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// mykv is a user's module: a server whose constructor returns *Server (as
// servers do), with the bug of ignoring the version.
const mykv = `package mykv

import (
	"sync"

	"github.com/kvsim/kvsim/kv/rpc"
)

type entry struct {
	value   string
	version rpc.Tversion
}

type Server struct {
	mu   sync.Mutex
	data map[string]entry
}

func NewServer() *Server { return &Server{data: map[string]entry{}} }

func (s *Server) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.data[args.Key]
	if !ok {
		reply.Err = rpc.ErrNoKey
		return
	}
	reply.Value, reply.Version, reply.Err = e.value, e.version, rpc.OK
}

// Put applies any version: the bug.
func (s *Server) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.data[args.Key]
	s.data[args.Key] = entry{args.Value, e.version + 1}
	reply.Err = rpc.OK
}
`

// readmeExample is the README's kvsimtest example, as a user copies it.
func readmeExample(t *testing.T) string {
	text, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	in := false
	for _, line := range strings.Split(string(text), "\n") {
		if strings.HasPrefix(line, "    func TestMyKV(") {
			in = true
		}
		if in {
			b.WriteString(strings.TrimPrefix(line, "    ") + "\n")
			if line == "    }" {
				return b.String()
			}
		}
	}
	t.Fatal("README.md has no example 'func TestMyKV(' ending in '    }'")
	return ""
}

// TestOutsideModule uses kvsimtest as a user does: from a module of its
// own that requires kvsim through a replace directive, with the README's
// example as its test and no testdata folder yet. The failure makes the
// fail file and its folder, in kvsim's fail file format; the replay line
// it prints works from the module's root; no kvsim-artifacts-* folder
// lands in the system's temporary folder; the report it names is there.
func TestOutsideModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module of its own and runs go test in it twice")
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		t.Skipf("no go command: %v", err)
	}
	kvsim, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	root, tmp := t.TempDir(), t.TempDir()
	sum, err := os.ReadFile(filepath.Join(kvsim, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	test := "package mykv_test\n\nimport (\n\t\"testing\"\n\n\t\"example.com/mine/mykv\"\n\t\"github.com/kvsim/kvsim/kv/rpc\"\n\t\"github.com/kvsim/kvsim/kvsimtest\"\n\t\"github.com/kvsim/kvsim\"\n)\n\n" + readmeExample(t)
	for name, text := range map[string]string{
		"go.mod":            "module example.com/mine\n\ngo 1.26\n\nrequire github.com/kvsim/kvsim v0.0.0\n\nreplace github.com/kvsim/kvsim => " + kvsim + "\n",
		"go.sum":            string(sum),
		"mykv/mykv.go":      mykv,
		"mykv/mykv_test.go": test,
	} {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	goTest := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(goBin, append([]string{"test"}, args...)...)
		cmd.Dir = root
		// The module cache has kvsim's requirements; nothing is fetched.
		cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if _, failed := err.(*exec.ExitError); !failed {
			t.Fatalf("go test %s: %v, want the test to fail\n%s", strings.Join(args, " "), err, out.String())
		}
		return out.String()
	}

	out := goTest("./mykv", "-kvsim.seeds=50")
	replay := regexp.MustCompile(`repro: (go test ./mykv -run '\^TestMyKV\$' -kvsim.scenario=\S+ -kvsim.seed=(\d+) -kvsim.faults=swarm)\n`).FindStringSubmatch(out)
	if replay == nil {
		t.Fatalf("no replay line from the module's root:\n%s", out)
	}
	if !strings.Contains(out, "fail file: mykv/testdata/kvsim/TestMyKV.fail (added: ") || strings.Contains(out, "no such file") {
		t.Errorf("the fail file is not said to be written:\n%s", out)
	}
	text, err := os.ReadFile(filepath.Join(root, "mykv", "testdata", "kvsim", "TestMyKV.fail"))
	if err != nil || !strings.HasPrefix(string(text), "kvsim fail file v2\n") || !strings.Contains(string(text), " choices=") || strings.Contains(string(text), "regression corpus") {
		t.Errorf("fail file: %v\n%s", err, text)
	}
	report := regexp.MustCompile(`report: (\S+)\n`).FindStringSubmatch(out)
	if report == nil || !strings.HasPrefix(report[1], filepath.Join(root, "mykv", "testdata", "kvsim", "artifacts", "TestMyKV")+string(filepath.Separator)) {
		t.Errorf("no report under mykv/testdata/kvsim/artifacts:\n%s", out)
	} else if _, err := os.Stat(report[1]); err != nil {
		t.Error(err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(tmp, "kvsim-artifacts-*")); len(leftovers) > 0 {
		t.Errorf("left in the temporary folder: %v", leftovers)
	}

	// The printed line, as a user pastes it into a shell at the root.
	args := strings.Fields(strings.ReplaceAll(replay[1], "'", ""))[2:]
	again := goTest(args...)
	if !strings.Contains(again, " seed="+replay[2]+" ") || !strings.Contains(again, "(replayed from it)") {
		t.Errorf("%s does not replay seed %s:\n%s", replay[1], replay[2], again)
	}
}
