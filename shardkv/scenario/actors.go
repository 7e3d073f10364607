package scenario

import (
	"fmt"
	"slices"
	"time"

	"github.com/kvsim/kvsim/check"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/shardkv/shardcfg"
	"github.com/kvsim/kvsim/sim"
)

// draw is a duration in [lo, hi) drawn from e.
func draw(e sim.Entropy, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(sim.Decide(e, sim.Workload, uint64(hi-lo)))
}

// admin stores the first configuration (Gid1 serves every shard), starts
// the clients, and changes the configuration while they run, each change
// by a controller of its own, failing as the scenario says; then a last
// controller finishes any change left pending, and it waits for the
// controllers that were cut off.
func (h *world) admin(p *sim.Proc) {
	w, e := h.w, h.w.Stream("shardkv/admin")
	query := h.impl.NewController(h.caller(p), p, CtrlServer)
	query.InitConfig(shardcfg.First(shardcfg.Gid1, h.groups[0]))
	for i := range h.shape.clients {
		name := fmt.Sprintf("client-%d", i)
		h.rec.Clients = append(h.rec.Clients, name)
		w.Spawn(name, func(p *sim.Proc) { h.client(p, i) })
	}
	if h.s.Lossy {
		w.Spawn("nemesis", h.nemesis)
	}
	var away []*ctlRun // controllers cut off, to be waited for
	for {
		p.Sleep(draw(e, 50*time.Millisecond, 600*time.Millisecond))
		if p.Now() >= h.shape.load {
			break
		}
		cur := query.Query()
		next := h.plan(cur, e)
		h.bringUp(next)
		mode := Steady
		if sim.Decide(e, sim.Workload, 3) == 0 { // this change fails as the scenario says
			mode = h.s.Controllers
			if mode == Mixed {
				mode = Crash + Controllers(sim.Decide(e, sim.Workload, 3))
			}
		}
		switch mode {
		case Crash:
			r := h.start(next)
			p.Sleep(h.midChange(e))
			h.interrupt(r)
			r.m.Crash()
		case Partition:
			r := h.start(next)
			p.Sleep(h.midChange(e))
			h.interrupt(r)
			name := r.m.Name()
			w.Isolate(name)
			back := draw(e, time.Second, 3*time.Second)
			w.Spawn("heal-"+name, func(p *sim.Proc) {
				p.Sleep(back)
				w.Rejoin(name)
			})
			away = append(away, r)
		case Race:
			other := h.plan(cur, e)
			h.bringUp(other)
			if other.String() == next.String() {
				h.wait(p, h.start(next))
				break
			}
			h.wait(p, h.start(next), h.start(other))
			// A change a controller before them left unfinished (Mixed)
			// is finished by both at InitController, and wins.
			if got := query.Query().String(); got != next.String() && got != other.String() && !slices.Contains(h.unfinished, got) {
				h.rec.Violate(p, fmt.Sprintf("race: two controllers changed configuration %d, to %s and to %s; it is now %s", cur.Num, next, other, got))
			}
		default:
			h.wait(p, h.start(next))
		}
		if mode == Steady || mode == Race {
			now := query.Query()
			if h.s.Controllers == Steady && now.String() != next.String() {
				// No controller fails in this scenario and none
				// other runs: the change must have taken, as the
				// course's tests check the group's membership after
				// each ChangeConfigTo.
				h.rec.Violate(p, fmt.Sprintf("change: a controller's ChangeConfigTo(configuration %d), after its InitController, returned with no other controller running, but the configuration is %d: a controller other than the one that called InitConfig must be able to change it, as the course's 5B tests make them", next.Num, now.Num))
			}
			h.shutDownLeft(now, away)
		}
	}
	h.wait(p, h.start(nil))
	h.wait(p, away...)
	h.lastNum = int(query.Query().Num)
}

// shutDownLeft crashes the servers of the groups that are not in cfg, as
// the course's tester shuts down a group once it has left: a client that
// still has it in an old configuration must give up on it and ask the
// controller. It leaves them up while a controller cut off may still
// call them.
func (h *world) shutDownLeft(cfg *shardcfg.Config, away []*ctlRun) {
	for _, r := range away {
		if !r.done {
			return
		}
	}
	for g, ms := range h.ms {
		if _, in := cfg.Groups[shardcfg.Tgid(g+1)]; !in {
			for _, m := range ms {
				m.Crash()
			}
		}
	}
}

// bringUp restarts the servers of cfg's groups that are down (shut down
// when their group left, before it joins again), from their Persisters.
func (h *world) bringUp(cfg *shardcfg.Config) {
	for _, gid := range cfg.Gids() {
		for _, m := range h.ms[gid-1] {
			if !m.Up() {
				m.Restart()
			}
		}
	}
}

// plan is a change of cur drawn from e: a group that is not in cur joins,
// or one that is leaves (never the last).
func (h *world) plan(cur *shardcfg.Config, e sim.Entropy) *shardcfg.Config {
	var in, out []shardcfg.Tgid
	for g := range h.groups {
		gid := shardcfg.Tgid(g + 1)
		if _, ok := cur.Groups[gid]; ok {
			in = append(in, gid)
		} else {
			out = append(out, gid)
		}
	}
	if len(out) > 0 && (len(in) == 1 || sim.Decide(e, sim.Workload, 2) == 0) {
		gid := out[sim.Decide(e, sim.Workload, uint64(len(out)))]
		return cur.Join(gid, h.groups[gid-1])
	}
	return cur.Leave(in[sim.Decide(e, sim.Workload, uint64(len(in)))])
}

// ctlRun is a controller's machine, and whether its work is done.
type ctlRun struct {
	m     *sim.Machine
	plan  string // the configuration it changes to, if any
	began time.Duration
	done  bool
}

// start starts a controller on a machine of its own: InitController, then
// the change to next, if any.
func (h *world) start(next *shardcfg.Config) *ctlRun {
	h.ctlRuns++
	r := &ctlRun{began: h.w.Now()}
	if next != nil {
		r.plan = next.String()
	}
	r.m = h.w.NewMachine(fmt.Sprintf("ctrler-%d", h.ctlRuns), func(m *sim.Machine) {
		h.w.GoNamed("controller", func() {
			p := h.w.Running()
			ctl := h.impl.NewController(h.caller(p), p, CtrlServer)
			ctl.InitController()
			if next != nil {
				ctl.ChangeConfigTo(next)
			}
			r.done = true
		})
	})
	return r
}

// interrupt counts r if it has not finished (Result.Interrupted), and
// keeps its plan.
func (h *world) interrupt(r *ctlRun) {
	if !r.done {
		h.interrupted++
		h.unfinished = append(h.unfinished, r.plan)
	}
}

// midChange is a moment to fail a controller at, after it starts: within
// about as long as a change takes (the longest so far of those the admin
// waited for, or 100ms before the first), skewed toward the start, where
// the controller reads the configurations and claims the next (halved
// up to three times).
func (h *world) midChange(e sim.Entropy) time.Duration {
	return draw(e, 0, max(h.longest, 100*time.Millisecond)) >> sim.Decide(e, sim.Workload, 4)
}

// PollEvery is how often the admin looks whether controllers are done.
const PollEvery = 10 * time.Millisecond

// wait waits until every run is done.
func (h *world) wait(p *sim.Proc, runs ...*ctlRun) {
	for _, r := range runs {
		for !r.done {
			p.Sleep(PollEvery)
		}
		h.longest = max(h.longest, p.Now()-r.began)
	}
}

// client runs client i's workload while the load lasts: Gets and Puts of keys
// drawn from the run's, a Put at the version the client last saw of the
// key (or, one time in four, at a version drawn from 0 to 2), with a
// value unique in the run; then a Get of every key.
func (h *world) client(p *sim.Proc, i int) {
	e := h.w.Stream(fmt.Sprintf("shardkv/client-%d", i))
	c := check.NewClient(&h.rec, i, h.rec.Clients[i], p, p, nil)
	c.SetClerk(h.impl.NewClerk(h.caller(p), p, h.impl.NewController(h.caller(p), p, CtrlServer)))
	seen := make([]rpc.Tversion, len(h.keys))
	for n := 0; p.Now() < h.shape.load; n++ {
		k := sim.Decide(e, sim.Workload, uint64(len(h.keys)))
		key := h.keys[k]
		if sim.Decide(e, sim.Workload, 2) == 0 {
			if _, ver, err := c.Get(key); err == rpc.OK {
				seen[k] = ver
			}
		} else {
			ver := seen[k]
			if sim.Decide(e, sim.Workload, 4) == 0 {
				ver = rpc.Tversion(sim.Decide(e, sim.Workload, 3))
			}
			if c.Put(key, fmt.Sprintf("%d.%d", i, n), ver) == rpc.OK {
				seen[k] = ver + 1
			}
		}
		p.Sleep(draw(e, 0, 30*time.Millisecond))
	}
	// Every key once more, when faults have stopped: every shard with a
	// key must be served again, whether or not the load touched it after
	// it moved (liveness).
	for _, key := range h.keys {
		c.Get(key)
	}
}

// nemesis crashes a group server now and then while the load lasts, or
// one time in five a whole group, and restarts it from its Persister.
func (h *world) nemesis(p *sim.Proc) {
	e := h.w.Stream("shardkv/nemesis")
	for {
		p.Sleep(draw(e, 200*time.Millisecond, time.Second))
		if p.Now() >= h.shape.load {
			return
		}
		victims := h.ms[sim.Decide(e, sim.Workload, uint64(len(h.ms)))]
		if sim.Decide(e, sim.Workload, 5) != 0 {
			i := sim.Decide(e, sim.Workload, uint64(len(victims)))
			victims = victims[i : i+1]
		}
		for _, m := range victims {
			m.Crash()
		}
		p.Sleep(draw(e, 100*time.Millisecond, 800*time.Millisecond))
		for _, m := range victims {
			m.Restart()
		}
	}
}
