package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kvsim/kvsim/models"
)

type checkFlags struct {
	history, viz string
	timeout      time.Duration
}

func newCheckCmd() *cobra.Command {
	var fl checkFlags
	cmd := &cobra.Command{
		Use:   "check --history FILE [--viz FILE.html]",
		Short: "Check a key/value history for linearizability",
		Long: `Check a key/value history in kvsim's text format (history.txt in a run's
artifacts; one operation a line, e.g. c0 [1,4] put(k1, "x", v0) -> OK) for
linearizability with the fast checker. A violation is shrunk to a few
operations that cannot be ordered, shown with their line numbers, and
explained.

Exit status: 0 linearizable, 1 not linearizable (or undecided: the rare
histories the fast checker hands to porcupine, when it times out), 2 the
file is missing, unreadable (the error gives its line and column) or has no
operations, or the --viz file cannot be written (checked first).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if fl.history == "" {
				return usagef("check needs --history FILE")
			}
			return runCheck(cmd.OutOrStdout(), fl)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.history, "history", "", "the history file to check")
	f.StringVar(&fl.viz, "viz", "", "also write porcupine's HTML visualization of the history here")
	f.DurationVar(&fl.timeout, "timeout", time.Minute, "time limit for porcupine, used only where the fast checker cannot decide")
	return cmd
}

// historyLineExample says what a line of a text history looks like.
const historyLineExample = `each line is one operation, as in a run's history.txt: c0 [1,4] put(k1, "x", v0) -> OK, c1 [2,5] get(k1) -> "x"@v1 or c2 [3,6] get(k2) -> ErrNoKey (client, [call,return] in virtual nanoseconds, operation -> output)`

func runCheck(out io.Writer, fl checkFlags) error {
	f, err := os.Open(fl.history)
	if err != nil {
		return usageError{err}
	}
	defer f.Close()
	if err := checkWritableFile("--viz", fl.viz); err != nil {
		return err
	}
	// The history is read a line at a time (a million operations are
	// some 70 MB of text); lines[i] is the line of ops[i].
	ops, lines, err := models.ReadKV(f)
	var unreadable *fs.PathError
	switch {
	case errors.As(err, &unreadable):
		return usageError{unreadable} // as os.ReadFile's: read FILE: is a directory
	case err != nil:
		return usagef("%s: %v; %s", fl.history, strings.TrimPrefix(err.Error(), "models: ReadKV: "), historyLineExample)
	case len(ops) == 0:
		return usagef("%s has no operations to check (only blank lines and # comments); %s", fl.history, historyLineExample)
	}
	var bad *models.MalformedOpError
	if errors.As(models.ValidateKV(ops), &bad) {
		return usagef("%s: line %d: %s", fl.history, lines[bad.Op], bad.Reason)
	}
	r := models.CheckKV(ops, fl.timeout)
	switch r.Verdict {
	case models.Ok:
		fmt.Fprintf(out, "linearizable: %s (%s checker)\n", plural(len(ops), "op"), r.Checker)
	case models.Violation:
		fmt.Fprintf(out, "not linearizable: %s\n", r.Reason)
		if len(r.Core) > 0 {
			fmt.Fprintf(out, "core (%d of %s; without any one of them the rest could be ordered):\n", len(r.Core), plural(len(ops), "op"))
			for _, i := range r.Core {
				fmt.Fprintf(out, "  line %d: %s", lines[i], models.FormatKV(ops[i:i+1]))
			}
		}
	default:
		fmt.Fprintf(out, "undecided: %s\n", r.Reason)
	}
	if fl.viz != "" {
		if err := r.VisualizeFile(fl.viz, nil); err != nil {
			return writeError{fmt.Errorf("--viz: %w", err)}
		}
	}
	if r.Verdict != models.Ok {
		return errFailureFound
	}
	return nil
}
