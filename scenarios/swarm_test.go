package scenarios

import (
	"testing"
	"time"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
	"github.com/kvsim/kvsim/sim"
)

// The swarm workloads draw shapes that particular bugs need. Each shape
// has a test of its own: some seed draws it, so that a workload that
// stops drawing it fails a test, not only the hashes.

// swarmRuns are the traced runs of scenario under swarm for seeds from
// 0 until found reports true of one, at most max of them; it reports
// whether one did.
func swarmRuns(t *testing.T, scenario string, max uint64, found func(r Result) bool) bool {
	t.Helper()
	for seed := range max {
		cfg := config(t, scenario, SwarmName, seed)
		cfg.Trace = true
		r := Run(cfg)
		if r.Failed() {
			t.Fatalf("the reference failed: %s", r.Summary())
		}
		if found(r) {
			return true
		}
	}
	return false
}

// TestKVSwarmWritesTheEmptyValue: kv-swarm writes "", a value a server may
// mistake for "absent" (zoo/server-empty-value-deletes).
func TestKVSwarmWritesTheEmptyValue(t *testing.T) {
	if !swarmRuns(t, "kv-swarm", 200, func(r Result) bool {
		for _, op := range r.KVHistory {
			if op.Input.Op == models.OpPut && op.Input.Value == "" && op.Output.Err == rpc.OK {
				return true
			}
		}
		return false
	}) {
		t.Fatal("no kv-swarm run wrote the empty value in 200 seeds")
	}
}

// TestKVSwarmRepeatsValues: kv-swarm writes one value twice to a key, as
// a server that special-cases "already stored" needs
// (zoo/server-same-value-noop).
func TestKVSwarmRepeatsValues(t *testing.T) {
	if !swarmRuns(t, "kv-swarm", 200, func(r Result) bool {
		written := map[[2]string]bool{}
		for _, op := range r.KVHistory {
			if op.Input.Op != models.OpPut || op.Output.Err != rpc.OK {
				continue
			}
			kv := [2]string{op.Input.Key, op.Input.Value}
			if written[kv] {
				return true
			}
			written[kv] = true
		}
		return false
	}) {
		t.Fatal("no kv-swarm run wrote a value twice to a key in 200 seeds")
	}
}

// TestKVSwarmNamesAbsentKeys: kv-swarm Puts at a version above 0 to a key
// nobody creates, which the server must refuse with ErrNoKey however
// often the Clerk resends.
func TestKVSwarmNamesAbsentKeys(t *testing.T) {
	if !swarmRuns(t, "kv-swarm", 200, func(r Result) bool {
		for _, op := range r.KVHistory {
			if op.Input.Op == models.OpPut && op.Input.Key == ghostKey && op.Input.Version > 0 {
				return true
			}
		}
		return false
	}) {
		t.Fatal("no kv-swarm run named a key nobody creates in 200 seeds")
	}
}

// TestKVSwarmPutsStaleVersions: a kv-swarm client Puts at a version older
// than one it has seen of the key, not only at the newest.
func TestKVSwarmPutsStaleVersions(t *testing.T) {
	if !swarmRuns(t, "kv-swarm", 200, func(r Result) bool {
		seen := map[[2]any]rpc.Tversion{} // client, key -> newest version seen
		for _, op := range r.KVHistory {
			k := [2]any{op.Client, op.Input.Key}
			switch in, out := op.Input, op.Output; {
			case in.Op == models.OpGet && out.Err == rpc.OK:
				seen[k] = max(seen[k], out.Version)
			case in.Op == models.OpPut && in.Key != ghostKey && in.Version < seen[k]:
				return true
			case in.Op == models.OpPut && out.Err == rpc.OK:
				seen[k] = max(seen[k], in.Version+1)
			}
		}
		return false
	}) {
		t.Fatal("no kv-swarm client Put at a version older than one it had seen in 200 seeds")
	}
}

// TestLockSwarmHoldsForSeconds: a lock-swarm holder stays in its critical
// section for seconds on purpose, as long as a lock that takes a slow
// holder for dead needs (zoo/lock-steals-from-slow-holder).
func TestLockSwarmHoldsForSeconds(t *testing.T) {
	const long = 2 * time.Second
	if !swarmRuns(t, "lock-swarm", 200, func(r Result) bool {
		secs := sections(r)
		asleep := map[string]time.Duration{} // process -> when it went to sleep
		for _, rec := range r.Trace {
			switch rec.Kind {
			case sim.RecSleep:
				asleep[rec.Proc] = rec.At
			case sim.RecWake:
				if from, ok := asleep[rec.Proc]; ok && rec.At-from >= long && inside(secs[rec.Proc], from) {
					return true
				}
				delete(asleep, rec.Proc)
			}
		}
		return false
	}) {
		t.Fatalf("no lock-swarm holder slept %v inside its critical section in 200 seeds", long)
	}
}

// TestLockSwarmHasBystanders: lock-swarm runs clients that work on other
// keys beside the lock users.
func TestLockSwarmHasBystanders(t *testing.T) {
	if !swarmRuns(t, "lock-swarm", 200, func(r Result) bool {
		for _, op := range r.KVHistory {
			if op.Input.Key != lockKey && op.Input.Key != counterKey {
				return true
			}
		}
		return false
	}) {
		t.Fatal("no lock-swarm run had a bystander in 200 seeds")
	}
}

// TestLockMultiNestsLocks: a lock-multi user holds both locks at once.
func TestLockMultiNestsLocks(t *testing.T) {
	if !swarmRuns(t, "lock-multi", 200, func(r Result) bool {
		holds := map[int]int{} // client -> locks held
		for _, op := range r.LockHist {
			switch {
			case op.Input.Op == models.LockAcquire && !op.Unknown:
				if holds[op.Client]++; holds[op.Client] == 2 {
					return true
				}
			case op.Input.Op == models.LockRelease:
				holds[op.Client]--
			}
		}
		return false
	}) {
		t.Fatal("no lock-multi user held both locks in 200 seeds")
	}
}
