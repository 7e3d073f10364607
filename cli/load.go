package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/kvsim/kvsim/kv/netrpc"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
	"github.com/spf13/cobra"
)

// loadConfig is what the load command was asked to do.
type loadConfig struct {
	opts         netrpc.LoadOptions
	timeout      time.Duration // bounds the whole run; 0 means none
	check        bool
	checkTimeout time.Duration
	vizPath      string
}

func newLoadCmd() *cobra.Command {
	var cfg loadConfig
	cmd := &cobra.Command{
		Use:   "load --addr HOST:PORT --clients C --ops N [--keys K] [--seed S] [--check]",
		Short: "Drive a key/value server over TCP and check the history",
		Long: `Run C concurrent Clerks against a server (see 'kvsim serve'), each doing N
random Gets and Puts, and summarize what they saw. With --check, also check
the history for linearizability; the check assumes the load is the only
client of a server that started empty. Exit 0 when the run finished and every check
passed, 1 otherwise.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.validate(); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			// The first signal stops the load, whose history is still
			// summarized and checked; a second one ends the process as usual.
			context.AfterFunc(ctx, stop)
			return load(ctx, cfg, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.opts.Addr, "addr", "", "the server's `HOST:PORT`")
	f.IntVar(&cfg.opts.Clients, "clients", 16, "concurrent clients")
	f.IntVar(&cfg.opts.Ops, "ops", 1000, "operations per client")
	// Few keys make Puts race; the check is partitioned by key, so its cost
	// grows with the ops per key and their concurrency, not with the keys.
	f.IntVar(&cfg.opts.Keys, "keys", 8, "keys the clients write and read")
	f.Uint64Var(&cfg.opts.Seed, "seed", 0, "seed of the clients' random choices")
	f.DurationVar(&cfg.timeout, "timeout", 5*time.Minute, "stop the run after this long (0 for never)")
	f.BoolVar(&cfg.check, "check", false, "check the history for linearizability (needs a fresh server, with none of the keys)")
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
	case c.timeout < 0 || c.checkTimeout < 0:
		return usagef("negative --timeout or --check-timeout")
	case c.vizPath != "" && !c.check:
		return usagef("--viz needs --check")
	}
	return nil
}

// load runs the load, prints its summary and checks, and returns
// errFailureFound if a check failed, or an error if the run stopped early.
func load(ctx context.Context, cfg loadConfig, w io.Writer) error {
	if cfg.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.timeout)
		defer cancel()
	}
	// Clerks retry forever, so without this a wrong address would only show
	// as a run that makes no progress until --timeout.
	d := net.Dialer{Timeout: netrpc.DefaultTimeout}
	conn, err := d.DialContext(ctx, "tcp", cfg.opts.Addr)
	if err != nil {
		return fmt.Errorf("load: no server reachable at %s: %w", cfg.opts.Addr, err)
	}
	conn.Close()
	if cfg.check {
		if err := checkFresh(cfg.opts); err != nil {
			return err
		}
	}

	start := time.Now()
	h, runErr := netrpc.RunLoad(ctx, cfg.opts)
	wall := time.Since(start)
	if runErr != nil && ctx.Err() == nil {
		return runErr // RunLoad refused the options before running.
	}
	ops, err := toKVOps(h, runErr != nil)
	if err != nil {
		return err
	}
	printLoadSummary(w, cfg.opts, ops, wall, runErr)

	failed := false
	if msg := clerkContract(ops); msg != "" {
		fmt.Fprintf(w, "clerk contract violated: %s\n", msg)
		failed = true
	}
	if cfg.check {
		t := time.Now()
		r := models.CheckKV(ops, cfg.checkTimeout)
		fmt.Fprintf(w, "check %v in %v: %s\n", r.Verdict, time.Since(t).Round(time.Millisecond), r.Reason)
		if cfg.vizPath != "" {
			if err := r.VisualizeFile(cfg.vizPath, nil); err != nil {
				return err
			}
			fmt.Fprintf(w, "visualization: %s\n", cfg.vizPath)
		}
		failed = failed || r.Verdict != models.Ok
	}
	switch {
	case failed:
		return errFailureFound
	case runErr != nil:
		return fmt.Errorf("load did not finish: %w", runErr)
	}
	return nil
}

// checkFresh makes sure that none of the keys the load uses exists yet. The
// model starts every key absent, so a history taken on a server that holds
// data from an earlier run would check as a violation of the server's
// making up. Keys are named as RunLoad documents: "k0", "k1", ...
func checkFresh(opts netrpc.LoadOptions) error {
	caller := netrpc.NewCaller(netrpc.Options{})
	defer caller.Close()
	for i := range opts.Keys {
		key := fmt.Sprintf("k%d", i)
		var reply rpc.GetReply
		if !caller.Call(opts.Addr, rpc.MethodGet, &rpc.GetArgs{Key: key}, &reply) {
			return fmt.Errorf("load: no reply from %s to Get(%s)", opts.Addr, key)
		}
		if reply.Err != rpc.ErrNoKey {
			return fmt.Errorf("load: --check needs a fresh server, but Get(%s) on %s returned %s at version %d; restart 'kvsim serve'",
				key, opts.Addr, reply.Err, reply.Version)
		}
	}
	return nil
}

// toKVOps converts a load history for models.CheckKV. When the run was
// stopped, RunLoad records each Put it gave up on as ErrMaybe returning at
// the very end, after every completed operation. Such a Put never saw a
// reply, so it becomes Unknown. A Put whose Clerk returned ErrMaybe at that
// same instant would be taken for one too, which changes nothing: either
// may or may not have taken effect, and its return is already last.
func toKVOps(h netrpc.History, stopped bool) ([]models.KVOp, error) {
	var end int64
	if stopped {
		for _, op := range h {
			end = max(end, op.Return)
		}
	}
	ops := make([]models.KVOp, len(h))
	for i, op := range h {
		var kind models.OpKind
		switch op.Input.Kind {
		case netrpc.OpGet:
			kind = models.OpGet
		case netrpc.OpPut:
			kind = models.OpPut
		default:
			return nil, fmt.Errorf("load: op %d has unknown kind %q", i, op.Input.Kind)
		}
		ops[i] = models.KVOp{
			Client: op.Client,
			Input:  models.KVInput{Op: kind, Key: op.Input.Key, Value: op.Input.Value, Version: op.Input.Version},
			Output: models.KVOutput{Value: op.Output.Value, Version: op.Output.Version, Err: op.Output.Err},
			Call:   op.Call,
			Return: op.Return,
		}
		if stopped && kind == models.OpPut && op.Output.Err == rpc.ErrMaybe && op.Return == end {
			ops[i].Output = models.KVOutput{Unknown: true}
		}
	}
	return ops, nil
}

// printLoadSummary writes what the clients did: how many operations, how
// they ended, how fast, and why the run stopped early if it did.
func printLoadSummary(w io.Writer, opts netrpc.LoadOptions, ops []models.KVOp, wall time.Duration, runErr error) {
	outcomes := map[models.OpKind]map[rpc.Err]int{models.OpGet: {}, models.OpPut: {}}
	total := map[models.OpKind]int{}
	abandoned := 0
	for _, op := range ops {
		total[op.Input.Op]++
		if op.Output.Unknown {
			abandoned++
			continue
		}
		outcomes[op.Input.Op][op.Output.Err]++
	}
	done := len(ops) - abandoned
	fmt.Fprintf(w, "load: %d ops by %d clients on %s (%d keys, seed %d) in %v, %.0f ops/s\n",
		done, opts.Clients, opts.Addr, opts.Keys, opts.Seed, wall.Round(time.Millisecond), float64(done)/wall.Seconds())
	puts := outcomes[models.OpPut]
	fmt.Fprintf(w, "  puts %d: %d OK, %d ErrVersion, %d ErrMaybe, %d ErrNoKey",
		total[models.OpPut], puts[rpc.OK], puts[rpc.ErrVersion], puts[rpc.ErrMaybe], puts[rpc.ErrNoKey])
	if abandoned > 0 {
		fmt.Fprintf(w, ", %d abandoned (outcome unknown)", abandoned)
	}
	gets := outcomes[models.OpGet]
	fmt.Fprintf(w, "\n  gets %d: %d OK, %d ErrNoKey\n", total[models.OpGet], gets[rpc.OK], gets[rpc.ErrNoKey])
	if runErr != nil {
		fmt.Fprintf(w, "  stopped early (%v) after %d of %d ops\n", runErr, done, opts.Clients*opts.Ops)
	}
}

// clerkContract checks what the history can tell of the Clerk's contract
// from outputs alone: a Get never returns ErrMaybe, and no operation
// returns an error that is not its own. It describes the first breach and
// how many there were, or returns "".
func clerkContract(ops []models.KVOp) string {
	allowed := map[models.OpKind][]rpc.Err{
		models.OpGet: {rpc.OK, rpc.ErrNoKey},
		models.OpPut: {rpc.OK, rpc.ErrVersion, rpc.ErrNoKey, rpc.ErrMaybe},
	}
	var first string
	n := 0
	for _, op := range ops {
		if op.Output.Unknown || slices.Contains(allowed[op.Input.Op], op.Output.Err) {
			continue
		}
		if n == 0 {
			first = fmt.Sprintf("client %d: %v(%s) returned %s", op.Client, op.Input.Op, op.Input.Key, op.Output.Err)
		}
		n++
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%s (%d such ops)", first, n)
}
