package sim

import (
	"fmt"
	"testing"
	"time"
)

// TestIsolationCutsAnEndpointBothWays: an endpoint cut off by Isolate
// loses every message it sends and every message sent to it, whether it
// is the caller or the server, the request or the reply; Rejoin heals it.
func TestIsolationCutsAnEndpointBothWays(t *testing.T) {
	w, c := newCounterWorld(1, Options{})
	var results []bool
	w.Spawn("c0", func(p *Proc) {
		for k := range 6 {
			p.Sleep(time.Duration(k)*200*time.Millisecond - p.Now())
			var reply addReply
			results = append(results, p.Call("server", "Counter.Add", &addArgs{N: 1}, &reply))
		}
	})
	// Calls leave at 0, 200ms, 400ms, ...; each message takes 1ms, so a
	// request arrives at +1ms and its reply at +2ms.
	isolate := func(name string, from, to time.Duration) {
		w.At(from, func() { w.Isolate(name) })
		w.At(to, func() { w.Rejoin(name) })
	}
	isolate("c0", 150*time.Millisecond, 250*time.Millisecond)                        // the caller, as it sends
	isolate("server", 350*time.Millisecond, 450*time.Millisecond)                    // the server, as it is called
	isolate("c0", 601*time.Millisecond+time.Millisecond/2, 700*time.Millisecond)     // the caller, as its reply comes
	isolate("server", 801*time.Millisecond+time.Millisecond/2, 900*time.Millisecond) // the server, as it replies
	r := w.Run()
	if r.Status != Done {
		t.Fatalf("%v: %s", r.Status, r.Reason)
	}
	if got, want := fmt.Sprint(results), fmt.Sprint([]bool{true, false, false, false, false, true}); got != want {
		t.Errorf("call results %s, want %s (isolated caller's request, isolated server's request, isolated caller's reply, isolated server's reply lost)", got, want)
	}
	if r.Stats.Lost != 4 {
		t.Errorf("%d messages lost to isolation, want 4: %+v", r.Stats.Lost, r.Stats)
	}
	// The handler ran for the calls whose replies were lost.
	if c.seen != 4 {
		t.Errorf("the server handled %d requests, want 4", c.seen)
	}
}
