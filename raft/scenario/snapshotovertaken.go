package scenario

import (
	"time"

	"github.com/kvsim/kvsim/raft/harness"
	"github.com/kvsim/kvsim/sim"
)

func init() {
	register(&Scenario{Name: "snapshot-overtaken", Servers: 3, Snapshots: true, Profile: "course-reliable", MaxTime: 3 * time.Minute,
		Doc: "a new leader's first AppendEntries to a lagging follower is rejected and the reply held; the follower catches up, " +
			"acknowledges entries past the next snapshot (replies held, the third server cut off, its commit index behind), " +
			"the leader commits them counting it and snapshots, and only then gets the stale rejection: its InstallSnapshot " +
			"reaches a follower whose log already holds the entries after it; the leader crashes and the follower leads: " +
			"a follower that dropped them overwrites committed entries", Body: snapshotOvertaken})
}

// snapshotOvertaken aims at InstallSnapshot's step 6 (Figure 13): a
// follower whose log holds the snapshot's last entry keeps the entries
// after it. A follower gets a snapshot past its commit index while it
// holds entries after the snapshot only when the leader's nextIndex for
// it falls back after it acknowledged them: a rejection that arrives
// late, after the success of a later request, in a Raft that takes every
// rejection's hint as it comes. Those entries are lost only if they were
// committed counting that follower, and show only if a server without
// them leads next. The course's tests do not arrange it; here:
//
//   - the leader l0 commits with one follower while f is down, and a
//     new leader l is elected without f (its nextIndex for f is past f's
//     log); f restarts, with h cut off: the reply to l's first
//     AppendEntries to f, a rejection, is held;
//   - f catches up (z committed); l Starts entries through y, past x,
//     the next index the applier snapshots at; f appends them (its
//     commit index stays z, below x) and its replies are held;
//   - l and f are cut apart, the replies released: l commits y counting
//     f, applies it and snapshots at x; the stale rejection is released:
//     l's nextIndex for f falls to f's old length, below x, and l sends
//     InstallSnapshot(x);
//   - l and f are joined again, f takes the snapshot (x is past its
//     commit index) and the reply is held, so that l sends no more
//     entries; l crashes, h joins f, f leads (its last term is l's,
//     h's is older) and commits a command: at x+1, over l's, if f
//     dropped x+1..y (state machine safety).
//
// A Raft that keeps the nextIndex a success set, or sends no snapshot to
// a follower that has the entries, never sends it; a correct one keeps
// the entries and goes on.
func snapshotOvertaken(c *harness.Cluster) {
	n := c.N()
	g := newReplyGate(c)
	defer g.stop()
	c.One(cmd(c), n, true)
	l0 := c.CheckOneLeader()
	f := (l0 + 1 + c.Rand(n-1)) % n
	// f falls behind, down (not cut off: its term stays where it was, so
	// that the rejection it sends the next leader is of that leader's
	// term).
	c.Crash(f)
	for range 1 + c.Rand(5) {
		c.One(cmd(c), n-1, true)
	}
	// A new term without f: its leader's nextIndex for f is past f's log.
	c.Disconnect(l0)
	c.Sleep(et)
	c.Connect(l0)
	l := c.CheckOneLeader()
	var rest []int
	for i := range n {
		if i != l && i != f {
			rest = append(rest, i)
		}
	}
	// The reply to l's first AppendEntries to f, a rejection, is held.
	stale := g.hold(l, f, "Raft.AppendEntries", 1)
	c.Restart(f)
	c.Partition([]int{l, f}, rest)
	z := c.One(cmd(c), 2, true)
	if _, leader, _ := c.GetState(l); !leader || stale.held == 0 {
		overtakenEnd(c, g)
		return
	}
	// x is the next index the appliers snapshot at past z; l Starts
	// entries through y, past it. f appends them, with a commit index of
	// z; the replies are held, so l commits nothing.
	x := z + 1
	for (x+1)%harness.SnapshotEvery != 0 {
		x++
	}
	y := x + 1 + c.Rand(3)
	acks := g.hold(l, f, "Raft.AppendEntries", -1)
	for i := z + 1; i <= y; i++ {
		if index, _, ok := c.Start(l, cmd(c)); !ok || index != i {
			overtakenEnd(c, g)
			return
		}
	}
	c.Sleep(250 * time.Millisecond)
	// l and f cut apart (no AppendEntries tells f of a commit past z), l
	// commits through y counting f's replies, and snapshots at x.
	c.Cut(l, f)
	acks.release()
	for t0 := c.World().Now(); ; c.Sleep(5 * time.Millisecond) {
		if k, _ := c.NCommitted(y); k > 0 {
			break
		}
		if c.World().Now()-t0 > 500*time.Millisecond {
			overtakenEnd(c, g)
			return
		}
	}
	// The stale rejection: l's nextIndex for f falls below x, and l sends
	// f the snapshot (lost while they are cut apart; sent again at l's
	// next heartbeat once they are joined). Its reply is held: l sends f
	// nothing after it.
	snaps := g.hold(l, f, "Raft.InstallSnapshot", -1)
	stale.release()
	c.Sleep(5 * time.Millisecond)
	c.Partition([]int{l, f}, rest)
	g.wait(snaps, et)
	// l crashes before it can send f the entries again; h joins f, and f,
	// whose last term is l's, leads.
	c.Crash(l)
	g.stop()
	for _, i := range rest {
		c.Connect(i)
	}
	c.One(cmd(c), n-1, true)
	overtakenEnd(c, g)
}

// overtakenEnd stops the holds, restarts the servers that are down, connects
// every server and expects agreement.
func overtakenEnd(c *harness.Cluster, g *replyGate) {
	g.stop()
	for i := range c.N() {
		if !c.Up(i) {
			c.Restart(i)
		}
	}
	c.ConnectAll()
	c.Quiet()
	c.One(cmd(c), c.N(), true)
}

// replyGate holds replies, through the cluster's AfterReply hook: the
// goroutine whose call came back waits in the hook, so the Raft sees the
// reply late, as if the network held it, while its other goroutines go
// on. A hold lasts until released, or holdLimit at most.
type replyGate struct {
	c       *harness.Cluster
	holds   []*replyHold
	stopped bool
}

// holdLimit bounds a hold, as the course's long reordering holds a reply
// up to 2.2s.
const holdLimit = 2 * time.Second

// replyHold holds the replies to calls of method from server from to
// server to: the first max of them (every one if max is negative).
type replyHold struct {
	from, to int
	method   string
	max      int
	held     int
	released bool
	open     *sim.Chan[struct{}] // closed at the release
	first    *sim.Chan[struct{}] // closed when the first reply is held
}

func newReplyGate(c *harness.Cluster) *replyGate {
	g := &replyGate{c: c}
	c.AfterReply(g.after)
	return g
}

// hold starts holding the replies to calls of method from server from to
// server to, the first max of them (all if max < 0).
func (g *replyGate) hold(from, to int, method string, count int) *replyHold {
	w := g.c.World()
	h := &replyHold{from: from, to: to, method: method, max: count, open: sim.NewChan[struct{}](w, 0), first: sim.NewChan[struct{}](w, 0)}
	g.holds = append(g.holds, h)
	return h
}

// release lets the replies h holds through, and h holds no more.
func (h *replyHold) release() {
	if !h.released {
		h.released = true
		h.open.Close()
	}
}

// wait waits until h holds a reply, or d passed.
func (g *replyGate) wait(h *replyHold, d time.Duration) {
	w := g.c.World()
	t := w.Clock().NewTimer(d)
	w.Select(h.first.RecvCase(), t.C.RecvCase())
	t.Stop()
}

// stop releases every hold; the gate holds nothing more.
func (g *replyGate) stop() {
	g.stopped = true
	for _, h := range g.holds {
		h.release()
	}
}

// after is the cluster's AfterReply hook: it holds a reply the first
// hold that wants it wants, in the caller's goroutine.
func (g *replyGate) after(from, to int, method string) {
	if g.stopped {
		return
	}
	for _, h := range g.holds {
		if h.released || h.from != from || h.to != to || h.method != method || (h.max >= 0 && h.held >= h.max) {
			continue
		}
		h.held++
		if h.held == 1 {
			h.first.Close()
		}
		w := g.c.World()
		t := w.Clock().NewTimer(holdLimit)
		w.Select(h.open.RecvCase(), t.C.RecvCase())
		t.Stop()
		return
	}
}
