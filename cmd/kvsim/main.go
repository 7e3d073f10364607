// Command kvsim runs deterministic simulation tests of a versioned key/value
// service: single runs, replays, campaigns over many seeds, the bug zoo, and
// the same service over real TCP. See package cli.
package main

import (
	"os"

	"github.com/kvsim/kvsim/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
