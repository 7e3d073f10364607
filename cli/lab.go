package cli

import (
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/lab"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/spf13/cobra"
)

const labHelp = `Run kvsim's scenarios on a course folder: a kvsrv1 folder (server.go
and client.go in package kvsrv, and optionally lock/lock.go in package
lock), a raft1 folder (raft.go with Make, in package raft) or a kvraft1
folder (server.go, client.go and rsm/rsm.go, with the course's raft1
beside it, as in the course's tree), or its rsm folder alone
(kvraft1/rsm, with raft1 two levels up: kvsim's own server, whose DoOp
is kvsim's key/value store and which checks that each Submit is answered
with its own request's result, and kvsim's clerk run on it), or a
shardkv1 folder (client.go, shardgrp/, shardctrler/, shardcfg/, with the
tree's kvsrv1, kvraft1/rsm and raft1 beside it: the sharded scenarios,
groups joining and leaving under load, controllers crashed, cut off and
racing, each history checked for linearizability across shard moves;
the controller's configuration is kept at kvsim's key/value server, and
a shardkv1 folder takes --scenario, --seeds, --start, --parallel,
--keep-going, --run-timeout, --seed and --trace). Without
lock/, the lock scenarios
run kvsim's own lock on the folder's clerk and server, and kvsim says so. The folder is never edited: kvsim type-checks
it, builds a rewritten copy against its own shims of the course's
packages, and caches the build.

  kvsim lab --dir DIR [campaign flags]     a campaign (default: --scenario all --seeds 200)
  kvsim lab --dir DIR --scenario S --seed N [run flags]
                                           one run: what a failure's repro line says
  kvsim lab --dir DIR --shrink [--scenario S] [--faults F] [--shrink-time D] [run flags]
                                           (kvsrv1, kvraft1) the smallest failing run found in D
                                           (10s): of S, or without --scenario of the
                                           scenario whose failure was smallest in a
                                           campaign; printed as a run is, with a repro
                                           line that replays exactly it

Campaign flags are those of 'kvsim campaign' (--seeds, --duration, --faults,
--parallel, --junit, --artifacts, --artifacts-max, --keep-going, --out,
--shard, --start, --strategy, --run-timeout); run flags those of 'kvsim run'
(--faults, --strategy, --trace, --viz, --report, --artifacts, --json,
--run-timeout). A raft1 folder takes --scenario, --seeds, --start,
--faults, --parallel, --keep-going, --run-timeout, --seed, --trace,
--report (a run's one-page Raft report) and --artifacts (each failure's
trace and report.html). Its scenarios run on their own networks, as the
course's tests do, with the course's time limits (agreement within 10s):
--faults replaces every scenario's network, and under a harsher one a
correct Raft may miss those limits. A run of a raft1, kvraft1 or rsm
folder may spend 120s before it is stuck (--run-timeout; a kvsrv1
folder's, 10s): 120s of processor time, on Linux, so that a loaded
machine's slow run is not taken for a stuck one (one that has used
almost none for that long is stuck), up to 10 times as long in wall
time; elsewhere 120s of wall time.
--impl is the folder's. --kvsim-src DIR names kvsim's source tree
(default: the one this kvsim was built from, or $KVSIM_SRC); built programs
are cached under $KVSIM_CACHE (default: the user cache directory).

A kvsrv1 server is built with StartKVServer (2025 or 2026 skeleton), as the
course's tester does; a raft1 folder's Make is called for each server; a
kvraft1 folder's StartKVServer(ends, gid, me, persister, maxraftstate)
starts each of 3, 5 or 7 servers, maxraftstate -1 or 1000 (both drawn per
seed, as the course's 4B and 4C tests set it), on its rsm and Raft, and MakeClerk(clnt, servers) each
client's clerk: every kvsrv1 scenario runs on that cluster, and the
cluster scenarios (leader-cut, deaf-leader, crash-restart) with it. The
folder's goroutines, channels, select, sync and timers run on kvsim's
scheduler in virtual time (a ready select case, a map's order and how
late, under 1ms, a timer or Sleep fires drawn from the seed, as real
timers are late and drift apart); log.Fatal and os.Exit end the run as a failure; time.Now,
math/rand, crypto/rand, google/uuid and context are made deterministic;
package-level state starts afresh in every run; a loop that runs 2^20
times while virtual time stands still is a failure at its line, and a
deadlock names every blocked goroutine; what the folder prints is shown
only for failing runs. The network never duplicates a request unless
--faults duplicate or swarm-dup asks for it. What cannot run in one
deterministic process (unsafe, cgo, net, os/exec, files, modules outside
the standard library but uuid and go-deadlock) is refused with its
file:line, exit 2. Exit codes are those of campaign and run.`

// raftRunTimeout is a raft1 run's default --run-timeout, and
// clusterRunTimeout a kvraft1 or rsm folder's.
const (
	raftRunTimeout    = 120 * time.Second
	clusterRunTimeout = 120 * time.Second
)

// defaultLabSeeds is a campaign's size when neither --seeds nor --duration
// is given: a few seconds, enough to find the usual mistakes.
const defaultLabSeeds = "200"

// labFlags are kvsim lab's: a campaign's, a run's outputs and --seed, a
// shrink's, and the folder.
type labFlags struct {
	dir, src   string
	cf         campaignFlags
	rf         runFlags
	seed       uint64
	shrink     bool
	shrinkTime time.Duration
	impl, save string // refused: the folder is the implementation
}

// newLabCmd is kvsim lab: it builds the folder's program, a worker that
// runs the folder's code (package worker), and makes every run of a
// campaign, a run or a shrink there (campaign.Workers), parsing its flags
// and reporting failures here as kvsim does for any implementation.
func newLabCmd(e edge) *cobra.Command {
	var fl labFlags
	cmd := &cobra.Command{
		Use:   "lab --dir DIR [campaign flags] | --dir DIR --scenario S --seed N [run flags] | --dir DIR --shrink",
		Short: "Run kvsim on a course-style kvsrv1, raft1, kvraft1, rsm or shardkv1 folder",
		Long:  labHelp,
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			changed := cmd.Flags().Changed
			switch {
			case fl.dir == "":
				return usagef("lab needs --dir DIR, a folder laid out like the course's kvsrv1, raft1 or kvraft1")
			case changed("impl"):
				return usagef("lab: --impl is the folder's")
			case changed("save-failures"):
				// A corpus entry names its implementation, which only this
				// folder's build knows: go test could not replay it.
				return usagef("lab: --save-failures is for implementations kvsim knows by name; keep the repro lines instead")
			case changed("seed") && !changed("scenario"):
				return usagef("lab: a run (--seed) needs --scenario")
			case fl.shrink && changed("seed"):
				return usagef("lab: --shrink finds its own run: it does not go with --seed")
			case fl.shrink && fl.shrinkTime <= 0:
				return usagef("--shrink-time must be positive")
			}
			if !fl.shrink && !changed("seed") {
				// A campaign, by default of every scenario at 200 seeds.
				if !changed("scenario") {
					fl.cf.scenario = "all"
				}
				if !changed("seeds") && !changed("duration") {
					cmd.Flags().Set("seeds", defaultLabSeeds)
				}
			}
			// Names the lab does not have are refused before a build,
			// which can take a minute.
			if kind, err := lab.KindOf(fl.dir); err == nil {
				if err := labNames(e.cat, kind, fl.cf.scenario, fl.cf.faults); err != nil {
					return err
				}
				for _, f := range []string{"shrink", "faults", "report", "artifacts", "viz", "json", "strategy", "duration", "junit", "out", "shard", "artifacts-max"} {
					if kind == "shardkv1" && changed(f) {
						return usagef("lab: a shardkv1 folder takes --scenario, --seeds, --start, --parallel, --keep-going, --run-timeout, --seed and --trace, not --%s", f)
					}
				}
			}
			prog, err := lab.Build(lab.Options{Dir: fl.dir, Source: fl.src, Log: cmd.ErrOrStderr()})
			var unsupported *lab.UnsupportedError
			var buildErr *lab.BuildError
			switch {
			case errors.As(err, &unsupported), errors.As(err, &buildErr):
				err = fmt.Errorf("lab: %s: %w", fl.dir, err)
				if fl.cf.junit != "" {
					err = errors.Join(err, writeBuildJUnit(fl.cf.junit, fl.dir, err))
				}
				return usageError{err}
			case err != nil:
				return usageError{fmt.Errorf("lab: %w", err)}
			}
			// The workers' output is copied into stderr by goroutines of
			// os/exec unless it is a file: from here on, whatever kvsim
			// writes there takes the same lock.
			if _, file := cmd.ErrOrStderr().(*os.File); !file {
				cmd.SetErr(&lockedWriter{w: cmd.ErrOrStderr()})
			}
			if prog.Lab == "raft1" {
				ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
				defer stop()
				if !changed("run-timeout") {
					// A Raft that persists its whole log on every change
					// takes seconds of CPU on a churn of thousands of
					// commands: as long as the course's own 120 s a test.
					fl.cf.runTimeout = raftRunTimeout
				}
				return runRaftLab(ctx, cmd, fl, prog, changed("seed"))
			}
			if prog.Lab == "shardkv1" {
				ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
				defer stop()
				if !changed("run-timeout") {
					fl.cf.runTimeout = clusterRunTimeout
				}
				return runShardLab(ctx, cmd, fl, prog, changed("seed"))
			}
			if prog.Lab != "kvsrv1" && !changed("run-timeout") {
				// A cluster of up to 7 student servers, its log unbounded
				// when maxraftstate is -1, takes seconds of CPU a run:
				// the same wall-time guard as a Raft's.
				fl.cf.runTimeout = clusterRunTimeout
			}
			if prog.Lab == "kvsrv1" && !prog.HasLock && runsLock(fl.cf.scenario) {
				fmt.Fprintf(cmd.ErrOrStderr(), "kvsim lab: %s has no lock/: the lock scenarios (%s) test kvsim's own lock on the folder's clerk and server\n", fl.dir, strings.Join(lockScenarios(), ", "))
			}
			workers := &campaign.Workers{Path: prog.Path, Env: append(os.Environ(), "KVSIM_LAB_DIR="+fl.dir), Stderr: cmd.ErrOrStderr()}
			defer workers.Close()
			folder := edge{cat: e.cat.With(kvsim.Impl{Name: prog.Name, Doc: "the course-style folder " + fl.dir}), ex: workers}
			folder.cat.Repro = labRepro(fl.dir)
			fl.cf.impl = prog.Name
			fl.rf.artifacts, fl.rf.timeout = fl.cf.artifacts, fl.cf.runTimeout
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			cmd.SetContext(ctx)
			switch {
			case fl.shrink:
				return runShrink(cmd, folder, fl)
			case changed("seed"):
				cfg, err := folder.cat.Resolve(kvsim.Spec{Scenario: fl.cf.scenario, Seed: fl.seed, Faults: fl.cf.faults, Impl: prog.Name, Strategy: fl.cf.strategy})
				if err != nil {
					return usageError{err}
				}
				if err := fl.rf.check(); err != nil {
					return err
				}
				return runTraced(cmd, folder, cfg, fl.rf, nil)
			}
			cfg, err := fl.cf.config(cmd, folder.cat)
			if err != nil {
				return err
			}
			return runCampaign(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), folder, cfg, fl.cf)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.dir, "dir", "", "the course-style kvsrv1, raft1, kvraft1, kvraft1/rsm or shardkv1 `DIR`")
	f.StringVar(&fl.src, "kvsim-src", "", "kvsim's source tree `DIR` (default: the one this kvsim was built from, or $KVSIM_SRC)")
	fl.cf.register(f, false)
	fl.rf.registerOutputs(f)
	f.Uint64Var(&fl.seed, "seed", 0, "one run, of --scenario at this seed, instead of a campaign")
	f.BoolVar(&fl.shrink, "shrink", false, "look for the smallest failing run instead of a campaign")
	f.DurationVar(&fl.shrinkTime, "shrink-time", defaultShrinkTime, "with --shrink, the wall time the search may take")
	// Refused with a word of why, rather than as unknown flags.
	f.StringVar(&fl.impl, "impl", "", "")
	f.StringVar(&fl.save, "save-failures", "", "")
	f.MarkHidden("impl")
	f.MarkHidden("save-failures")
	return cmd
}

// labRepro is the repro lines of a run of the folder at dir: kvsim lab
// lines, each value quoted for a POSIX shell where it needs it (the
// choices of a replay, "0*13", are a glob to a shell, which zsh refuses
// when nothing matches).
func labRepro(dir string) func(kvsim.Spec) kvsim.Repro {
	return func(s kvsim.Spec) kvsim.Repro {
		var flags strings.Builder
		for _, f := range s.Flags() {
			if f[0] != "impl" { // the folder is the implementation
				fmt.Fprintf(&flags, " --%s %s", f[0], shellQuote(f[1]))
			}
		}
		lab := "kvsim lab --dir " + shellQuote(dir)
		return kvsim.Repro{
			Run:    lab + flags.String(),
			Shrink: fmt.Sprintf("%s --scenario %s --faults %s --shrink", lab, s.Scenario, cmp.Or(s.Faults, scenarios.SwarmName)),
		}
	}
}

// shellQuote quotes s for a POSIX shell unless it needs none.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+~,:=@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
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

// runsLock reports whether a lab command of --scenario names may run a
// lock scenario: all, one named, or none given (a shrink then picks the
// scenario).
func runsLock(names string) bool {
	if names == "" || names == "all" {
		return true
	}
	return slices.ContainsFunc(strings.Split(names, ","), func(n string) bool { return slices.Contains(lockScenarios(), n) })
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

// lockedWriter serializes writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// labNames checks --scenario and --faults against the scenarios and
// profiles of the folder's lab (kind, as lab.KindOf names it): the Raft
// scenarios, or the catalogue's, as a campaign resolves them. An unknown
// name is a usage error.
func labNames(cat campaign.Catalogue, kind, list, faults string) error {
	if kind == "shardkv1" {
		if _, err := shardScenarios(list); err != nil {
			return usageError{err}
		}
		if faults != "" {
			return usagef("lab: a shardkv1 folder's scenarios run on their own networks: --faults does not apply")
		}
		return nil
	}
	if kind == "raft1" {
		if _, err := raftScenarios(list); err != nil {
			return usageError{err}
		}
		if err := raftProfile(faults); err != nil {
			return usageError{err}
		}
		return nil
	}
	if list == "" { // a run without --scenario, refused as such later
		list = "all"
	}
	_, err := catalogueRuns(cat, list, faults, kvsim.Impl{})
	return err
}
