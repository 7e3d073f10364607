package cli

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tutorialStep is a kvsim command of docs/tutorial.md and, where the
// tutorial marks it <!-- checked -->, the output it shows for it.
type tutorialStep struct {
	line int
	args []string
	want []string
}

// readTutorial finds the commands of the tutorial's indented blocks (those
// starting "kvsim ", continued with "\", comments dropped; shell loops are
// left alone) and the checked output blocks, each belonging to the
// command before it.
func readTutorial(t *testing.T, path string) []tutorialStep {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var steps []tutorialStep
	var cmd strings.Builder
	checked, inOutput := false, false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		code, indented := strings.CutPrefix(line, "    ")
		switch {
		case strings.TrimSpace(line) == "<!-- checked -->":
			checked = true
			continue
		case !indented:
			if strings.TrimSpace(line) != "" {
				inOutput = false
			}
			continue
		case checked || inOutput:
			if len(steps) == 0 {
				t.Fatalf("%s:%d: a checked output block with no command before it", path, n)
			}
			last := &steps[len(steps)-1]
			last.want = append(last.want, strings.TrimRight(code, " "))
			checked, inOutput = false, true
			continue
		case cmd.Len() == 0 && !strings.HasPrefix(code, "kvsim "):
			continue
		}
		code, _, _ = strings.Cut(code, "#")
		code = strings.TrimSpace(code)
		more := strings.HasSuffix(code, `\`)
		cmd.WriteString(strings.TrimSuffix(code, `\`) + " ")
		if !more {
			steps = append(steps, tutorialStep{line: n, args: strings.Fields(cmd.String())[1:]})
			cmd.Reset()
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return steps
}

// TestTutorial runs every kvsim command of docs/tutorial.md, in a scratch
// directory, and checks each output the tutorial shows against what the
// command prints now, line by line and in order, so that the tutorial
// cannot drift from the program.
func TestTutorial(t *testing.T) {
	if testing.Short() {
		t.Skip("the tutorial's campaigns take a while")
	}
	path, err := filepath.Abs(filepath.Join("..", "docs", "tutorial.md"))
	if err != nil {
		t.Fatal(err)
	}
	steps := readTutorial(t, path)
	if len(steps) < 5 {
		t.Fatalf("found %d commands in %s", len(steps), path)
	}
	t.Chdir(t.TempDir())
	checked := 0
	for _, st := range steps {
		code, out, errOut := kvsim(st.args...)
		if code != exitOK && code != exitFailure {
			t.Errorf("tutorial.md:%d: kvsim %s: exit %d\n%s", st.line, strings.Join(st.args, " "), code, errOut)
			continue
		}
		if len(st.want) == 0 {
			continue
		}
		checked++
		got := strings.Split(out, "\n")
		i := 0
		for _, want := range st.want {
			for i < len(got) && strings.TrimRight(got[i], " ") != want {
				i++
			}
			if i == len(got) {
				t.Errorf("tutorial.md:%d: kvsim %s: the tutorial shows\n\t%s\nwhich the output lacks (or has out of order):\n%s", st.line, strings.Join(st.args, " "), want, out)
				break
			}
		}
	}
	if checked < 3 {
		t.Errorf("only %d outputs of the tutorial are checked", checked)
	}
}
