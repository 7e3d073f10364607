package worker

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"sync"
	"testing"
	"time"
)

// TestMain makes the test binary an echo worker when started with Arg:
// each request, a number, is answered with the number plus one.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == Arg {
		dec := json.NewDecoder(bufio.NewReader(os.Stdin))
		enc := json.NewEncoder(os.NewFile(3, "responses"))
		for {
			var n int
			if dec.Decode(&n) != nil {
				os.Exit(0)
			}
			if n < 0 {
				time.Sleep(time.Hour) // a run that never ends
			}
			enc.Encode(n + 1)
		}
	}
	os.Exit(m.Run())
}

// TestCallsWhoseContextEndsAsTheyReturn: callers cancel a call's context
// as soon as the call returns (defer cancel()); that must never kill the
// worker the answer came from once it is idle again, which made another
// caller's next run "die" (thousands of short runs in a row did it a few
// times a thousand).
func TestCallsWhoseContextEndsAsTheyReturn(t *testing.T) {
	pl := &Pool{Path: os.Args[0], Stderr: os.Stderr}
	defer pl.Close()
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := range 1500 {
				ctx, cancel := context.WithCancel(context.Background())
				var got int
				err := pl.Call(ctx, w*10000+i, &got)
				cancel()
				if err != nil || got != w*10000+i+1 {
					t.Errorf("call %d of caller %d: %d, %v", i, w, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestCallGivenUpKillsItsWorker: a call whose context ends before its
// answer kills its worker and says so; the pool goes on with a new one.
func TestCallGivenUpKillsItsWorker(t *testing.T) {
	pl := &Pool{Path: os.Args[0], Stderr: os.Stderr}
	defer pl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	var got int
	if err := pl.Call(ctx, -1, &got); err == nil {
		t.Fatal("a call that never ends returned no error")
	}
	if err := pl.Call(context.Background(), 1, &got); err != nil || got != 2 {
		t.Fatalf("after a killed worker: %d, %v", got, err)
	}
}
