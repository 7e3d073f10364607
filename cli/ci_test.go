package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kvsim/kvsim/campaign"
)

// TestCIExamples keeps the CI and cluster examples honest: every workflow
// has a concurrency group and a timeout on every job, the campaign's JUnit
// is published as a check, ClusterFuzzLite runs on pull requests and in
// batch, the Kubernetes Job shards by its completion index, and every
// campaign flag they pass exists.
func TestCIExamples(t *testing.T) {
	read := func(path string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("..", path))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	workflows, err := filepath.Glob("../.github/workflows/*.yml")
	if err != nil || len(workflows) < 3 {
		t.Fatalf("workflows: %v %v", workflows, err)
	}
	for _, path := range workflows {
		text := read(strings.TrimPrefix(path, "../"))
		jobs := strings.Count(text, "runs-on:")
		if !strings.Contains(text, "\nconcurrency:\n") || strings.Count(text, "timeout-minutes:") != jobs || jobs == 0 {
			t.Errorf("%s: want a concurrency group and timeout-minutes on each of its %d jobs", path, jobs)
		}
	}
	campaignYML := read(".github/workflows/campaign.yml")
	for _, want := range []string{"branches: [main]", "pull_request:", "action-junit-report", "checks: write", "bash .ci/run"} {
		if !strings.Contains(campaignYML, want) {
			t.Errorf("campaign.yml lacks %q", want)
		}
	}
	if pr, batch := read(".github/workflows/cflite_pr.yml"), read(".github/workflows/cflite_batch.yml"); !strings.Contains(pr, "mode: code-change") || !strings.Contains(batch, "mode: batch") {
		t.Error("ClusterFuzzLite must run on pull requests (code-change) and in batch")
	}
	job := read("docs/kubernetes/campaign-job.yaml")
	for _, want := range []string{"completionMode: Indexed", `--shard "${JOB_COMPLETION_INDEX}/16"`, "completions: 16"} {
		if !strings.Contains(job, want) {
			t.Errorf("campaign-job.yaml lacks %q", want)
		}
	}
	cmd := newCampaignCmd(edge{cat: campaign.Default(), ex: campaign.InProcess{}})
	for _, text := range []string{campaignYML, job} {
		for _, m := range regexp.MustCompile(`--([a-z-]+)`).FindAllStringSubmatch(text, -1) {
			if cmd.Flags().Lookup(m[1]) == nil {
				t.Errorf("kvsim campaign has no flag --%s", m[1])
			}
		}
	}
}

// make fuzz bounds each target by a count of executions: a -fuzztime
// duration makes Go 1.26's fuzz coordinator fail a target at random on a
// loaded machine ("context deadline exceeded", golang/go#75804).
func TestMakeFuzzCountsExecutions(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if !regexp.MustCompile(`(?m)^FUZZTIME \?= \d+x$`).MatchString(text) {
		t.Error("Makefile: FUZZTIME is not a count of executions (NNNx)")
	}
	for _, m := range regexp.MustCompile(`-fuzztime (\S+)`).FindAllStringSubmatch(text, -1) {
		if m[1] != "$(FUZZTIME)" {
			t.Errorf("Makefile: -fuzztime %s, want $(FUZZTIME)", m[1])
		}
	}
	if strings.Count(text, "-fuzztime $(FUZZTIME)") < 3 {
		t.Error("Makefile: make fuzz runs fewer than three targets")
	}
}
