package cli

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/kvsim/kvsim/lab"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/spf13/cobra"
)

const labHelp = `Run kvsim's scenarios on a folder laid out like the course's kvsrv1:
server.go and client.go in package kvsrv, and optionally lock/lock.go in
package lock, importing 6.5840/kvsrv1/rpc, 6.5840/kvtest1, 6.5840/tester1 and
6.5840/labrpc. Without lock/, the lock scenarios run kvsim's own lock on the
folder's clerk and server, and kvsim says so. The folder is never edited:
kvsim builds a copy against its own shims, with time.Sleep in virtual time,
and caches the build.

  kvsim lab --dir DIR [campaign flags]     a campaign (default: --scenario all --seeds 200)
  kvsim lab --dir DIR --scenario S --seed N [run flags]
                                           one run: what a failure's repro line says
  kvsim lab --dir DIR --shrink [--scenario S] [--faults F] [--shrink-time D] [run flags]
                                           the smallest failing run found in D (10s):
                                           of S, or without --scenario of the scenario
                                           whose failure was smallest in a campaign;
                                           printed as a run is, with a repro line that
                                           replays exactly it (--strategy replay:...)

Campaign flags are those of 'kvsim campaign' (--seeds, --duration, --faults,
--parallel, --junit, --artifacts, --artifacts-max, --keep-going, --out,
--shard, --start, --strategy, --run-timeout); run flags those of 'kvsim run'
(--faults, --strategy, --trace, --viz, --report, --artifacts, --json,
--run-timeout). --impl is the folder's. --kvsim-src DIR names kvsim's source tree
(default: the one this kvsim was built from, or $KVSIM_SRC); built programs
are cached under $KVSIM_CACHE (default: the user cache directory).

The server is built with StartKVServer (2025 or 2026 skeleton), as the
course's tester does. log.Fatal and os.Exit end the run as a failure;
time.Now, math/rand, crypto/rand and google/uuid are made deterministic;
package-level state starts afresh in every run; a loop that runs 2^20
times without a call or sleep, or a mutex locked again in a handler, is a
failure at its line; what the folder prints is
shown only for failing runs. The network never duplicates a request unless
--faults duplicate or swarm-dup asks for it. Code kvsim cannot simulate yet
(goroutines, channels, select, timers, sync.Cond and WaitGroup, modules
outside the standard library) is refused with its file:line, exit 2. Exit codes are those of campaign and run.`

// defaultLabSeeds is a campaign's size when neither --seeds nor --duration
// is given: a few seconds, enough to find the usual mistakes.
const defaultLabSeeds = "200"

func newLabCmd() *cobra.Command {
	return &cobra.Command{
		Use:                "lab --dir DIR [campaign flags] | --dir DIR --scenario S --seed N [run flags]",
		Short:              "Run kvsim on a course-style kvsrv1 folder (server.go, client.go, lock/lock.go)",
		Long:               labHelp,
		DisableFlagParsing: true, // the flags are the built program's
		RunE: func(cmd *cobra.Command, args []string) error {
			if slices.Contains(args, "-h") || slices.Contains(args, "--help") {
				return cmd.Help()
			}
			dir, args := takeFlag(args, "dir")
			src, args := takeFlag(args, "kvsim-src")
			if dir == "" {
				return usagef("lab needs --dir DIR, a folder laid out like the course's kvsrv1")
			}
			switch {
			case has(args, "impl"):
				return usagef("lab: --impl is the folder's")
			case has(args, "save-failures"):
				// A corpus entry names its implementation, which only this
				// folder's build knows: go test could not replay it.
				return usagef("lab: --save-failures is for implementations kvsim knows by name; keep the repro lines instead")
			}
			sub, err := labCommand(args)
			if err != nil {
				return err
			}
			prog, err := lab.Build(lab.Options{Dir: dir, Source: src, Log: cmd.ErrOrStderr()})
			var unsupported *lab.UnsupportedError
			var buildErr *lab.BuildError
			switch {
			case errors.As(err, &unsupported), errors.As(err, &buildErr):
				err = fmt.Errorf("lab: %s: %w", dir, err)
				if junit, _ := takeFlag(args, "junit"); junit != "" {
					err = errors.Join(err, writeBuildJUnit(junit, dir, err))
				}
				return usageError{err}
			case err != nil:
				return usageError{fmt.Errorf("lab: %w", err)}
			}
			if !prog.HasLock && runsLock(sub) {
				fmt.Fprintf(cmd.ErrOrStderr(), "kvsim lab: %s has no lock/: the lock scenarios (%s) test kvsim's own lock on the folder's clerk and server\n", dir, strings.Join(lockScenarios(), ", "))
			}
			run := exec.Command(prog.Path, append(sub, "--impl", prog.Name)...)
			run.Stdin, run.Stdout, run.Stderr = cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()
			run.Env = append(os.Environ(), "KVSIM_LAB_DIR="+dir)
			return runForwardingSignals(run)
		},
	}
}

// runForwardingSignals runs the built program to its end. Ctrl-C and
// SIGTERM are the program's to handle (it prints a campaign's partial
// summary and exits 130), so they are passed on, not obeyed, here.
func runForwardingSignals(run *exec.Cmd) error {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := run.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-sigs:
				run.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err := run.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exitCode(exit.ExitCode())
	}
	return err
}

// labCommand turns kvsim lab's arguments (without --dir) into the built
// program's: a run when --seed is given, a shrink with --shrink, else a
// campaign.
func labCommand(args []string) ([]string, error) {
	switch {
	case slices.Contains(args, "--shrink"):
		return append([]string{"shrink"}, slices.DeleteFunc(args, func(a string) bool { return a == "--shrink" })...), nil
	case has(args, "seed"):
		if !has(args, "scenario") {
			return nil, usagef("lab: a run (--seed) needs --scenario")
		}
		return append([]string{"run"}, args...), nil
	}
	out := append([]string{"campaign"}, args...)
	if !has(args, "scenario") {
		out = append(out, "--scenario", "all")
	}
	if !has(args, "seeds") && !has(args, "duration") {
		out = append(out, "--seeds", defaultLabSeeds)
	}
	return out, nil
}

// lockScenarios are the scenarios that use a lock: those named lock-*.
func lockScenarios() []string {
	var names []string
	for _, sc := range scenarios.All() {
		if strings.HasPrefix(sc.Name, "lock-") {
			names = append(names, sc.Name)
		}
	}
	return names
}

// runsLock reports whether the built program's command line sub may run
// a lock scenario: its --scenario is all, names one, or is not given (a
// shrink then picks the scenario).
func runsLock(sub []string) bool {
	names, _ := takeFlag(sub, "scenario")
	if names == "" || names == "all" {
		return true
	}
	return slices.ContainsFunc(strings.Split(names, ","), func(n string) bool { return slices.Contains(lockScenarios(), n) })
}

// has reports whether args set --name (as --name V or --name=V).
func has(args []string, name string) bool {
	return slices.ContainsFunc(args, func(a string) bool { return a == "--"+name || strings.HasPrefix(a, "--"+name+"=") })
}

// takeFlag removes --name V or --name=V from args and returns V.
func takeFlag(args []string, name string) (string, []string) {
	var v string
	var rest []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--"+name && i+1 < len(args):
			v = args[i+1]
			i++
		case strings.HasPrefix(a, "--"+name+"="):
			v = strings.TrimPrefix(a, "--"+name+"=")
		default:
			rest = append(rest, a)
		}
	}
	return v, rest
}

// writeBuildJUnit writes a JUnit report of one failed test case, the
// build, so that a teacher's grading run has a report for every
// submission, even one kvsim could not run.
func writeBuildJUnit(path, dir string, buildErr error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	doc := junitSuites{Name: "kvsim lab", Tests: 1, Failures: 1, Suites: []junitSuite{{
		Name: "build", Tests: 1, Failures: 1,
		Cases: []junitCase{{Name: "build " + dir, Classname: "kvsim.lab",
			Failure: &junitFailure{Message: "kvsim could not build the folder", Type: "build", Text: buildErr.Error()}}},
	}}}
	_, err = io.WriteString(f, xml.Header)
	if err == nil {
		enc := xml.NewEncoder(f)
		enc.Indent("", "  ")
		err = enc.Encode(doc)
	}
	return errors.Join(err, f.Close())
}
