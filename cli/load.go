package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/kvsim/kvsim/kv/netrpc"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/loadgen"
	"github.com/kvsim/kvsim/models"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// loadConfig is what the load command was asked to do.
type loadConfig struct {
	opts          loadgen.Options
	timeout       time.Duration // bounds the whole run; 0 means none
	check         bool
	checkTimeout  time.Duration
	vizPath       string
	progressEvery time.Duration // between plain progress lines; 0 means none
}

func newLoadCmd() *cobra.Command {
	var cfg loadConfig
	cmd := &cobra.Command{
		Use:   "load --addr HOST:PORT --clients C --ops N [--lockers L] [--keys K] [--seed S] [--check]",
		Short: "Drive a key/value server over TCP and check the history",
		Long: `Run C concurrent Clerks against a server (see 'kvsim serve'), each doing N
random Gets and Puts, and summarize what they saw; every operation is also
checked against the Clerk's contract. With --lockers L, the first L clients
instead take the reference lock N times, incrementing a counter under it:
mutual exclusion, the lock history and the counter are checked. With
--check, also check the history for linearizability. Each run uses keys of
its own (--key-prefix), so one server can be loaded and checked again and
again.

A server that stops answering stops the run after --dead-after. Ctrl-C stops
it too, with a summary of what was done. Exit 0 when the run finished and
every check passed, 1 when a check failed or the run could not finish, 130
when interrupted.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.validate(); err != nil {
				return err
			}
			if !cmd.Flags().Changed("key-prefix") {
				cfg.opts.KeyPrefix = uniquePrefix()
			}
			sig, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			ctx, cancel := context.WithCancelCause(cmd.Context())
			defer cancel(nil)
			// The first signal stops the load, whose history is still
			// summarized and checked; a second one ends the process as usual.
			context.AfterFunc(sig, func() {
				stop()
				cancel(errInterrupted)
			})
			return load(ctx, cfg, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.opts.Addr, "addr", "", "the server's `HOST:PORT`")
	f.IntVar(&cfg.opts.Clients, "clients", 16, "concurrent clients")
	f.IntVar(&cfg.opts.Ops, "ops", 1000, "operations per client")
	f.IntVar(&cfg.opts.Lockers, "lockers", 0, "of the clients, how many take the lock and increment a counter under it instead")
	// Few keys make Puts race; the check is partitioned by key, so its cost
	// grows with the ops per key and their concurrency, not with the keys.
	f.IntVar(&cfg.opts.Keys, "keys", 8, "keys the clients write and read")
	f.Uint64Var(&cfg.opts.Seed, "seed", 0, "seed of the clients' random choices")
	f.StringVar(&cfg.opts.KeyPrefix, "key-prefix", "", "start every key with `P` (default: a fresh prefix per run)")
	f.DurationVar(&cfg.timeout, "timeout", 5*time.Minute, "stop the run after this long (0 for never)")
	f.DurationVar(&cfg.opts.DeadAfter, "dead-after", loadgen.DefaultDeadAfter, "stop the run when the server has not answered for this long")
	f.DurationVar(&cfg.progressEvery, "progress", 5*time.Second, "print progress this often when stderr is not a terminal (0 for never)")
	f.BoolVar(&cfg.check, "check", false, "check the history for linearizability (none of the keys may exist before the run)")
	f.DurationVar(&cfg.checkTimeout, "check-timeout", time.Minute, "give up the check after this long (0 for never); giving up fails")
	f.StringVar(&cfg.vizPath, "viz", "", "with --check, write porcupine's HTML visualization of the history to `FILE`")
	return cmd
}

func (c loadConfig) validate() error {
	if err := checkAddr(c.opts.Addr); err != nil {
		return err
	}
	switch {
	case c.opts.Clients < 1:
		return usagef("--clients %d: want at least 1", c.opts.Clients)
	case c.opts.Ops < 1:
		return usagef("--ops %d: want at least 1", c.opts.Ops)
	case c.opts.Keys < 1:
		return usagef("--keys %d: want at least 1", c.opts.Keys)
	case c.opts.Lockers < 0 || c.opts.Lockers > c.opts.Clients:
		return usagef("--lockers %d: want 0 to --clients (%d)", c.opts.Lockers, c.opts.Clients)
	case c.timeout < 0 || c.checkTimeout < 0 || c.progressEvery < 0:
		return usagef("negative --timeout, --check-timeout or --progress")
	case c.opts.DeadAfter <= 0:
		return usagef("--dead-after %v: want a positive duration", c.opts.DeadAfter)
	case c.vizPath != "" && !c.check:
		return usagef("--viz needs --check")
	}
	return checkWritableFile("--viz", c.vizPath)
}

// uniquePrefix names a fresh key namespace, so that a run's keys are its
// own even on a server that outlives many runs.
func uniquePrefix() string {
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("run-%x/", b)
}

// load runs the load, prints its summary and checks, and returns
// errFailureFound if a check failed, errInterrupted if ctx was cancelled
// with it, or an error if the run stopped early for another reason.
func load(ctx context.Context, cfg loadConfig, stdout, stderr io.Writer) error {
	if cfg.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, cfg.timeout, fmt.Errorf("--timeout %v reached", cfg.timeout))
		defer cancel()
	}
	// Fail at once on a wrong address, rather than after --dead-after.
	d := net.Dialer{Timeout: netrpc.DefaultTimeout}
	conn, err := d.DialContext(ctx, "tcp", cfg.opts.Addr)
	if err != nil {
		return fmt.Errorf("load: no server reachable at %s: %w", cfg.opts.Addr, err)
	}
	conn.Close()
	switch {
	case cfg.check:
		if err := checkFresh(cfg.opts, "--check needs"); err != nil {
			return err
		}
	case cfg.opts.Lockers > 0:
		if err := checkFresh(cfg.opts, "--lockers need"); err != nil {
			return err
		}
	}

	p := startLoadProgress(stderr, cfg.opts.Clients*cfg.opts.Ops, cfg.progressEvery)
	cfg.opts.OnOp = p.add
	start := time.Now()
	res, runErr := loadgen.Run(ctx, cfg.opts)
	wall := time.Since(start)
	p.stop()
	if runErr != nil && ctx.Err() == nil && !errors.Is(runErr, loadgen.ErrNoReply) {
		return runErr // Run refused the options before running.
	}
	printLoadSummary(stdout, cfg.opts, res, wall, runErr)

	t := time.Now()
	out := res.Check(cfg.check, cfg.checkTimeout)
	if cfg.check {
		r := out.KV
		fmt.Fprintf(stdout, "check %v in %v: %s\n", r.Verdict, time.Since(t).Round(time.Millisecond), r.Reason)
		if cfg.vizPath != "" {
			if err := r.VisualizeFile(cfg.vizPath, nil); err != nil {
				return writeError{fmt.Errorf("--viz: %w", err)}
			}
			fmt.Fprintf(stdout, "visualization: %s\n", cfg.vizPath)
		}
	}
	for _, f := range out.Ranked() {
		switch {
		case f.Check == "linearizability":
			// said above
		case f.Check == "clerk contract":
			fmt.Fprintf(stdout, "clerk contract violated: %s (%d such ops)\n", strings.TrimPrefix(f.Reason, "clerk contract: "), f.Count)
		default:
			fmt.Fprintln(stdout, f.Reason)
		}
	}
	failed := out.Failed()
	switch {
	case failed:
		return errFailureFound
	case errors.Is(runErr, errInterrupted):
		return errInterrupted
	case runErr != nil:
		return fmt.Errorf("load did not finish: %w", runErr)
	}
	return nil
}

// checkFresh makes sure that none of the keys the load uses exists yet. The
// model starts every key absent, so a history taken on keys that hold data
// from an earlier run would check as a violation of the server's making up;
// a lock or a counter left by an earlier run would be taken or counted.
func checkFresh(opts loadgen.Options, who string) error {
	caller := netrpc.NewCaller(netrpc.Options{})
	defer caller.Close()
	keys := make([]string, 0, opts.Keys+2)
	for i := range opts.Keys {
		keys = append(keys, opts.Key(i))
	}
	if opts.Lockers > 0 {
		keys = append(keys, opts.LockKey(), opts.CounterKey())
	}
	for _, key := range keys {
		var reply rpc.GetReply
		if !caller.Call(opts.Addr, rpc.MethodGet, &rpc.GetArgs{Key: key}, &reply) {
			return fmt.Errorf("load: no reply from %s to Get(%s)", opts.Addr, key)
		}
		if reply.Err != rpc.ErrNoKey {
			return fmt.Errorf("load: %s keys that do not exist yet, but Get(%s) on %s returned %s at version %d; use another --key-prefix",
				who, key, opts.Addr, reply.Err, reply.Version)
		}
	}
	return nil
}

// loadProgress shows how far a load has come: a bar on a terminal, else a
// plain line every so often.
type loadProgress struct {
	w     io.Writer
	total int
	start time.Time
	done  atomic.Int64
	bar   *progressbar.ProgressBar // nil when w is not a terminal
	quit  chan struct{}
	wg    sync.WaitGroup
}

func startLoadProgress(w io.Writer, total int, every time.Duration) *loadProgress {
	p := &loadProgress{w: w, total: total, start: time.Now(), quit: make(chan struct{})}
	if f, ok := w.(interface{ Fd() uintptr }); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("ops"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionFullWidth(),
			progressbar.OptionClearOnFinish(),
		)
		return p
	}
	if every > 0 {
		p.wg.Go(func() {
			tick := time.NewTicker(every)
			defer tick.Stop()
			for {
				select {
				case <-p.quit:
					return
				case now := <-tick.C:
					done := p.done.Load()
					fmt.Fprintf(p.w, "load: %d/%d ops (%.0f%%), %.0f ops/s\n",
						done, p.total, 100*float64(done)/float64(p.total), float64(done)/now.Sub(p.start).Seconds())
				}
			}
		})
	}
	return p
}

// add counts one operation done; clients call it at once.
func (p *loadProgress) add() {
	p.done.Add(1)
	if p.bar != nil {
		p.bar.Add(1)
	}
}

func (p *loadProgress) stop() {
	close(p.quit)
	p.wg.Wait()
	if p.bar != nil {
		p.bar.Clear()
	}
}

// printLoadSummary writes what the clients did: how many operations, how
// they ended, how fast, and why the run stopped early if it did.
func printLoadSummary(w io.Writer, opts loadgen.Options, res loadgen.Result, wall time.Duration, runErr error) {
	outcomes := map[models.OpKind]map[rpc.Err]int{models.OpGet: {}, models.OpPut: {}}
	total := map[models.OpKind]int{}
	abandoned := 0
	for _, op := range res.Ops {
		total[op.Input.Op]++
		if op.Output.Unknown {
			abandoned++
			continue
		}
		outcomes[op.Input.Op][op.Output.Err]++
	}
	done := len(res.Ops) - abandoned
	fmt.Fprintf(w, "load: %d ops by %d clients on %s (%d keys %q..., seed %d) in %v, %.0f ops/s\n",
		done, opts.Clients, opts.Addr, opts.Keys, opts.Key(0), opts.Seed, wall.Round(time.Millisecond), float64(done)/wall.Seconds())
	puts := outcomes[models.OpPut]
	fmt.Fprintf(w, "  puts %d: %d OK, %d ErrVersion, %d ErrMaybe, %d ErrNoKey",
		total[models.OpPut], puts[rpc.OK], puts[rpc.ErrVersion], puts[rpc.ErrMaybe], puts[rpc.ErrNoKey])
	if abandoned > 0 {
		fmt.Fprintf(w, ", %d abandoned (outcome unknown)", abandoned)
	}
	gets := outcomes[models.OpGet]
	fmt.Fprintf(w, "\n  gets %d: %d OK, %d ErrNoKey\n", total[models.OpGet], gets[rpc.OK], gets[rpc.ErrNoKey])
	if opts.Lockers > 0 {
		acquired, increments := 0, 0
		for _, op := range res.Locks {
			if op.Input.Op == models.LockAcquire && !op.Unknown {
				acquired++
			}
		}
		for _, ctr := range res.Recording.Counters {
			increments += ctr.Increments
		}
		fmt.Fprintf(w, "  lock %s: %d acquisitions by %d lock users, %d increments of %s under it (their Gets and Puts counted above)\n",
			opts.LockKey(), acquired, opts.Lockers, increments, opts.CounterKey())
	}
	if runErr != nil {
		fmt.Fprintf(w, "  stopped early (%v) after %d of %d ops\n", runErr, done, opts.Clients*opts.Ops)
	}
}
