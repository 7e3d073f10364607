package sim

import (
	"fmt"
	"testing"
	"time"
)

// aim is a Nemesis made of two functions (nil lets messages through).
type aim struct{ req, rep func(m *Message) MessageFault }

func (a aim) Request(m *Message) MessageFault {
	if a.req == nil {
		return MessageFault{}
	}
	return a.req(m)
}

func (a aim) Reply(m *Message) MessageFault {
	if a.rep == nil {
		return MessageFault{}
	}
	return a.rep(m)
}

// target hits only the message whose args carry N == 7.
func target(f MessageFault) func(m *Message) MessageFault {
	return func(m *Message) MessageFault {
		if m.Args.(*addArgs).N == 7 {
			return f
		}
		return MessageFault{}
	}
}

type callResult struct {
	ok     bool
	at     time.Duration
	sum    int64
	dup    bool
	server int // requests the server had seen when the run ended
}

// aimedRun has client c make calls with N = 1, 7, 1 (one second apart) and
// records each outcome.
func aimedRun(t *testing.T, n Nemesis, until time.Duration) ([]callResult, Result, []Record) {
	t.Helper()
	w, c := newCounterWorld(1, Options{Nemesis: n, Faults: Faults{Until: until}, Trace: true})
	var out []callResult
	w.Spawn("c", func(p *Proc) {
		for i, n := range []int64{1, 7, 1} {
			p.Sleep(time.Duration(i)*time.Second - p.Now())
			var reply addReply
			ok := p.Call("server", "Counter.Add", &addArgs{N: n}, &reply)
			out = append(out, callResult{ok: ok, at: p.Now() - time.Duration(i)*time.Second, sum: reply.Sum, dup: p.CallDuplicated()})
		}
	})
	r := w.Run()
	if r.Status != Done {
		t.Fatalf("%v: %s", r.Status, r.Reason)
	}
	for i := range out {
		out[i].server = c.seen
	}
	return out, r, w.Records()
}

func TestNemesis(t *testing.T) {
	const timeout = defaultCallTimeout
	tests := []struct {
		name   string
		n      aim
		kind   RecordKind
		second callResult // the aimed call, N = 7
		seen   int        // requests the server saw
		orSum  int64      // another sum the aimed call may see (a tie decides)
	}{
		{"drop request", aim{req: target(MessageFault{Drop: true})}, RecNemesisDrop,
			callResult{ok: false, at: timeout}, 2, 0},
		{"drop reply", aim{rep: target(MessageFault{Drop: true})}, RecNemesisDrop,
			callResult{ok: false, at: timeout}, 3, 0},
		// The two copies arrive together, and so do their replies: the
		// caller takes the reply of either copy.
		{"duplicate request", aim{req: target(MessageFault{Duplicate: true})}, RecNemesisDup,
			callResult{ok: true, at: 2 * time.Millisecond, sum: 8, dup: true}, 4, 15},
		{"delay request", aim{req: target(MessageFault{Delay: 30 * time.Millisecond})}, RecNemesisDelay,
			callResult{ok: true, at: 32 * time.Millisecond, sum: 8}, 3, 0},
		{"delay reply past the timeout", aim{rep: target(MessageFault{Delay: time.Second})}, RecNemesisDelay,
			callResult{ok: false, at: timeout}, 3, 0},
		{"hold request", aim{req: target(MessageFault{Hold: true})}, RecNemesisHold,
			callResult{ok: false, at: timeout}, 3, 0},
		{"hold reply", aim{rep: target(MessageFault{Hold: true})}, RecNemesisHold,
			callResult{ok: false, at: timeout}, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, r, recs := aimedRun(t, tt.n, 0)
			tt.second.server = tt.seen
			if len(out) == 3 && tt.orSum != 0 && out[1].sum == tt.orSum {
				tt.second.sum = tt.orSum
			}
			if len(out) != 3 || out[1] != tt.second {
				t.Fatalf("aimed call %+v, want %+v", out, tt.second)
			}
			if !out[0].ok || !out[2].ok {
				t.Errorf("calls not aimed at failed: %+v", out)
			}
			if got := r.Stats.Count(tt.kind); got != 1 {
				t.Errorf("%d %v records, want 1", got, tt.kind)
			}
			for _, rec := range recs {
				if rec.Kind == tt.kind && (rec.Proc != "c" || rec.Peer != "server" || rec.Call != 2) {
					t.Errorf("record %v does not name call #2 from c to server", rec)
				}
			}
		})
	}
}

// TestNemesisHoldLandsJustAfterTimeout checks where held messages land: a
// held request runs, and a held reply arrives, 1ns after the call's
// timeout.
func TestNemesisHoldLandsJustAfterTimeout(t *testing.T) {
	at := func(n aim, kind RecordKind) time.Duration {
		_, _, recs := aimedRun(t, n, 0)
		for _, r := range recs {
			if r.Kind == kind && r.Call == 2 {
				return r.At - time.Second
			}
		}
		t.Fatalf("no %v record of call 2", kind)
		return 0
	}
	want := defaultCallTimeout + 1
	if got := at(aim{req: target(MessageFault{Hold: true})}, RecDeliver); got != want {
		t.Errorf("held request handled at +%v, want +%v", got, want)
	}
	if got := at(aim{rep: target(MessageFault{Hold: true})}, RecLate); got != want {
		t.Errorf("held reply arrived at +%v, want +%v", got, want)
	}
}

// TestNemesisOnlyWhileFaultsOn: after Faults.Until the nemesis is not asked.
func TestNemesisOnlyWhileFaultsOn(t *testing.T) {
	asked := 0
	drop := func(*Message) MessageFault { asked++; return MessageFault{Drop: true} }
	out, r, _ := aimedRun(t, aim{req: drop, rep: drop}, 500*time.Millisecond)
	if asked != 1 || out[0].ok || !out[1].ok || !out[2].ok || r.Stats.Count(RecNemesisDrop) != 1 {
		t.Errorf("asked %d times, calls %+v: want only the first call (before Until) dropped", asked, out)
	}
}

// TestNemesisCanPause: a hook pauses the server when the aimed request
// leaves, and schedules its resumption; the request waits, the call times
// out, and the server runs it on resuming.
func TestNemesisCanPause(t *testing.T) {
	var w *World
	pause := func(m *Message) MessageFault {
		if m.Args.(*addArgs).N == 7 {
			srv := m.Server // m is valid only during the call
			w.Pause(srv)
			w.At(w.Now()+200*time.Millisecond, func() { w.Resume(srv) })
		}
		return MessageFault{}
	}
	w, c := newCounterWorld(1, Options{Nemesis: aim{req: pause}})
	var results []bool
	w.Spawn("c", func(p *Proc) {
		for _, n := range []int64{1, 7, 1} {
			var reply addReply
			results = append(results, p.Call("server", "Counter.Add", &addArgs{N: n}, &reply))
			p.Sleep(300 * time.Millisecond)
		}
	})
	r := w.Run()
	if r.Status != Done || r.Stats.Held != 1 || c.sum != 9 {
		t.Errorf("status %v, held %d, sum %d: want done, 1 held, sum 9", r.Status, r.Stats.Held, c.sum)
	}
	if !results[0] || results[1] || !results[2] {
		t.Errorf("calls %v, want the aimed one to time out", results)
	}
}

// aimedCall is the outcome of a call with N = 7, made a second after one
// with N = 1, under nemesis n (nil for none).
func aimedCall(n Nemesis) callResult {
	w, _ := newCounterWorld(1, Options{Nemesis: n})
	var out callResult
	w.Spawn("c", func(p *Proc) {
		for i, n := range []int64{1, 7} {
			p.Sleep(time.Duration(i)*time.Second - p.Now())
			var reply addReply
			ok := p.Call("server", "Counter.Add", &addArgs{N: n}, &reply)
			out = callResult{ok: ok, at: p.Now() - time.Duration(i)*time.Second, sum: reply.Sum, dup: p.CallDuplicated()}
		}
	})
	w.Run()
	return out
}

// The targeted faults' semantic checks (TestEveryFaultIsChecked): off
// means no nemesis aims them.
func init() {
	for name, c := range map[string]struct {
		f    MessageFault
		does func(callResult) bool
	}{
		"nemesis-drop":  {MessageFault{Drop: true}, func(r callResult) bool { return !r.ok }},
		"nemesis-dup":   {MessageFault{Duplicate: true}, func(r callResult) bool { return r.ok && r.dup }},
		"nemesis-delay": {MessageFault{Delay: 30 * time.Millisecond}, func(r callResult) bool { return r.ok && r.at >= 30*time.Millisecond }},
		"nemesis-hold":  {MessageFault{Hold: true}, func(r callResult) bool { return !r.ok && r.at == defaultCallTimeout }},
	} {
		semanticChecks[name] = func(on bool) error {
			var n Nemesis
			if on {
				n = aim{req: target(c.f)}
			}
			if r := aimedCall(n); !c.does(r) {
				return fmt.Errorf("the aimed call went %+v", r)
			}
			return nil
		}
	}
}
