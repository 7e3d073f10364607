package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/zoo"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// kvsim lab's help names every flag of the campaign and run it passes
// them to, but those lab refuses.
func TestLabHelpNamesEveryFlag(t *testing.T) {
	refused := map[string]bool{"impl": true, "save-failures": true, "help": true}
	for _, cmd := range [](func(edge) *cobra.Command){newCampaignCmd, newRunCmd} {
		cmd(edge{cat: campaign.Default(), ex: campaign.InProcess{}}).Flags().VisitAll(func(f *pflag.Flag) {
			if !refused[f.Name] && !strings.Contains(labHelp, "--"+f.Name) {
				t.Errorf("lab --help does not name --%s", f.Name)
			}
		})
	}
}

// docs/teaching.md names every file a failure's artifacts hold.
func TestTeachingNamesTheArtifacts(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "teaching.md"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if code, out, errOut := runKvsim("campaign", "--scenario", "lock-counter", "--seeds", "500", "--impl", zoo.Prefix+"lock-ignores-maybe", "--artifacts", dir); code != exitFailure {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*", "*"))
	if err != nil || len(files) < 5 {
		t.Fatalf("artifacts %v: %v", files, err)
	}
	for _, f := range files {
		if name := filepath.Base(f); !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("docs/teaching.md does not name %s, which a failure's artifacts hold", name)
		}
	}
	if strings.Contains(string(doc), "no JUnit file") {
		t.Error("docs/teaching.md says a refused submission has no JUnit file: writeBuildJUnit writes one")
	}
}
