package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/campaign"

	"github.com/spf13/cobra"
)

// Exit codes: 0 all good, 1 a failure was found, 2 the command line was
// wrong or an output could not be written, 130 interrupted (by Ctrl-C) before anything failed.
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

// Options configure the command line. The zero value is kvsim itself.
type Options struct {
	// Impls are implementations to offer besides the reference and the
	// zoo, by name (a lab build registers the student's here).
	Impls []kvsim.Impl
}

// edge is what the commands resolve names with and make runs through: the
// one catalogue, and the executor (campaign.InProcess unless the lab's).
type edge struct {
	cat campaign.Catalogue
	ex  campaign.Executor
}

// reporter reports failures, with their artifacts under dir if given.
func (e edge) reporter(dir string) campaign.Reporter {
	return campaign.Reporter{Catalogue: e.cat, Executor: e.ex, Artifacts: dir}
}

// exitCode exits with its code and prints nothing: a child process (the
// race-enabled stress binary) has said what there was to say.
type exitCode int

func (c exitCode) Error() string { return fmt.Sprintf("exit status %d", int(c)) }

// Main runs the kvsim command line on args (without the program name) and
// returns its exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	return Options{}.Main(args, stdout, stderr)
}

// Main runs the command line with o's implementations.
func (o Options) Main(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(edge{cat: campaign.Default().With(o.Impls...), ex: campaign.InProcess{}})
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	var code exitCode
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &code):
		return int(code)
	case errors.Is(err, errFailureFound):
		return exitFailure
	case errors.Is(err, errInterrupted):
		fmt.Fprintln(stderr, "kvsim: interrupted")
		return exitInterrupted
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "kvsim: %v\nRun 'kvsim --help' for usage.\n", err)
		return exitUsage
	case errors.As(err, new(writeError)):
		fmt.Fprintf(stderr, "kvsim: %v\n", err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "kvsim: %v\n", err)
		return exitFailure
	}
}

func newRootCmd(e edge) *cobra.Command {
	cat := e.cat
	root := &cobra.Command{
		Use:           "kvsim",
		Short:         "Deterministic simulation testing of a versioned key/value service",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.ArbitraryArgs, // so that RunE names an unknown command
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q", args[0])
			}
			return usagef("missing command")
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		RunE: func(cmd *cobra.Command, args []string) error {
			target, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				return usagef("help: unknown command %q", strings.Join(args, " "))
			}
			return target.Help()
		},
	})
	root.AddCommand(
		newRunCmd(e),
		newScenariosCmd(cat),
		newServeCmd(),
		newLoadCmd(),
		newCampaignCmd(e),
		newZooCmd(cat),
		newCheckCmd(),
		newLabCmd(e),
		newStressCmd(cat),
		newExploreCmd(e),
	)
	return root
}

// noArgs rejects positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		// Main prefixes "kvsim: ", so the command's own name is enough.
		return usagef("%s: unexpected argument %q", cmd.Name(), args[0])
	}
	return nil
}
