package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
	"github.com/kvsim/kvsim/sim"
)

// Each targeted site has a test of its own: turned on alone and made to
// fire every time its moment comes, it strikes the messages or the
// endpoint of its role, and only those. Switching a site off, or making it
// do something else, fails its test, not only the hashes.

// siteRun runs scenario under a reliable network whose only fault is the
// targeted site t, traced, on a few seeds, and returns the runs.
func siteRun(t *testing.T, scenario string, delivery Delivery, sites Targeted) []Result {
	t.Helper()
	p := Profile{Name: "test/targeted", Delivery: delivery,
		Faults:   fixed(sim.Faults{Jitter: time.Millisecond}),
		Targeted: func(sim.Entropy) Targeted { return sites }}
	var runs []Result
	for seed := range uint64(4) {
		cfg := config(t, scenario, "reliable", seed)
		cfg.Profile, cfg.Trace = p, true
		r := Run(cfg)
		if r.Failed() {
			t.Fatalf("the reference failed under %s: %s", sites, r.Summary())
		}
		runs = append(runs, r)
	}
	return runs
}

// sentArgs are, by call id, the arguments of every request a run sent,
// as its trace prints them.
func sentArgs(r Result) map[uint64]sim.Record {
	sent := map[uint64]sim.Record{}
	for _, rec := range r.Trace {
		if rec.Kind == sim.RecSend {
			sent[rec.Call] = rec
		}
	}
	return sent
}

// isCreate reports whether a sent request is a Put at version 0.
func isCreate(send sim.Record) bool {
	return send.Method == rpc.MethodPut && strings.Contains(send.Text, "Version:0}")
}

// sections are, by client name, the critical sections of a traced run:
// from an Acquire's return to the next Release's call, in nanoseconds.
func sections(r Result) map[string][][2]int64 {
	secs := map[string][][2]int64{}
	open := map[string]int64{}
	for _, op := range r.LockHist {
		name := r.Clients[op.Client]
		switch op.Input.Op {
		case models.LockAcquire:
			if !op.Unknown {
				open[name] = op.Return
			}
		case models.LockRelease:
			if from, ok := open[name]; ok {
				secs[name] = append(secs[name], [2]int64{from, op.Call})
				delete(open, name)
			}
		}
	}
	for name, from := range open {
		secs[name] = append(secs[name], [2]int64{from, int64(1<<63 - 1)})
	}
	return secs
}

func inside(secs [][2]int64, at time.Duration) bool {
	for _, s := range secs {
		if s[0] <= int64(at) && int64(at) <= s[1] {
			return true
		}
	}
	return false
}

// TestHolderCutIsolatesTheNewHolder: holder-cut cuts off a client just as
// its Acquire returns, and nobody else.
func TestHolderCutIsolatesTheNewHolder(t *testing.T) {
	cuts := 0
	for _, r := range siteRun(t, "lock-counter", AtMostOnce, Targeted{HolderCut: 1}) {
		acquired := map[string]bool{} // client@time of every Acquire's return
		for _, op := range r.LockHist {
			if op.Input.Op == models.LockAcquire && !op.Unknown {
				acquired[r.Clients[op.Client]+"@"+time.Duration(op.Return).String()] = true
			}
		}
		for _, rec := range r.Trace {
			if rec.Kind != sim.RecCut {
				continue
			}
			cuts++
			if !acquired[rec.Proc+"@"+rec.At.String()] {
				t.Fatalf("seed %d: %s was cut off at %v, not as its Acquire returned", r.Seed, rec.Proc, rec.At)
			}
		}
	}
	if cuts == 0 {
		t.Fatal("holder-cut never cut a holder off")
	}
}

// TestHolderSlowDelaysOnlyTheHolder: holder-slow delays the requests of a
// client inside its critical section, and no other request.
func TestHolderSlowDelaysOnlyTheHolder(t *testing.T) {
	delayed := 0
	for _, r := range siteRun(t, "lock-swarm", AtMostOnce, Targeted{HolderSlow: 1}) {
		secs := sections(r)
		for _, rec := range r.Trace {
			if rec.Kind != sim.RecNemesisDelay {
				continue
			}
			delayed++
			if rec.Reply || !inside(secs[rec.Proc], rec.At) {
				t.Fatalf("seed %d: %s's message #%d delayed at %v, outside its critical sections %v", r.Seed, rec.Proc, rec.Call, rec.At, secs[rec.Proc])
			}
		}
	}
	if delayed == 0 {
		t.Fatal("holder-slow never delayed a holder's request")
	}
}

// TestPauseOnPutPausesAsAPutLeaves: pause-on-put pauses the server just as
// a Put is sent, never on a Get.
func TestPauseOnPutPausesAsAPutLeaves(t *testing.T) {
	pauses := 0
	for _, r := range siteRun(t, "kv-random", AtMostOnce, Targeted{PauseOnPut: 1}) {
		var last sim.Record // the last request sent
		for _, rec := range r.Trace {
			switch rec.Kind {
			case sim.RecSend:
				last = rec
			case sim.RecPause:
				pauses++
				if last.Method != rpc.MethodPut || last.At != rec.At {
					t.Fatalf("seed %d: the server paused at %v, after %s at %v", r.Seed, rec.At, last.Method, last.At)
				}
			}
		}
	}
	if pauses == 0 {
		t.Fatal("pause-on-put never paused the server")
	}
}

// TestCreateDupDuplicatesCreates: create-dup delivers the Put that
// creates a key twice, and no other request.
func TestCreateDupDuplicatesCreates(t *testing.T) {
	dups := 0
	for _, r := range siteRun(t, "kv-random", AtLeastOnce, Targeted{CreateDup: 1}) {
		sent := sentArgs(r)
		delivered := map[uint64]int{}
		for _, rec := range r.Trace {
			switch rec.Kind {
			case sim.RecNemesisDup:
				dups++
				if !isCreate(sent[rec.Call]) {
					t.Fatalf("seed %d: #%d duplicated, which is not a create: %s", r.Seed, rec.Call, sent[rec.Call].Text)
				}
			case sim.RecDeliver:
				delivered[rec.Call]++
			}
		}
		for call, n := range delivered {
			if n > 1 && !isCreate(sent[call]) {
				t.Fatalf("seed %d: #%d delivered %d times: %s", r.Seed, call, n, sent[call].Text)
			}
			if n < 2 && isCreate(sent[call]) && sent[call].At < FaultsUntil {
				t.Fatalf("seed %d: the create #%d was delivered once", r.Seed, call)
			}
		}
	}
	if dups == 0 {
		t.Fatal("create-dup never duplicated a create")
	}
}

// timedOut are the calls of a traced run that timed out.
func timedOut(r Result) map[uint64]bool {
	out := map[uint64]bool{}
	for _, rec := range r.Trace {
		if rec.Kind == sim.RecTimeout {
			out[rec.Call] = true
		}
	}
	return out
}

// TestCreateHoldHoldsCreatesPastTheTimeout: create-hold holds the Put that
// creates a key until its caller's call has timed out; the request then
// runs, after the caller gave up on it.
func TestCreateHoldHoldsCreatesPastTheTimeout(t *testing.T) {
	held := 0
	for _, r := range siteRun(t, "kv-random", AtMostOnce, Targeted{CreateHold: 1}) {
		sent, out := sentArgs(r), timedOut(r)
		ranAfter := map[uint64]bool{} // held requests handled after their timeout
		for _, rec := range r.Trace {
			switch rec.Kind {
			case sim.RecNemesisHold:
				held++
				if rec.Reply || !isCreate(sent[rec.Call]) {
					t.Fatalf("seed %d: #%d held, which is not a create's request: %s", r.Seed, rec.Call, rec)
				}
				if !out[rec.Call] {
					t.Fatalf("seed %d: the held create #%d did not time out", r.Seed, rec.Call)
				}
			case sim.RecTimeout:
				ranAfter[rec.Call] = false
			case sim.RecDeliver:
				if done, ok := ranAfter[rec.Call]; ok && !done {
					ranAfter[rec.Call] = true
				}
			}
		}
		for call := range out {
			if isCreate(sent[call]) && !ranAfter[call] {
				t.Fatalf("seed %d: the held create #%d never ran after its timeout", r.Seed, call)
			}
		}
	}
	if held == 0 {
		t.Fatal("create-hold never held a create")
	}
}

// TestHoldReplyArrivesAfterTheTimeout: hold-reply delivers a reply just
// after its caller's call timed out, so that it races the retry: the reply
// is neither lost nor in time.
func TestHoldReplyArrivesAfterTheTimeout(t *testing.T) {
	held := 0
	for _, r := range siteRun(t, "kv-random", AtMostOnce, Targeted{HoldReply: 1}) {
		out := timedOut(r)
		late := map[uint64]bool{}
		var holds []sim.Record
		for _, rec := range r.Trace {
			switch rec.Kind {
			case sim.RecNemesisHold:
				holds = append(holds, rec)
			case sim.RecLate:
				late[rec.Call] = true
			case sim.RecNemesisDrop, sim.RecDropReply, sim.RecLost:
				t.Fatalf("seed %d: a message was lost under hold-reply alone: %s", r.Seed, rec)
			}
		}
		for _, rec := range holds {
			held++
			if !rec.Reply || !out[rec.Call] || !late[rec.Call] {
				t.Fatalf("seed %d: %s: want a reply that arrives after its call timed out (timed out %v, arrived late %v)", r.Seed, rec, out[rec.Call], late[rec.Call])
			}
		}
	}
	if held == 0 {
		t.Fatal("hold-reply never held a reply")
	}
}

// TestSitesFireOnlyWhileFaultsOn: with every site on, no targeted fault
// strikes after the faults stop.
func TestSitesFireOnlyWhileFaultsOn(t *testing.T) {
	all := Targeted{HolderCut: 1, HolderSlow: 1, PauseOnPut: 1, CreateDup: 1, CreateHold: 1, HoldReply: 1}
	struck := 0
	for _, sc := range []string{"lock-counter", "kv-random"} {
		for _, r := range siteRun(t, sc, AtLeastOnce, all) {
			off := false
			for _, rec := range r.Trace {
				switch rec.Kind {
				case sim.RecFaultsOff:
					off = true
				case sim.RecCut, sim.RecPause, sim.RecNemesisDrop, sim.RecNemesisDup, sim.RecNemesisDelay, sim.RecNemesisHold:
					struck++
					if off {
						t.Fatalf("%s seed %d: %s after the faults stopped", sc, r.Seed, rec)
					}
				}
			}
			if !off {
				t.Fatalf("%s seed %d: the faults never stopped", sc, r.Seed)
			}
		}
	}
	if struck == 0 {
		t.Fatal("no site struck")
	}
}

// TestSwarmDrawsEverySite: swarm turns each site on for some seeds and
// off for others, never a site that duplicates under at-most-once
// delivery; swarm-dup draws that one too.
func TestSwarmDrawsEverySite(t *testing.T) {
	for _, p := range Profiles() {
		if p.Targeted == nil {
			continue
		}
		var on, off [numSites]int
		for seed := range uint64(64) {
			sites := p.Targeted(sim.NewPCG(seed))
			for i, s := range targetedSites {
				if *s.p(&sites) > 0 {
					on[i]++
				} else {
					off[i]++
				}
			}
		}
		for i, s := range targetedSites {
			switch {
			case s.duplicates && p.Delivery == AtMostOnce:
				if on[i] > 0 {
					t.Errorf("%s: %s on in %d of 64 seeds under at-most-once delivery", p.Name, s.name, on[i])
				}
			case on[i] == 0 || off[i] == 0:
				t.Errorf("%s: %s on in %d and off in %d of 64 seeds", p.Name, s.name, on[i], off[i])
			}
		}
	}
}
