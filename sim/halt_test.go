package sim

import (
	"strings"
	"testing"
)

// TestHaltSurvivesDeferredPanics: a run halted from a goroutine whose
// deferred call panics as it unwinds (an unlock of a lock the code had
// released around a call) reports Halt's value, not the second panic.
func TestHaltSurvivesDeferredPanics(t *testing.T) {
	r := runMain(1, Options{}, func(w *World) {
		mu := NewMutex(w)
		w.GoNamed("student", func() {
			mu.Lock()
			defer mu.Unlock()
			mu.Unlock() // released around a call...
			w.Halt("checker: the violation")
		})
		w.Clock().Sleep(1)
	})
	if r.Status != Panic || !strings.Contains(r.Reason, "checker: the violation") || strings.Contains(r.Reason, "unlock of unlocked") {
		t.Fatalf("%v: %s", r.Status, r.Reason)
	}
}
