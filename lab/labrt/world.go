package labrt

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/kvsim/kvsim/kv/rpc"
)

// world is the one run of student code in progress in this process.
var world struct {
	// mu is held while a world of student code runs in this process.
	mu sync.Mutex
	// current is the simulated process running student code now; nil in
	// the server's handlers and between runs.
	current rpc.Sleeper
	// rand is RandValue's source, seeded by the run's seed.
	rand *rand.Rand
}

// begin starts a run in this process; world.mu is held.
func begin(seed uint64) {
	world.current = nil
	world.rand = rand.New(rand.NewPCG(seed, 0x6b7673696d6c6162)) // "kvsimlab"
}

// end clears the run's state so that a call from outside a run fails loudly.
func end() {
	world.current, world.rand = nil, nil
}

// enter records that the process behind s runs student code from now on.
func enter(s rpc.Sleeper) { world.current = s }

// Sleep is time.Sleep in the rewritten student code: the running simulated
// process sleeps d of virtual time.
func Sleep(d time.Duration) {
	s := world.current
	if s == nil {
		panic("kvsim lab: time.Sleep outside a clerk or lock (a server handler cannot sleep: it has no simulated process of its own)")
	}
	s.Sleep(d)
	enter(s)
}

const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// RandValue is kvtest.RandValue: n random letters and digits, drawn from a
// source seeded by the run's seed, so the same seed draws the same values.
func RandValue(n int) string {
	if world.rand == nil {
		panic("kvsim lab: kvtest.RandValue called outside a run")
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[world.rand.IntN(len(letters))]
	}
	return string(b)
}

// Clnt is the course's tester.Clnt: what a student's clerk sends its RPCs
// through, here the simulated network.
type Clnt struct {
	c rpc.Caller
	s rpc.Sleeper
}

// Call sends one RPC; it returns false if no reply came in time.
func (c *Clnt) Call(server, method string, args, reply any) bool {
	ok := c.c.Call(server, method, args, reply)
	enter(c.s) // other processes ran meanwhile
	return ok
}
