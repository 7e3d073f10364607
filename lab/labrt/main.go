package labrt

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/kvsim/kvsim/worker"
)

// Main is the generated program's main, and the program is a worker only
// (package worker): started by kvsim lab with worker.Arg, it makes the runs
// kvsim asks for, of the student's code, one at a time. kvsim lab parses
// the command line and runs campaigns, shrinks and reports; this program
// parses nothing. It returns the exit code.
func Main(st Student, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != worker.Arg {
		fmt.Fprintf(stderr, "this program is kvsim lab's worker for %s: run kvsim lab --dir %q instead\n", st.Name, st.Dir)
		return 2
	}
	// Ctrl-C reaches the whole process group; kvsim decides what it means
	// and ends its workers (closing stdin, or killing them).
	signal.Ignore(os.Interrupt, syscall.SIGTERM)
	if err := worker.Serve(os.Stdin, os.NewFile(3, "responses"), st.impl(), &Runner{}); err != nil {
		fmt.Fprintf(stderr, "kvsim lab worker: %v\n", err)
		return 2
	}
	return 0
}
