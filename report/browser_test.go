package report

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim"
)

// chromium finds a headless-capable Chromium: $KVSIM_CHROMIUM, else the
// usual names on PATH. Tests skip without one; .ci/run installs Debian's.
func chromium(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv("KVSIM_CHROMIUM"); bin != "" {
		return bin
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if bin, err := exec.LookPath(name); err == nil {
			return bin
		}
	}
	t.Skip("no Chromium found (install Debian's chromium package, or set KVSIM_CHROMIUM): skipping the browser test")
	return ""
}

// headless runs Chromium on a page and returns its standard output and
// log. The page's console messages and uncaught errors are in the log.
func headless(t testing.TB, bin string, args ...string) (stdout, log string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0"}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var out, errs strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errs
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", bin, args, err, errs.String())
	}
	return out.String(), errs.String()
}

func fileURL(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		panic(err)
	}
	return (&url.URL{Scheme: "file", Path: abs}).String()
}

// artifactDir is where browser tests leave what they render: under
// $KVSIM_TEST_ARTIFACTS if set (CI keeps it), else a temporary directory.
func artifactDir(t testing.TB) string {
	dir := os.Getenv("KVSIM_TEST_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	dir = filepath.Join(dir, "report")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

type selftest struct {
	OK       bool      `json:"ok"`
	Failures []string  `json:"failures"`
	Errors   []string  `json:"errors"`
	Events   int       `json:"events"`
	RenderMS float64   `json:"renderMs"`
	First    firstView `json:"first"`
}

var selftestRE = regexp.MustCompile(`<pre id="selftest" data-ok="(?:true|false)">(.*?)</pre>`)

// openSelftest opens the report under #selftest and returns its verdict
// and the DOM after the self-test ran.
func openSelftest(t testing.TB, bin, path string) (selftest, string, string) {
	t.Helper()
	dom, log := headless(t, bin, "--dump-dom", fileURL(path)+"#selftest")
	m := selftestRE.FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("the page wrote no self-test result (did its script fail?); log:\n%s", consoleLines(log))
	}
	var st selftest
	if err := json.Unmarshal([]byte(unescapeText(m[1])), &st); err != nil {
		t.Fatalf("self-test result %q: %v", m[1], err)
	}
	return st, dom, log
}

// escapeText escapes s as Chromium serializes a text node.
func escapeText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func unescapeText(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

func consoleLines(log string) string {
	var lines []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "CONSOLE") || strings.Contains(l, "Uncaught") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// writeAndCheck writes run's report at path and opens it under #selftest,
// failing t if the self-test fails or the page logs anything. It returns
// the self-test's verdict and the DOM after it ran.
func writeAndCheck(t testing.TB, bin, path string, run Run) (selftest, string) {
	t.Helper()
	if err := WriteFile(path, run); err != nil {
		t.Fatal(err)
	}
	st, dom, log := openSelftest(t, bin, path)
	if !st.OK {
		t.Errorf("self-test failed: %v; errors: %v", st.Failures, st.Errors)
	}
	if lines := consoleLines(log); lines != "" {
		t.Errorf("the page logged to the console:\n%s", lines)
	}
	return st, dom
}

// TestBrowser renders the acceptance failure's report in headless
// Chromium: the DOM must show the seed, the verdict and the violating
// operations, the page must log no error, and clicking an event (done by
// the page's self-test) must show its trace line. It saves a screenshot.
func TestBrowser(t *testing.T) {
	bin := chromium(t)
	r := zooFailure(t)
	run := FromResult(r)
	dir := artifactDir(t)
	path := filepath.Join(dir, "report.html")
	_, dom := writeAndCheck(t, bin, path, run)
	d := build(run)
	if len(d.Core) == 0 {
		t.Fatal("the failure has no violating core to show")
	}
	want := []string{`<td id="seed">1</td>`, `<td id="verdict">violation</td>`}
	for _, i := range d.Core {
		want = append(want, `data-op="`+strconv.Itoa(i)+`">`+escapeText(d.Ops[i].Label)+`</a>`)
		if !regexp.MustCompile(`class="op [^"]*\bcore\b[^"]*" data-o="` + strconv.Itoa(i) + `"`).MatchString(dom) {
			t.Errorf("the diagram does not mark op %d as violating", i)
		}
	}
	want = append(want, `<pre id="traceline">`+escapeText(r.Trace[d.Probe].String())+`</pre>`)
	for _, w := range want {
		if !strings.Contains(dom, w) {
			t.Errorf("the rendered DOM lacks %s", w)
		}
	}

	shot := filepath.Join(dir, "report.png")
	headless(t, bin, "--hide-scrollbars", "--window-size=1400,1200", "--screenshot="+shot, fmt.Sprintf("%s#e=%d", fileURL(path), d.Probe+1))
	if fi, err := os.Stat(shot); err != nil || fi.Size() == 0 {
		t.Fatalf("no screenshot: %v", err)
	}
	t.Logf("report %s, screenshot %s", path, shot)
}

// TestBrowserRuns runs the page's self-test on reports of other kinds of
// run: every fault drawn, a lock history, a passing run with partitions.
func TestBrowserRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a browser per run; TestBrowser covers the page")
	}
	bin := chromium(t)
	for _, spec := range []kvsim.Spec{
		{Scenario: "kv-random", Seed: 1, Faults: "chaos", Impl: "zoo/server-ignores-version"},
		{Scenario: "lock-counter", Seed: 3, Faults: "chaos", Impl: "zoo/lock-ignores-maybe"},
		{Scenario: "partition-heal", Seed: 1},
		{Scenario: "kv-swarm", Seed: 2, Faults: "swarm", Impl: "zoo/server-ignores-version"},
	} {
		t.Run(spec.Scenario, func(t *testing.T) {
			r := traced(t, spec)
			path := filepath.Join(t.TempDir(), "report.html")
			if err := WriteFile(path, FromResult(r)); err != nil {
				t.Fatal(err)
			}
			if st, _, log := openSelftest(t, bin, path); !st.OK || consoleLines(log) != "" {
				t.Errorf("%s: self-test failed: %v; errors: %v\n%s", r.Summary(), st.Failures, st.Errors, consoleLines(log))
			}
		})
	}
}

var loadRE = regexp.MustCompile(`<body data-render-ms="(\d+)" data-load-ms="(\d+)"`)

// BenchmarkOpen10k opens a 10,000-operation report in headless Chromium
// and reports, besides the file's size, the page's own clock from
// navigation start: render-ms when the diagram is drawn, load-ms when the
// page has loaded and is laid out (its open time). wall-ms is Chromium's
// whole --dump-dom run, start-up and exit included, less that of a blank
// page. The page's self-test is run once first.
func BenchmarkOpen10k(b *testing.B) {
	bin := chromium(b)
	run := bigRun(b, 10000)
	dir := b.TempDir()
	path, blank := filepath.Join(dir, "big.html"), filepath.Join(dir, "blank.html")
	if err := WriteFile(path, run); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(blank, []byte("<!DOCTYPE html><title>blank</title>"), 0o644); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	if st, _, _ := openSelftest(b, bin, path); !st.OK {
		b.Fatalf("self-test failed: %v; errors: %v", st.Failures, st.Errors)
	}
	var render, load float64
	var wall time.Duration
	for b.Loop() {
		start := time.Now()
		headless(b, bin, "--dump-dom", fileURL(blank))
		mid := time.Now()
		dom, _ := headless(b, bin, "--dump-dom", fileURL(path))
		wall += time.Since(mid) - mid.Sub(start)
		m := loadRE.FindStringSubmatch(dom)
		if m == nil {
			b.Fatal("the page recorded no render and load times")
		}
		r, _ := strconv.Atoi(m[1])
		l, _ := strconv.Atoi(m[2])
		render += float64(r)
		load += float64(l)
	}
	n := float64(b.N)
	b.ReportMetric(float64(fi.Size()), "bytes")
	b.ReportMetric(render/n, "render-ms")
	b.ReportMetric(load/n, "load-ms")
	b.ReportMetric(float64(wall.Milliseconds())/n, "wall-ms")
}
