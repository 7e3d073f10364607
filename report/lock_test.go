package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/models"
)

// TestLockWhyOwnerIDs: with random owner ids, as the course's lock uses,
// the explanation and the labels name the client each id belongs to.
func TestLockWhyOwnerIDs(t *testing.T) {
	kv, err := models.ParseKV(`
c0 [0,2] get(lock) -> ErrNoKey
c0 [2,10] put(lock, "1nUriiJ5", v0) -> OK
c1 [0,3] get(lock) -> ErrNoKey
c1 [3,30] put(lock, "Zq3xT0aa", v0) -> ErrMaybe
c1 [31,35] put(counter, "1", v0) -> OK
c0 [40,42] get(lock) -> "1nUriiJ5"@v1
c0 [42,50] put(lock, "", v1) -> OK
`)
	if err != nil {
		t.Fatal(err)
	}
	acq, rel := models.LockAcquire, models.LockRelease
	locks := []models.LockOpRecord{
		{Client: 0, Input: models.LockInput{Op: acq, Owner: "c0"}, Call: 0, Return: 10},
		{Client: 1, Input: models.LockInput{Op: acq, Owner: "c1"}, Call: 0, Return: 30},
		{Client: 0, Input: models.LockInput{Op: rel, Owner: "c0"}, Call: 40, Return: 50},
	}
	run := Run{Clients: []string{"c0", "c1"}, KV: kv, KVCheck: models.CheckKV(kv, 0), Locks: locks}
	d := build(run)
	w := d.Lock
	if w == nil {
		t.Fatal("no explanation of two clients inside the critical section")
	}
	if w.Key != "lock" || w.From != 30 || w.To != 40 || d.Lanes[w.Holders[0]] != "c0" || d.Lanes[w.Holders[1]] != "c1" {
		t.Errorf("why = %+v, want key lock, c0 then c1 inside from 30 to 40", w)
	}
	if fmt.Sprint(w.Ops) != "[1 2 3]" {
		t.Errorf("highlighted ops %v, want [1 2 3]: c1's read and ErrMaybe Put, and c0's Put that made v1", w.Ops)
	}
	for _, want := range []string{"The lock was never c1's", `"1nUriiJ5"@v1, c0's id`, "taking ErrMaybe for success"} {
		if !strings.Contains(w.Text, want) {
			t.Errorf("explanation %q lacks %q", w.Text, want)
		}
	}
	if got, want := d.Ops[1].Label, `c0 put(lock,"1nUriiJ5",v0) -> OK ["1nUriiJ5" is c0's]`; got != want {
		t.Errorf("label %q, want %q", got, want)
	}
	if got := d.Ops[4].Label; strings.Contains(got, "[") {
		t.Errorf("an op on another key is annotated: %q", got)
	}
	page := render(t, run)
	for _, want := range []string{`<section id="lock-violation"`, `<svg id="lock-sketch"`, `data-op="3">`, "both inside, 0.000ms"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// TestLockWhyZoo explains the lock bugs of the zoo that break mutual
// exclusion, each in its own way: an ErrMaybe taken for success, a stale
// belief with no request at all, and a release that freed another
// client's lock.
func TestLockWhyZoo(t *testing.T) {
	for _, tc := range []struct {
		spec  kvsim.Spec
		first string // the client inside first
		ops   []string
		says  []string
	}{
		{kvsim.Spec{Scenario: "lock-counter", Seed: 7, Faults: "lossy", Impl: "zoo/lock-ignores-maybe"}, "c0",
			[]string{`c1 put(lock,"c1",v0) -> ErrMaybe`, `c0 put(lock,"c0",v0) -> OK`},
			[]string{"The lock was never c1's", `held "c0"@v1`, "taking ErrMaybe for success"}},
		{kvsim.Spec{Scenario: "lock-counter", Seed: 57, Faults: "lossy", Impl: "zoo/lock-stale-held-flag"}, "c1",
			[]string{`c1 put(lock,"",v1) -> ErrMaybe`},
			[]string{"The lock was never c1's", "sent no request at all", "had freed the lock after all"}},
		{kvsim.Spec{Scenario: "lock-counter", Seed: 78, Faults: "lossy", Impl: "zoo/lock-release-no-owner-check"}, "c1",
			[]string{`c0 put(lock,"",v3) -> OK`, `c0 put(lock,"c0",v4) -> OK`},
			[]string{"named each of them as it entered", "c0's release freed a lock that was no longer c0's"}},
	} {
		t.Run(tc.spec.Impl, func(t *testing.T) {
			d := build(FromResult(traced(t, tc.spec)))
			w := d.Lock
			if w == nil {
				t.Fatal("no explanation")
			}
			if got := d.Lanes[w.Holders[0]]; got != tc.first {
				t.Errorf("first inside: %s, want %s", got, tc.first)
			}
			var labels []string
			for _, i := range w.Ops {
				labels = append(labels, d.Ops[i].Label)
			}
			for _, want := range tc.ops {
				if !strings.Contains(strings.Join(labels, "\n"), want) {
					t.Errorf("highlighted %q, want %q among them", labels, want)
				}
			}
			for _, want := range tc.says {
				if !strings.Contains(w.Text, want) {
					t.Errorf("explanation %q lacks %q", w.Text, want)
				}
			}
			if !d.Sections[w.Sections[0]].Overlap || !d.Sections[w.Sections[1]].Overlap {
				t.Errorf("the two sections are not marked: %v", d.Sections)
			}
		})
	}
	if d := build(FromResult(traced(t, kvsim.Spec{Scenario: "lock-counter", Seed: 11}))); d.Lock != nil || len(d.Sections) == 0 {
		t.Errorf("the reference lock: why %+v, %d sections; want none, and sections", d.Lock, len(d.Sections))
	}
}
