package scenario

import (
	"time"

	"github.com/kvsim/kvsim/raft/harness"
)

func init() {
	register(&Scenario{Name: "stale-success", Servers: 5, Profile: "course-reliable", MaxTime: 3 * time.Minute,
		Doc: "a leader replicates entries to one follower only and the follower's successes are held; a new leader elsewhere " +
			"cuts the leader's log below them, and the leader, given one more entry than two voters, leads again; the held " +
			"successes are released and the leader, with one other server connected, Starts: no commit, unless it takes a " +
			"success of its earlier term as matching its log of now", Body: staleSuccess})
}

// staleSuccess aims at the check a leader makes of an AppendEntries
// reply's term (Figure 2 says nothing of it; the guide says to drop a
// reply to a request of an earlier term). A late success of an earlier
// term moves matchIndex for a log that has changed since: harmful only if
// the leader's log was cut, between the two terms, below the old
// request's end, so that entries of its new term sit at indices the old
// match covers. Held no longer than the course's long reordering holds a
// reply (2s; its 2.2s), here:
//
//   - a leads (term t1) with b alone, the three others cut off, until
//     they elect r; then a Starts three entries (indices 2-4), b appends
//     them and its successes (match 4) are held;
//   - r commits its own entry at index 2 with the other two; a is joined
//     to r alone (b stays cut off): a's tail gives way, and r's next
//     entry (index 3) reaches a only, so a's log is one longer than those
//     two's;
//   - r is cut off: a, with the two, is the only server that can win, and
//     does (term t2); b's successes are released;
//   - a, with one other server only, Starts index 4. Only two servers
//     hold it; a Raft that counted b's success of t1 (match 4) commits it.
//
// A Raft that drops a reply to a request of an earlier term (or one that
// does not come from the leader's term) ignores them. The course's tests
// hold replies at random and rarely across two terms of one leader with
// a cut of its log between; the default campaign did not find it.
func staleSuccess(c *harness.Cluster) {
	n := c.N()
	g := newReplyGate(c)
	defer g.stop()
	c.One(cmd(c), n, true)
	a := c.CheckOneLeader()
	b := (a + 1 + c.Rand(n-1)) % n
	var rest []int
	for i := range n {
		if i != a && i != b {
			rest = append(rest, i)
		}
	}
	c.Partition([]int{a, b}, rest)
	// The rest elect r; a, which hears nothing of it, still leads t1.
	r, rt := leaderAmong(c, rest, 0, 3*time.Second)
	if r < 0 {
		staleSuccessEnd(c, g)
		return
	}
	// a Starts three entries; b's successes (match 4) are held.
	succ := g.hold(a, b, "Raft.AppendEntries", -1)
	for range 3 {
		if _, _, ok := c.Start(a, cmd(c)); !ok {
			staleSuccessEnd(c, g)
			return
		}
	}
	// r commits its own entry at index 2 with the two others.
	i2, _, ok := c.Start(r, cmd(c))
	if !ok || !waitCommitted(c, i2, 300*time.Millisecond) {
		staleSuccessEnd(c, g)
		return
	}
	// a joins r alone: it steps down, its tail gives way to r's log, and
	// r's next entry reaches a only.
	var others []int
	for _, i := range rest {
		if i != r {
			others = append(others, i)
		}
	}
	c.Disconnect(b)
	c.Partition([]int{a, r}, others)
	if _, _, ok := c.Start(r, cmd(c)); !ok {
		staleSuccessEnd(c, g)
		return
	}
	c.Sleep(150 * time.Millisecond)
	// r cut off: a, with the two others, leads again (they cannot win
	// without a's vote, and a refuses them).
	c.Disconnect(r)
	c.Partition(append([]int{a}, others...), nil)
	if l, _ := leaderAmong(c, []int{a}, rt, 1500*time.Millisecond); l != a {
		staleSuccessEnd(c, g)
		return
	}
	// a with one other server only; then b's successes of t1 come.
	o := others[c.Rand(len(others))]
	var cut []int
	for _, i := range rest {
		if i != o {
			cut = append(cut, i)
		}
	}
	c.Partition([]int{a, o}, cut)
	if _, leader, _ := c.GetState(a); !leader {
		staleSuccessEnd(c, g)
		return
	}
	succ.release()
	index, _, ok := c.Start(a, cmd(c))
	if !ok {
		staleSuccessEnd(c, g)
		return
	}
	c.Sleep(et)
	if k, _ := c.NCommitted(index); k > 0 {
		c.Fail("%d committed index %d with only 2 of %d servers connected (the leader s%d and s%d; s%d's successes of an earlier term released)",
			k, index, n, a, o, b)
	}
	staleSuccessEnd(c, g)
}

// leaderAmong waits up to d for a server of among to lead a term past
// term, looking every 10ms, and returns it and its term (-1 if none did).
func leaderAmong(c *harness.Cluster, among []int, term int, d time.Duration) (int, int) {
	for t0 := c.World().Now(); c.World().Now()-t0 < d; c.Sleep(10 * time.Millisecond) {
		for _, i := range among {
			if t, leader, _ := c.GetState(i); leader && t > term {
				return i, t
			}
		}
	}
	return -1, 0
}

// waitCommitted waits up to d for some server to apply index.
func waitCommitted(c *harness.Cluster, index int, d time.Duration) bool {
	for t0 := c.World().Now(); c.World().Now()-t0 < d; c.Sleep(5 * time.Millisecond) {
		if k, _ := c.NCommitted(index); k > 0 {
			return true
		}
	}
	return false
}

// staleSuccessEnd stops the holds, connects every server and expects
// agreement.
func staleSuccessEnd(c *harness.Cluster, g *replyGate) {
	g.stop()
	c.ConnectAll()
	c.Quiet()
	c.One(cmd(c), c.N(), true)
}
