package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// writeError is an output file that could not be written after the
// command ran: it exits 2, as a path refused before the run does, and
// never counts as a failure of the implementation.
type writeError struct{ err error }

func (e writeError) Error() string { return e.err.Error() }
func (e writeError) Unwrap() error { return e.err }

// checkWritableFile proves that path (if given) can be written, before a
// command runs: an output that cannot be written is the user's mistake
// (exit 2), found before minutes of work, not after. A file that exists
// is left as it is; one that does not is made and removed again.
func checkWritableFile(flag, path string) error {
	if path == "" {
		return nil
	}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return usagef("%s %s: is a directory, want a file", flag, path)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		if f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644); err == nil {
			f.Close()
			return os.Remove(path)
		}
	}
	if err != nil {
		return usagef("%s: %v", flag, err)
	}
	return f.Close()
}

// checkWritableDir makes dir (if given) and proves a file can be made in it.
func checkWritableDir(flag, dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usagef("%s: %v", flag, err)
	}
	f, err := os.CreateTemp(dir, ".kvsim-check-*")
	if err != nil {
		return usagef("%s: %v", flag, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// output is a path a command writes, named by its flag.
type output struct {
	flag, path string
	dir        bool
}

// checkOutputs checks every output's path before the command runs.
func checkOutputs(outs ...output) error {
	for _, o := range outs {
		check := checkWritableFile
		if o.dir {
			check = checkWritableDir
		}
		if err := check(o.flag, o.path); err != nil {
			return err
		}
	}
	return nil
}

// plural is n and word, with an s unless n is 1: "1 op", "2 ops".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
