package explore_test

import (
	"strings"
	"time"

	"github.com/kvsim/kvsim/sim"
)

type echoArgs struct{ N int }
type echoReply struct{ N int }

// stepper runs processes that each take steps: a step appends the
// process's name to a shared log, and a process yields with Sleep(0)
// between steps, so every step competes with the other processes' steps in
// a tie at time 0, as threads compete for a scheduler.
func stepper(ent sim.Entropy, steps map[string]int, names ...string) (sim.Result, string) {
	w := sim.New(0, sim.Options{Entropy: ent})
	var log strings.Builder
	for _, name := range names {
		w.Spawn(name, func(p *sim.Proc) {
			for i := range steps[name] {
				if i > 0 {
					p.Sleep(0)
				}
				log.WriteString(name)
			}
		})
	}
	r := w.Run()
	return r, log.String()
}

// calls runs one process making n calls without retrying, on a network
// that drops requests and replies with probability p.
func calls(ent sim.Entropy, n int, p float64) sim.Result {
	w := sim.New(0, sim.Options{Entropy: ent, Faults: sim.Faults{DropRequest: p, DropReply: p}})
	sim.Handle(w.NewServer("s"), "S.Echo", func(a *echoArgs, r *echoReply) { r.N = a.N })
	w.Spawn("c", func(p *sim.Proc) {
		for i := range n {
			p.Call("s", "S.Echo", &echoArgs{N: i}, &echoReply{})
		}
	})
	return w.Run()
}

// orderBug is a toy ordering bug of depth 1 or 2 between processes a and b,
// each taking k steps (see stepper). Depth 1: b's first step comes after
// all of a's k steps. Depth 2: that, and a's one extra step comes after
// all of b's. Uniform random ties hit depth 1 with probability about
// 2^-k and depth 2 about 2^-2k.
func orderBug(ent sim.Entropy, depth, k int) bool {
	steps := map[string]int{"a": k, "b": k}
	if depth == 2 {
		steps["a"] = k + 1
	}
	r, log := stepper(ent, steps, "a", "b")
	if r.Status != sim.Done {
		panic(r.Reason)
	}
	want := strings.Repeat("a", k) + strings.Repeat("b", k)
	if depth == 2 {
		want += "a"
	}
	return log == want
}

// jittery is a small world with message jitter and faults, for determinism.
func jittery(ent sim.Entropy) sim.Result {
	w := sim.New(7, sim.Options{Entropy: ent, Faults: sim.Faults{
		DropRequest: 0.1, DropReply: 0.1, Duplicate: 0.1, Jitter: 3 * time.Millisecond,
		TailProb: 0.1, Tail: 200 * time.Millisecond, Until: time.Second,
	}})
	total := 0
	sim.Handle(w.NewServer("s"), "S.Add", func(a *echoArgs, r *echoReply) { total += a.N; r.N = total })
	for _, name := range []string{"a", "b", "c"} {
		w.Spawn(name, func(p *sim.Proc) {
			for i := range 5 {
				var r echoReply
				for !p.Call("s", "S.Add", &echoArgs{N: i}, &r) {
					p.Sleep(time.Millisecond)
				}
				w.Note(p, name)
			}
		})
	}
	return w.Run()
}
