package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/netrpc"
	"github.com/spf13/cobra"
)

func newServeCmd() *cobra.Command {
	var addr string
	var opts netrpc.ServerOptions
	cmd := &cobra.Command{
		Use:   "serve --addr HOST:PORT",
		Short: "Serve the reference key/value server over TCP",
		Long: `Serve the reference key/value server over TCP (net/rpc) until SIGINT or
SIGTERM. It prints the address it listens on, so --addr 127.0.0.1:0 picks a
free port. Drive it with 'kvsim load'.

A client that sends a message over --max-frame, stalls halfway through one
for --read-timeout, says nothing for --idle-timeout, or connects when
--max-conns are already served, is hung up on; the others are served on.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkAddr(addr); err != nil {
				return err
			}
			if opts.Check() != nil {
				return usagef("--max-frame, --read-timeout, --idle-timeout and --max-conns must not be negative")
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serve(ctx, addr, opts, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "", "`HOST:PORT` to listen on (port 0 picks a free one)")
	f.IntVar(&opts.MaxFrame, "max-frame", netrpc.DefaultMaxFrame, "largest message accepted, in `bytes`")
	f.DurationVar(&opts.ReadTimeout, "read-timeout", netrpc.DefaultReadTimeout, "time for a message, once begun, to arrive, and for a reply to be sent")
	f.DurationVar(&opts.IdleTimeout, "idle-timeout", netrpc.DefaultIdleTimeout, "hang up on a client that sends nothing for this long")
	f.IntVar(&opts.MaxConns, "max-conns", netrpc.DefaultMaxConns, "connections served at once")
	return cmd
}

// serve runs the reference server on addr until ctx is done, then closes
// it and every connection. It is the serve command minus the signals, so
// tests can stop it.
func serve(ctx context.Context, addr string, opts netrpc.ServerOptions, stdout io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: cannot listen: %w", err)
	}
	srv := netrpc.NewServer(kv.NewServer(), opts)
	// The kernel queues connections from here on, so whoever reads this line
	// may connect at once.
	fmt.Fprintf(stdout, "listening on %s\n", ln.Addr())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		srv.Close()
		err = <-served
	case err = <-served: // The listener failed on its own.
		srv.Close()
	}
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// checkAddr rejects an --addr that is not HOST:PORT as a usage error.
func checkAddr(addr string) error {
	if addr == "" {
		return usagef("missing --addr HOST:PORT")
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("bad --addr: %v", err)
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return usagef("bad --addr %s: %v", addr, err)
	}
	return nil
}
