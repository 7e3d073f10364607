package labrt

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/cli"
)

// Main is the generated program's main: with WorkerArg it serves runs as a
// worker, and otherwise it runs the kvsim command line on args with the
// student's implementation as one more --impl. It returns the exit code.
func Main(st Student, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == WorkerArg {
		// Ctrl-C reaches the whole process group; the parent decides what
		// it means and ends its workers (closing stdin, or killing them).
		signal.Ignore(os.Interrupt, syscall.SIGTERM)
		if err := serve(st, os.Stdin, os.NewFile(3, "results")); err != nil {
			fmt.Fprintf(stderr, "kvsim lab worker: %v\n", err)
			return 2
		}
		return 0
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "kvsim lab: %v\n", err)
		return 2
	}
	p := &pool{exe: exe, stderr: stderr}
	defer p.close()
	im := st.impl()
	if len(args) > 0 && args[0] == "shrink" {
		cat := campaign.Default().With(im)
		cat.Repro, cat.Isolate = st.repro, p.isolate
		return shrink(cat, args[1:], stdout, stderr)
	}
	return cli.Options{Impls: []kvsim.Impl{im}, Repro: st.repro, Isolate: p.isolate}.Main(args, stdout, stderr)
}
