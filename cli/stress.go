package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/stress"
	"github.com/spf13/cobra"
)

// stressChildEnv marks the process that runs the stress itself; without it
// kvsim stress runs itself as that child and reads its exit status. The
// race detector reports a race by exiting with its own status
// (raceExitCode) when the program ends, and a data race on a map can crash
// the program outright; only a parent can turn either into exit 1 with a
// message.
const stressChildEnv = "KVSIM_STRESS_CHILD"

// raceExitCode is the status the child's race detector exits with.
const raceExitCode = 66

type stressFlags struct {
	impl                  string
	clients, lockers, ops int
	rounds                int
	duration              time.Duration
	loss                  float64
	seed                  uint64
}

func newStressCmd(cat campaign.Catalogue) *cobra.Command {
	var fl stressFlags
	cmd := &cobra.Command{
		Use:   "stress [--impl I] [--clients N] [--duration D] [--ops N] [--rounds N]",
		Short: "Run an implementation with real goroutines and check it; under -race, find its data races",
		Long: `Run the server, clerk and lock in one process with real goroutines and
real concurrency (no simulator, no TCP): clients call the server's handlers
at once, through an in-process network that loses some requests and
replies. Check the history for linearizability, the lock for mutual
exclusion, an exact counter and the lock model. Rounds, each on a fresh
server with at most --ops operations per client and checked on its own,
repeat until --duration has passed or one fails.

It finds what a single-threaded simulator cannot: handlers that are not
atomic and, in a kvsim built with -race, data races:

    go run -race ./cmd/kvsim stress --impl zoo/race-server-get-unlocked

Exit 0 when every check passed, 1 on a violation, a data race or a crash,
2 on bad flags.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := fl.options(cmd, cat)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if os.Getenv(stressChildEnv) == "" {
				return stressInChild(fl, cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			res, err := stress.Run(ctx, opts)
			if err != nil && ctx.Err() == nil {
				return usageError{err}
			}
			printStress(cmd.OutOrStdout(), res, err != nil)
			switch {
			case !res.Passed():
				return errFailureFound
			case err != nil:
				return errInterrupted
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.impl, "impl", kvsim.ReferenceName, "implementation: reference, zoo/NAME or zoo/race-NAME")
	f.IntVar(&fl.clients, "clients", stress.DefaultClients, "concurrent clients, each on its own goroutine")
	f.IntVar(&fl.lockers, "lockers", 0, "how many clients increment a counter under the lock (default half the clients)")
	f.DurationVar(&fl.duration, "duration", stress.DefaultDuration, "start no round or operation after this long")
	f.IntVar(&fl.rounds, "rounds", 0, "stop after this many rounds, each on a fresh server (default: as many as --duration allows)")
	f.IntVar(&fl.ops, "ops", stress.DefaultOps, "key/value operations per client and round at most, the lock's included")
	f.Float64Var(&fl.loss, "loss", stress.DefaultLoss, "share of calls that lose their request or reply, or deliver it late")
	f.Uint64Var(&fl.seed, "seed", 0, "seed of the workload and losses (the schedule is the machine's)")
	return cmd
}

// options checks the flags and resolves them to stress options, and
// --lockers to its default.
func (fl *stressFlags) options(cmd *cobra.Command, cat campaign.Catalogue) (stress.Options, error) {
	if !cmd.Flags().Changed("lockers") {
		fl.lockers = fl.clients / 2
	}
	switch {
	case fl.clients < 1:
		return stress.Options{}, usagef("--clients %d: want at least 1", fl.clients)
	case fl.rounds < 0:
		return stress.Options{}, usagef("--rounds %d: want at least 0", fl.rounds)
	case fl.ops < 1:
		return stress.Options{}, usagef("--ops %d: want at least 1", fl.ops)
	case fl.duration <= 0:
		return stress.Options{}, usagef("--duration %v: want more than 0", fl.duration)
	case fl.lockers < 0 || fl.lockers > fl.clients:
		return stress.Options{}, usagef("--lockers %d: want 0 to --clients (%d)", fl.lockers, fl.clients)
	case fl.loss < 0 || fl.loss >= 1:
		return stress.Options{}, usagef("--loss %v: want at least 0 and below 1", fl.loss)
	}
	im, err := cat.Impl(fl.impl)
	if err != nil {
		return stress.Options{}, usageError{err}
	}
	opts := stress.Options{Impl: im, Clients: fl.clients, Lockers: fl.lockers, Duration: fl.duration, Rounds: fl.rounds, Ops: fl.ops, Loss: fl.loss, Seed: fl.seed}
	// Zero means the default in stress.Options, none here.
	if fl.lockers == 0 {
		opts.Lockers = -1
	}
	if fl.loss == 0 {
		opts.Loss = -1
	}
	return opts, nil
}

// stressInChild runs this very program as the stress child, with the race
// detector set to stop at the first race, and turns its status into ours.
func stressInChild(fl stressFlags, stdout, stderr io.Writer) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("stress: cannot find this program to run it as a child: %w", err)
	}
	args := []string{"stress", "--impl", fl.impl, "--clients", strconv.Itoa(fl.clients), "--lockers", strconv.Itoa(fl.lockers),
		"--duration", fl.duration.String(), "--rounds", strconv.Itoa(fl.rounds), "--ops", strconv.Itoa(fl.ops), "--loss", strconv.FormatFloat(fl.loss, 'g', -1, 64),
		"--seed", strconv.FormatUint(fl.seed, 10)}
	child := exec.Command(exe, args...)
	child.Env = append(os.Environ(), stressChildEnv+"=1",
		"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" halt_on_error=1 exitcode="+strconv.Itoa(raceExitCode)))
	child.Stdout, child.Stderr = stdout, stderr
	err = child.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return fmt.Errorf("stress: cannot run the child: %w", err)
	}
	switch code := child.ProcessState.ExitCode(); {
	case code == exitOK:
		return nil
	case code == exitFailure:
		return errFailureFound // the child printed why
	case code == exitInterrupted:
		return exitCode(code) // the child said so
	case code == raceExitCode && stress.RaceDetector:
		fmt.Fprintf(stderr, "FAIL: the race detector found a data race in %s (its report is above)\n", fl.impl)
	default:
		fmt.Fprintf(stderr, "FAIL: %s crashed the stress run (%v, output above); a fatal error such as \"concurrent map writes\" is a data race\n", fl.impl, child.ProcessState)
	}
	return errFailureFound
}

func printStress(w io.Writer, r stress.Result, interrupted bool) {
	o := r.Options
	fmt.Fprintf(w, "stress %s: %d clients (%d lock users), rounds of up to %d ops each for %v, loss %g, seed %d\n",
		r.Impl, o.Clients, o.Lockers, o.Ops, o.Duration, o.Loss, o.Seed)
	rounds := "rounds"
	if r.Rounds == 1 {
		rounds = "round"
	}
	fmt.Fprintf(w, "%d %s in %v: %d key/value ops, %d acquisitions, %d RPCs (%d lost); checked in %v\n",
		r.Rounds, rounds, r.Elapsed.Round(time.Millisecond), r.Ops, r.Acquisitions, r.RPCs, r.Lost, r.CheckTime.Round(time.Millisecond))
	if r.KVCheck.Reason != "" { // the checks ran
		fmt.Fprintf(w, "linearizability, last round: %s (%s)\n", r.KVCheck.Verdict, r.KVCheck.Reason)
		if o.Lockers > 0 {
			fmt.Fprintf(w, "lock, last round: model %s; counters, all rounds: %d after %d increments under the lock\n", r.LockCheck.Verdict, r.Counter, r.Increments)
		}
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "warning: %s (x%d): %s\n", warn.Name, warn.Count, warn.Text)
	}
	switch {
	case r.Passed() && interrupted:
		fmt.Fprintln(w, "no failure before the interruption")
	case r.Passed():
		fmt.Fprintln(w, "PASS")
	default:
		fmt.Fprintln(w, "FAIL")
		for _, f := range r.Failures {
			fmt.Fprintln(w, "  "+strings.ReplaceAll(f, "\n", "\n    "))
		}
	}
	if stress.RaceDetector {
		fmt.Fprintln(w, "race detector: on; a data race stops the run and fails it")
	} else {
		fmt.Fprintln(w, "race detector: off; data races are only detected under: go run -race ./cmd/kvsim stress ...")
	}
}
