package raftcheck

import (
	"strings"
	"testing"
	"time"
)

// ms is a virtual instant.
func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// feed runs events through c and returns the first violation, failing
// the test if it comes before event wantAt (-1: none expected) or not at
// it, or if its text lacks want.
func feed(t *testing.T, c Check, events []Event, wantAt int, want string) {
	t.Helper()
	for i := range events {
		e := &events[i]
		if e.Incarnation == 0 {
			e.Incarnation = 1
		}
		v := c.Observe(e)
		if v == nil {
			continue
		}
		if i != wantAt {
			t.Fatalf("event %d (%+v) broke %s: %v; want the break at event %d", i, *e, c.Name(), v, wantAt)
		}
		if !strings.Contains(v.Error(), want) || !strings.HasPrefix(v.Error(), c.Name()+": ") {
			t.Fatalf("violation %q, want it to name %s and say %q", v, c.Name(), want)
		}
		return
	}
	if wantAt >= 0 {
		t.Fatalf("%s: no violation, want one at event %d", c.Name(), wantAt)
	}
}
