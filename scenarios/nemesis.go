package scenarios

import (
	"fmt"
	"strings"
	"time"

	"github.com/kvsim/kvsim/sim"
)

// Targeted faults aim at roles rather than random messages: the current
// lock holder, the Put that creates a key, the reply a retry races. The
// simulator knows no roles; this nemesis does. As in FoundationDB's
// buggify, a profile enables each site per run, and an enabled site fires
// with its probability each time its moment comes, only while faults are
// on.
type Targeted struct {
	// HolderCut: a client that just acquired the lock is cut off from
	// everyone for up to a second, inside its critical section.
	HolderCut float64
	// HolderSlow: a lock holder's requests are delayed by up to 300ms, as
	// if it had paused (a GC pause, a slow disk).
	HolderSlow float64
	// PauseOnPut: the server pauses for up to 200ms just as a Put is sent,
	// so the Put waits in flight and its caller retries.
	PauseOnPut float64
	// CreateDup and CreateHold: a Put at version 0, the one that creates a
	// key, is delivered twice, or held until just after its caller gave up.
	CreateDup, CreateHold float64
	// HoldReply: a reply is held until just after its caller's call timed
	// out, so it races the retry.
	HoldReply float64
}

// The targeted sites, by index in targetedSites.
const (
	siteHolderCut = iota
	siteHolderSlow
	sitePauseOnPut
	siteCreateDup
	siteCreateHold
	siteHoldReply
	numSites
)

// targetedSites lists the sites, for drawing and describing them. Each
// draws from streams of its own: swarm's draw of it, and its firings, so
// that adding a site moves no other site's draws.
var targetedSites = [numSites]struct {
	name, doc  string
	p          func(*Targeted) *float64
	duplicates bool   // it delivers a request twice: at-least-once only
	swarm      string // the stream of swarm's draw of the site
	fires      string // the stream of its firings and how much they do
}{
	siteHolderCut:  {"holder-cut", "the new lock holder cut off", func(t *Targeted) *float64 { return &t.HolderCut }, false, "swarm/holder-cut", "targeted/holder-cut"},
	siteHolderSlow: {"holder-slow", "a holder's requests slowed", func(t *Targeted) *float64 { return &t.HolderSlow }, false, "swarm/holder-slow", "targeted/holder-slow"},
	sitePauseOnPut: {"pause-on-put", "the server paused as a Put is sent", func(t *Targeted) *float64 { return &t.PauseOnPut }, false, "swarm/pause-on-put", "targeted/pause-on-put"},
	siteCreateDup:  {"create-dup", "the Put that creates a key delivered twice", func(t *Targeted) *float64 { return &t.CreateDup }, true, "swarm/create-dup", "targeted/create-dup"},
	siteCreateHold: {"create-hold", "the Put that creates a key held past its caller's timeout", func(t *Targeted) *float64 { return &t.CreateHold }, false, "swarm/create-hold", "targeted/create-hold"},
	siteHoldReply:  {"hold-reply", "a reply held until its caller has retried", func(t *Targeted) *float64 { return &t.HoldReply }, false, "swarm/hold-reply", "targeted/hold-reply"},
}

// swarmDupTargeted turns each site on or off and draws how often it fires,
// each on its own stream. A draw of 0 is off, so rapid shrinks toward no
// targeted faults.
func swarmDupTargeted(e sim.Entropy) Targeted {
	var t Targeted
	for _, s := range targetedSites {
		if d := sim.Stream(e, s.swarm); d.Uint64N(2) == 1 {
			*s.p(&t) = 0.05 + float64(d.Uint64N(10))*0.05
		}
	}
	return t
}

// swarmTargeted is swarmDupTargeted without the duplicating site, for
// at-most-once delivery; the site is still drawn, so that a seed enables
// the same other sites under both swarm profiles.
func swarmTargeted(e sim.Entropy) Targeted {
	t := swarmDupTargeted(e)
	for _, s := range targetedSites {
		if s.duplicates {
			*s.p(&t) = 0
		}
	}
	return t
}

func (t Targeted) on() bool { return t != Targeted{} }

// String is the enabled sites, e.g. "holder-cut=0.20,hold-reply=0.05".
func (t Targeted) String() string {
	var parts []string
	for _, s := range targetedSites {
		if p := *s.p(&t); p > 0 {
			parts = append(parts, fmt.Sprintf("%s=%.2f", s.name, p))
		}
	}
	return strings.Join(parts, ",")
}

// nemesis is the sim.Nemesis of a run with targeted faults.
type nemesis struct {
	t       Targeted
	e       *Env
	streams [numSites]sim.Entropy // each site's, once it draws
}

// stream is the world's stream of site's firings.
func (n *nemesis) stream(site int) sim.Entropy {
	if n.streams[site] == nil {
		n.streams[site] = n.e.w.Stream(targetedSites[site].fires)
	}
	return n.streams[site]
}

// fires draws whether site, with probability p, fires now, as the world
// draws its own faults (nothing for a site that is off, 0 is "no"), named
// as a nemesis decision so the exhaustive explorer counts it against its
// fault budget.
func (n *nemesis) fires(site int, p float64) bool {
	return n.e.w.FaultsOn() && p > 0 && sim.Chance(n.stream(site), sim.DecideNemesis, p)
}

// upTo draws how long site's fault lasts, up to d.
func (n *nemesis) upTo(site int, d time.Duration) time.Duration {
	return 1 + time.Duration(sim.Decide(n.stream(site), sim.DecideFaultLength, uint64(d)))
}

func (n *nemesis) Request(m *sim.Message) sim.MessageFault {
	var f sim.MessageFault
	if n.e.holds(m.Caller) && n.fires(siteHolderSlow, n.t.HolderSlow) {
		f.Delay = n.upTo(siteHolderSlow, 300*time.Millisecond)
	}
	version, isPut := putVersion(m)
	if !isPut {
		return f
	}
	if n.fires(sitePauseOnPut, n.t.PauseOnPut) {
		w, server := n.e.w, m.Server
		w.Pause(server)
		w.At(w.Now()+n.upTo(sitePauseOnPut, 200*time.Millisecond), func() { w.Resume(server) })
	}
	if version == 0 {
		f.Duplicate = n.fires(siteCreateDup, n.t.CreateDup)
		if n.fires(siteCreateHold, n.t.CreateHold) {
			n.hold(&f, siteCreateHold)
		}
	}
	return f
}

func (n *nemesis) Reply(m *sim.Message) sim.MessageFault {
	var f sim.MessageFault
	if n.fires(siteHoldReply, n.t.HoldReply) {
		n.hold(&f, siteHoldReply)
	}
	return f
}

// hold holds a message past its caller's timeout; under the course's
// call semantics (kvsim.Impl.CallsWait), where a call has none, it
// delays it instead, by up to holdWithoutTimeout, so that it still
// arrives late, after messages sent after it.
func (n *nemesis) hold(f *sim.MessageFault, site int) {
	if n.e.impl.CallsWait() {
		f.Delay += n.upTo(site, holdWithoutTimeout)
		return
	}
	f.Hold = true
}

// holdWithoutTimeout bounds a held message's delay when calls have no
// timeout: longer than an election, as a long reordering of the course's.
const holdWithoutTimeout = time.Second

// acquired is the holder-cut site: the new holder is cut off for a while.
func (n *nemesis) acquired(holder string) {
	if !n.fires(siteHolderCut, n.t.HolderCut) {
		return
	}
	w := n.e.w
	w.Isolate(holder)
	w.At(w.Now()+n.upTo(siteHolderCut, time.Second), func() { w.Rejoin(holder) })
}
