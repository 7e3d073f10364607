package sim

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A leader election in ordinary goroutine style, the shape of the
// course's Raft lab without logs: three machines whose handlers lock a
// mutex, a ticker goroutine that selects between its election timer and
// heartbeats, a goroutine per vote request, a leader goroutine that waits
// on a condition and sends heartbeats on a ticker, terms and votes saved
// in the Persister, and a tester that crashes and restarts machines. An
// election checker asserts one leader per term.

type voteArgs struct{ Term, Candidate int }
type voteReply struct {
	Term    int
	Granted bool
}
type beatArgs struct{ Term, Leader int }
type beatReply struct{ Term int }

// electionCheck is the tester's record of leaders, shared by the machines
// as the course's tester shares its config. It takes no lock: one
// goroutine runs at a time, and a lock that a machine's goroutine held
// would stay held once the machine crashed, stopping every other machine
// (as seed 1186 once did).
type electionCheck struct {
	w       *World
	leaders map[int]int // term -> leader
	first   *Once
	elected int
}

func (c *electionCheck) becameLeader(me, term int) {
	if other, ok := c.leaders[term]; ok && other != me {
		panic(fmt.Sprintf("two leaders in term %d: n%d and n%d", term, other, me))
	}
	c.leaders[term] = me
	c.elected++
	c.first.Do(func() { c.w.Notef(nil, "first leader n%d in term %d", me, term) })
}

type electNode struct {
	w       *World
	m       *Machine
	me      int
	peers   []string
	check   *electionCheck
	rng     Entropy
	mu      *Mutex
	cond    *Cond
	term    int
	voted   int // -1: nobody this term
	leader  bool
	beats   *Chan[int]
	timeout *Timer
}

func (n *electNode) persist() {
	b := binary.AppendUvarint(nil, uint64(n.term))
	b = binary.AppendVarint(b, int64(n.voted))
	n.m.Persister().Save(b, nil)
}

func (n *electNode) restore() {
	b := n.m.Persister().ReadState()
	if len(b) == 0 {
		n.voted = -1
		return
	}
	term, k := binary.Uvarint(b)
	voted, _ := binary.Varint(b[k:])
	n.term, n.voted = int(term), int(voted)
}

func (n *electNode) electionTimeout() time.Duration {
	return 150*time.Millisecond + time.Duration(n.rng.Uint64N(150))*time.Millisecond
}

// stepDown follows a higher term; mu is held.
func (n *electNode) stepDown(term int) {
	if term > n.term {
		n.term, n.voted, n.leader = term, -1, false
		n.persist()
		n.cond.Broadcast()
	}
}

func (n *electNode) vote(args *voteArgs, reply *voteReply) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.stepDown(args.Term)
	reply.Term = n.term
	if args.Term == n.term && (n.voted == -1 || n.voted == args.Candidate) {
		n.voted = args.Candidate
		n.persist()
		reply.Granted = true
		n.w.Select(n.beats.SendCase(args.Term), Default()) // restart the election timer
	}
}

func (n *electNode) beat(args *beatArgs, reply *beatReply) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.stepDown(args.Term)
	reply.Term = n.term
	if args.Term == n.term {
		n.w.Select(n.beats.SendCase(args.Term), Default())
	}
}

// ticker starts an election whenever the timer fires before a heartbeat.
func (n *electNode) ticker() {
	n.timeout = n.w.Clock().NewTimer(n.electionTimeout())
	for {
		switch n.w.Select(n.timeout.C.RecvCase(), n.beats.RecvCase()) {
		case 0:
			n.elect()
		case 1:
			n.timeout.Stop()
		}
		n.timeout.Reset(n.electionTimeout())
	}
}

func (n *electNode) elect() {
	n.mu.Lock()
	if n.leader {
		n.mu.Unlock()
		return
	}
	n.term++
	n.voted = n.me
	n.persist()
	term := n.term
	n.mu.Unlock()

	votes := NewChan[bool](n.w, len(n.peers))
	wg := NewWaitGroup(n.w)
	for _, peer := range n.peers {
		wg.Go(func() {
			var reply voteReply
			ok := n.w.Running().Call(peer, "Node.Vote", &voteArgs{Term: term, Candidate: n.me}, &reply)
			if ok && reply.Term > term {
				n.mu.Lock()
				n.stepDown(reply.Term)
				n.mu.Unlock()
			}
			votes.Send(ok && reply.Granted)
		})
	}
	n.w.Go(func() { wg.Wait(); votes.Close() })
	granted := 1
	for ok := range votes.All() {
		if !ok {
			continue
		}
		if granted++; granted == 2 {
			n.mu.Lock()
			if n.term == term && !n.leader {
				n.leader = true
				n.check.becameLeader(n.me, term)
				n.w.Notef(n.w.Running(), "n%d leads term %d", n.me, term)
				n.cond.Broadcast()
			}
			n.mu.Unlock()
		}
	}
}

// lead waits until the node leads, then sends heartbeats on a ticker
// until it no longer does.
func (n *electNode) lead() {
	for {
		n.mu.Lock()
		for !n.leader {
			n.cond.Wait()
		}
		term := n.term
		n.mu.Unlock()
		tick := n.w.Clock().NewTicker(50 * time.Millisecond)
		for {
			for _, peer := range n.peers {
				n.w.Go(func() {
					var reply beatReply
					if n.w.Running().Call(peer, "Node.Beat", &beatArgs{Term: term, Leader: n.me}, &reply) && reply.Term > term {
						n.mu.Lock()
						n.stepDown(reply.Term)
						n.mu.Unlock()
					}
				})
			}
			tick.C.Recv()
			n.mu.Lock()
			still := n.leader && n.term == term
			n.mu.Unlock()
			if !still {
				break
			}
		}
		tick.Stop()
	}
}

// runElection runs the election under seed: crashes and restarts for
// the first part of the run, then a quiet second, in which a leader
// must be elected.
func runElection(seed uint64, opts Options) (Result, *electionCheck) {
	w := New(seed, opts)
	check := &electionCheck{w: w, leaders: map[int]int{}, first: NewOnce(w)}
	names := []string{"n0", "n1", "n2"}
	var machines []*Machine
	for i, name := range names {
		var peers []string
		for _, p := range names {
			if p != name {
				peers = append(peers, p)
			}
		}
		rng := w.Stream("election/" + name)
		machines = append(machines, w.NewMachine(name, func(m *Machine) {
			mu := NewMutex(w)
			n := &electNode{w: w, m: m, me: i, peers: peers, check: check, rng: rng, mu: mu, cond: NewCond(w, mu), beats: NewChan[int](w, 1)}
			n.restore()
			Handle(m.Server(), "Node.Vote", n.vote)
			Handle(m.Server(), "Node.Beat", n.beat)
			w.GoNamed("ticker", n.ticker)
			w.GoNamed("lead", n.lead)
		}))
	}
	chaos := w.Stream("tester")
	w.Spawn("tester", func(p *Proc) {
		for range 4 {
			p.Sleep(time.Duration(200+chaos.Uint64N(300)) * time.Millisecond)
			victim := machines[chaos.Uint64N(uint64(len(machines)))]
			victim.Crash()
			w.Notef(p, "crash %s", victim.Name())
			p.Sleep(time.Duration(50+chaos.Uint64N(200)) * time.Millisecond)
			victim.Restart()
			w.Notef(p, "restart %s", victim.Name())
		}
		before := check.elected
		p.Sleep(time.Second)
		if check.elected == before && len(check.leaders) == 0 {
			panic("no leader elected")
		}
	})
	return w.Run(), check
}

// electionOptions runs odd seeds of the determinism tests on a lossy,
// jittery network with preempted goroutines, even ones on a reliable one.
func electionOptions(seed uint64) Options {
	if seed%2 == 0 {
		return Options{}
	}
	f := Faults{DropRequest: 0.1, DropReply: 0.1, Jitter: 2 * time.Millisecond, Until: time.Second}
	return Options{Faults: f.With(Preempt, Level{P: 0.2, D: 5 * time.Millisecond})}
}

var (
	electionN    = flag.Int("election.seeds", 0, "seeds of the election's determinism tests (0: 10 under -race, 40 under -short, else 200)")
	electionFrom = flag.Uint64("election.from", 0, "first seed of the election's determinism tests (the race detector's memory grows with every goroutine a process starts: run 10,000 seeds under -race as shards)")
)

func electionSeeds() int {
	switch {
	case *electionN > 0:
		return *electionN
	case raceEnabled:
		return 10
	case testing.Short():
		return 40
	}
	return 200
}

// TestElectionDeterminism: the goroutine-heavy election gives the same
// trace hash for each seed, run twice at GOMAXPROCS 1 and 2, with and
// without network faults and preemption; different seeds give different
// runs. -election.seeds sets how many seeds (the closing note's 10,000).
func TestElectionDeterminism(t *testing.T) {
	sameHashes(t, electionSeeds(), func(n int) []uint64 {
		out := make([]uint64, n)
		for i := range n {
			seed := *electionFrom + uint64(i)
			r, check := runElection(seed, electionOptions(seed))
			if r.Status != Done {
				t.Fatalf("seed %d: %v: %s", seed, r.Status, r.Reason)
			}
			if check.elected == 0 {
				t.Fatalf("seed %d: no leader", seed)
			}
			out[i] = r.Hash
		}
		return out
	})
}

// TestElectionGoldenHashes pins the election's hashes for a few seeds
// across builds and -race: a change here means goroutine runs no longer
// replay as they did.
func TestElectionGoldenHashes(t *testing.T) {
	const path = "testdata/election.golden"
	var b strings.Builder
	for seed := range 8 {
		r, _ := runElection(uint64(seed), Options{})
		fmt.Fprintf(&b, "%d %016x %v %d\n", seed, r.Hash, r.Status, r.Steps)
	}
	golden(t, path, b.String())
}

// TestElectionAcrossProcesses: another process (this test binary, started
// again, at GOMAXPROCS 1) gives each seed of the election the hash this
// one does: nothing of a run depends on its process.
func TestElectionAcrossProcesses(t *testing.T) {
	if n := os.Getenv("KVSIM_ELECTION_CHILD"); n != "" {
		seeds, _ := strconv.Atoi(n)
		for i := range seeds {
			seed := *electionFrom + uint64(i)
			r, _ := runElection(seed, electionOptions(seed))
			fmt.Printf("election %d %016x\n", seed, r.Hash)
		}
		return
	}
	n := electionSeeds()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestElectionAcrossProcesses$", fmt.Sprintf("-election.from=%d", *electionFrom))
	cmd.Env = append(os.Environ(), "KVSIM_ELECTION_CHILD="+strconv.Itoa(n), "GOMAXPROCS=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	theirs := map[uint64]string{}
	for sc := bufio.NewScanner(bytes.NewReader(out)); sc.Scan(); {
		var seed uint64
		var hash string
		if _, err := fmt.Sscanf(sc.Text(), "election %d %s", &seed, &hash); err == nil {
			theirs[seed] = hash
		}
	}
	if len(theirs) != n {
		t.Fatalf("the child reported %d hashes, want %d:\n%s", len(theirs), n, out)
	}
	for i := range n {
		seed := *electionFrom + uint64(i)
		r, _ := runElection(seed, electionOptions(seed))
		if mine := fmt.Sprintf("%016x", r.Hash); theirs[seed] != mine {
			t.Errorf("seed %d: hash %s here, %s in another process", seed, mine, theirs[seed])
		}
	}
}
