package labrt

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestOpenFileWritesNowhereAndIsClosed: a write-only file student code
// opens is the null device (no file appears, writes succeed), and a run's
// end closes what the code left open, so runs without end in one worker
// do not run out of descriptors.
func TestOpenFileWritesNowhereAndIsClosed(t *testing.T) {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd to count descriptors with")
	}
	name := filepath.Join(t.TempDir(), "debug.log")
	for run := range 200 {
		begin(uint64(run))
		f, err := OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fmt.Fprintf(f, "run %d\n", run); err != nil {
			t.Fatal(err)
		}
		if run%2 == 0 {
			f.Close() // the others are left open, as a log opened once is
		}
		end()
	}
	if _, err := os.Stat(name); !os.IsNotExist(err) {
		t.Errorf("the student's file exists (%v): writes reached the file system", err)
	}
	after, _ := os.ReadDir("/proc/self/fd")
	if len(after) > len(fds)+5 {
		t.Errorf("%d descriptors open after 200 runs, %d before: the runs' files leak", len(after), len(fds))
	}
}
