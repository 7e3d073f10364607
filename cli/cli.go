package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Exit codes: 0 all good, 1 a failure was found, 2 the command line was
// wrong, 130 interrupted (by Ctrl-C) before anything failed.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// usageError marks an error as the user's: it exits 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// errFailureFound reports that the command ran and found a failure: it
// exits 1. The failure has already been printed.
var errFailureFound = errors.New("failure found")

// Main runs the kvsim command line on args (without the program name) and
// returns its exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errFailureFound):
		return exitFailure
	case errors.Is(err, errInterrupted):
		fmt.Fprintln(stderr, "kvsim: interrupted")
		return exitInterrupted
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "kvsim: %v\nRun 'kvsim --help' for usage.\n", err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "kvsim: %v\n", err)
		return exitFailure
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "kvsim",
		Short:         "Deterministic simulation testing of a versioned key/value service",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usagef("missing command")
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newRunCmd(), newScenariosCmd(), newServeCmd(), newLoadCmd(), newCampaignCmd(), newZooCmd(), newStressCmd())
	return root
}

// noArgs rejects positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s: unexpected argument %q", cmd.CommandPath(), args[0])
	}
	return nil
}
