package explore_test

import (
	"fmt"
	"testing"

	"github.com/kvsim/kvsim/sim"
	"github.com/kvsim/kvsim/sim/explore"
)

// racyTransfer is goroutine code with an ordering bug: two goroutines
// move money between accounts guarded by one mutex each, reading the
// balance under the lock and writing it back under a second lock; a
// select hands the transfers out. It fails (the total changes) only for
// some orders of the goroutines' steps and some select choices.
func racyTransfer(ent sim.Entropy) (failed bool, desc string) { return transfer(ent, true) }

// transfer is racyTransfer, without its bug unless racy.
func transfer(ent sim.Entropy, racy bool) (failed bool, desc string) {
	w := sim.New(0, sim.Options{Entropy: ent})
	var total int
	w.Spawn("main", func(*sim.Proc) {
		mu := sim.NewMutex(w)
		balance := 10
		a, b := sim.NewChan[int](w, 1), sim.NewChan[int](w, 1)
		a.Send(1)
		b.Send(2)
		wg := sim.NewWaitGroup(w)
		for range 2 {
			wg.Go(func() {
				var amount int
				switch w.Select(a.RecvCase(), b.RecvCase()) {
				case 0:
					amount, _ = a.Received()
				case 1:
					amount, _ = b.Received()
				}
				mu.Lock()
				seen := balance
				if racy {
					mu.Unlock()
					mu.Lock() // the bug: the read and the write are not one critical section
				}
				balance = seen - amount
				mu.Unlock()
			})
		}
		wg.Wait()
		total = balance
	})
	if r := w.Run(); r.Status != sim.Done {
		return true, fmt.Sprint(r.Status, r.Reason)
	}
	return total != 7, fmt.Sprintf("balance %d, want 7", total)
}

// TestExhaustiveFindsGoroutineOrderingBug: exhaustive exploration treats
// a select's choice and the goroutines' turns as ties: it finds the lost
// update, its choices replay it, and it covers every run of the fixed
// program without a failure; PCT finds the bug too.
func TestExhaustiveFindsGoroutineOrderingBug(t *testing.T) {
	rep := explore.Exhaustive(racyTransfer, explore.Bound{Ties: -1, Runs: 10000})
	if rep.Failure == nil {
		t.Fatalf("not found: %v", rep)
	}
	if failed, desc := racyTransfer(explore.Replay(rep.Failure.Choices)); !failed {
		t.Errorf("the replay of %v passes (%s)", rep.Failure.Choices, desc)
	}
	found := false
	for seed := range uint64(200) {
		if failed, _ := racyTransfer(explore.NewPriority(seed, explore.PriorityOptions{})); failed {
			found = true
			break
		}
	}
	if !found {
		t.Error("PCT never found the lost update in 200 seeds")
	}
	fixed := explore.Exhaustive(func(e sim.Entropy) (bool, string) { return transfer(e, false) }, explore.Bound{Ties: -1})
	if fixed.Failure != nil || !fixed.Exhausted || fixed.Runs < 10 {
		t.Errorf("the fixed transfer: %v; want every run covered and none failing", fixed)
	}
	selects := 0
	cover := explore.Exhaustive(func(e sim.Entropy) (bool, string) {
		w := sim.New(0, sim.Options{Entropy: e})
		w.Spawn("main", func(*sim.Proc) {
			a, b := sim.NewChan[int](w, 1), sim.NewChan[int](w, 1)
			a.Send(1)
			b.Send(2)
			w.Select(a.RecvCase(), b.RecvCase())
		})
		r := w.Run()
		selects += r.Stats.Count(sim.RecSelect)
		return false, ""
	}, explore.Bound{Ties: -1})
	if !cover.Exhausted || cover.Runs != 2 || selects != 2 {
		t.Errorf("a select of two ready cases: %v, %d select records; want 2 runs, one per case", cover, selects)
	}
}

// TestPriorityOrdersGoroutinesOfOneEndpoint: goroutines of one process
// share its endpoint, yet PCT gives each a priority of its own (Due's
// Goroutine), so any of them can go first; with depth 1, a run follows
// the priorities exactly.
func TestPriorityOrdersGoroutinesOfOneEndpoint(t *testing.T) {
	firsts := map[int]bool{}
	for seed := range uint64(60) {
		w := sim.New(0, sim.Options{Entropy: explore.NewPriority(seed, explore.PriorityOptions{Depth: 1})})
		order := []int{}
		w.Spawn("main", func(*sim.Proc) {
			wg := sim.NewWaitGroup(w)
			for i := range 3 {
				wg.Go(func() { order = append(order, i) })
			}
			wg.Wait()
		})
		if r := w.Run(); r.Status != sim.Done {
			t.Fatal(r.Status, r.Reason)
		}
		firsts[order[0]] = true
	}
	if len(firsts) != 3 {
		t.Errorf("PCT ran first only goroutines %v of 0, 1, 2", firsts)
	}
}
