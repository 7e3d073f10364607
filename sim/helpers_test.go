package sim

import (
	"fmt"
	"time"
)

type addArgs struct {
	Client, Seq int
	N           int64
}

type addReply struct {
	Sum  int64
	Seen int // requests the server has seen, duplicates included
}

// counter is a trivial server: it adds N to a running sum.
type counter struct {
	sum   int64
	seen  int
	order []addArgs // delivery order, to measure reordering
}

func (c *counter) add(args *addArgs, reply *addReply) {
	c.sum += args.N
	c.seen++
	c.order = append(c.order, *args)
	reply.Sum, reply.Seen = c.sum, c.seen
}

func newCounterWorld(seed uint64, opts Options) (*World, *counter) {
	w := New(seed, opts)
	c := &counter{}
	Handle(w.NewServer("server"), "Counter.Add", c.add)
	return w, c
}

// workload spawns clients that each make calls, sleeping a little between
// some of them, and note what they observe so the hash covers results too.
func workload(w *World, clients, calls int) {
	for i := range clients {
		w.Spawn(fmt.Sprintf("c%d", i), func(p *Proc) {
			for j := range calls {
				var reply addReply
				ok := p.Call("server", "Counter.Add", &addArgs{Client: i, Seq: j, N: 1}, &reply)
				w.Note(p, fmt.Sprintf("%d %v %d", j, ok, reply.Sum))
				if j%3 == 0 {
					p.Sleep(time.Duration(i+1) * time.Millisecond)
				}
			}
		})
	}
}

var chaos = Faults{
	DropRequest: 0.1, DropReply: 0.1, Duplicate: 0.1,
	Latency: time.Millisecond, Jitter: 2 * time.Millisecond,
	TailProb: 0.05, Tail: 50 * time.Millisecond,
	PartitionEvery: 100 * time.Millisecond, PartitionFor: 50 * time.Millisecond,
	PauseEvery: 150 * time.Millisecond, PauseFor: 30 * time.Millisecond,
	Until: 2 * time.Second,
}

func runChaos(seed uint64) Result {
	w, _ := newCounterWorld(seed, Options{Faults: chaos})
	workload(w, 4, 20)
	return w.Run()
}
