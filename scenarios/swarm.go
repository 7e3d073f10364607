package scenarios

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/sim"
)

// Swarm workloads: the shape of the workload is drawn per seed, as swarm
// draws the fault model, because each bug needs its own shape: repeated
// values for a server that special-cases "already stored", long critical
// sections for a lock that steals from a holder that looks dead, many
// clients on one key for a race, think times for reordering. Every draw of
// 0 is the simplest shape (one client, one key, one op, no waiting), so
// rapid shrinks toward small runs. The drawn shape is printed with the
// result, as the fault model is.

// kvShape is a drawn key/value workload.
type kvShape struct {
	clients, maxOps int
	keys            []string
	// values is the alphabet Puts draw from; nil means every Put writes a
	// value unique in the run.
	values []string
	// putPct is the share of Puts, in percent.
	putPct uint64
	// staleness 0 always Puts at the last version seen; higher makes stale
	// and create (version 0) Puts likelier.
	staleness uint64
	think     time.Duration // most a client waits between operations
	// ghostPct is the share, in percent, of operations on a key nobody
	// creates: Gets, and Puts at a version above 0, which the server must
	// refuse with ErrNoKey however often the Clerk resends them.
	ghostPct uint64
}

// ghostKey is the key a kv-swarm workload never creates.
const ghostKey = "ghost"

func drawKVShape(e sim.Entropy) kvShape {
	s := kvShape{
		clients:   1 + int(e.Uint64N(8)),
		maxOps:    1 + int(e.Uint64N(20)),
		putPct:    []uint64{50, 20, 80, 100}[e.Uint64N(4)],
		staleness: e.Uint64N(3),
		think:     []time.Duration{0, 5 * time.Millisecond, 50 * time.Millisecond, 300 * time.Millisecond}[e.Uint64N(4)],
	}
	for i := range 1 + e.Uint64N(4) {
		s.keys = append(s.keys, string(rune('a'+i)))
	}
	// Alphabets: unique values, or a few that repeat, one of them empty,
	// since "" is a value a server may mistake for "absent".
	switch e.Uint64N(4) {
	case 1:
		s.values = []string{"x"}
	case 2:
		s.values = []string{"x", "y"}
	case 3:
		s.values = []string{"x", "y", ""}
	}
	s.ghostPct = []uint64{0, 0, 10, 30}[e.Uint64N(4)]
	return s
}

func (s kvShape) String() string {
	values := "unique"
	if s.values != nil {
		values = strconv.Quote(strings.Join(s.values, "|"))
	}
	shape := fmt.Sprintf("clients=%d ops<=%d keys=%d values=%s puts=%d%% staleness=%d think<=%v",
		s.clients, s.maxOps, len(s.keys), values, s.putPct, s.staleness, s.think)
	if s.ghostPct > 0 {
		shape += fmt.Sprintf(" absent-key=%d%%", s.ghostPct)
	}
	return shape
}

func (s kvShape) draw(e sim.Entropy) []randomOp {
	ops := make([]randomOp, 1+e.Uint64N(uint64(s.maxOps)))
	for i := range ops {
		op := &ops[i]
		op.key = s.keys[e.Uint64N(uint64(len(s.keys)))]
		op.put = e.Uint64N(100) >= 100-s.putPct // 0, the simplest, is a Get
		if op.put {
			if s.staleness > 0 {
				op.lag = e.Uint64N(s.staleness + 1)
			}
			op.unique = s.values == nil
			if !op.unique {
				op.value = s.values[e.Uint64N(uint64(len(s.values)))]
			}
		}
		if s.think > 0 {
			op.think = time.Duration(e.Uint64N(uint64(s.think) + 1))
		}
		if s.ghostPct > 0 && e.Uint64N(100) < s.ghostPct {
			// Never created, so no delayed copy of a Put at a version
			// above 0 can ever apply: ErrNoKey is the only answer.
			op.key, op.ahead = ghostKey, 1+rpc.Tversion(e.Uint64N(3))
		}
	}
	return ops
}

// clientStream is the stream client id (c<id>) draws its workload from:
// each client draws from its own, so that a client more or less leaves
// every other client's workload as it was. What a scenario draws once (a
// shape, how many clients) comes from the stream named "workload"
// (Env.Entropy).
func clientStream(e *Env, id int) sim.Entropy {
	if id < len(clientStreams) {
		return e.w.Stream(clientStreams[id])
	}
	return e.w.Stream("workload/c" + strconv.Itoa(id))
}

// clientStreams are the names of the first clients' streams, made once.
var clientStreams = func() (names [32]string) {
	for i := range names {
		names[i] = "workload/c" + strconv.Itoa(i)
	}
	return names
}()

// kvSwarm runs a drawn key/value workload.
func kvSwarm(e *Env) func() string {
	shape := drawKVShape(e.Entropy())
	e.DescribeWorkload(shape.String())
	workloads := make([][]randomOp, shape.clients)
	for i := range workloads {
		workloads[i] = shape.draw(clientStream(e, e.spawned+i))
	}
	spawnWorkloads(e, workloads)
	return nil
}

// holdBudget bounds the sum of a run's critical sections in virtual time;
// the liveness deadline grows by what they take.
const holdBudget = 6 * time.Second

// lockShape is a drawn lock workload.
type lockShape struct {
	users, rounds int
	hold          time.Duration // most a holder stays in the critical section
	think         time.Duration // most a user waits before re-acquiring
	bystanders    int           // clients doing key/value work beside the lock
}

func drawLockShape(e sim.Entropy) lockShape {
	return lockShape{
		users:      1 + int(e.Uint64N(4)),
		rounds:     1 + int(e.Uint64N(4)),
		hold:       []time.Duration{0, 20 * time.Millisecond, 500 * time.Millisecond, 3 * time.Second}[e.Uint64N(4)],
		think:      []time.Duration{0, 10 * time.Millisecond, 200 * time.Millisecond}[e.Uint64N(3)],
		bystanders: int(e.Uint64N(3)),
	}
}

func (s lockShape) String() string {
	return fmt.Sprintf("lock-users=%d rounds<=%d hold<=%v think<=%v bystanders=%d", s.users, s.rounds, s.hold, s.think, s.bystanders)
}

// lockSwarm: users take the lock in rounds, hold it for a drawn time while
// incrementing the counter, and come back for it; bystanders work on other
// keys. Long holds make waiting users poll for seconds, as they would
// behind a slow holder.
func lockSwarm(e *Env) func() string {
	shape := drawLockShape(e.Entropy())
	e.DescribeWorkload(shape.String())
	ctr := e.counter("lock-counter", counterKey) // checked after the run
	// Holders queue behind each other, so their holds add up: a budget
	// bounds them, and the liveness deadline grows by what they take.
	budget := holdBudget
	for range shape.users {
		ent := clientStream(e, e.spawned) // the user about to be spawned
		rounds := 1 + int(ent.Uint64N(uint64(shape.rounds)))
		holds := make([]time.Duration, rounds)
		thinks := make([]time.Duration, rounds)
		for i := range holds {
			holds[i] = min(time.Duration(ent.Uint64N(uint64(shape.hold)+1)), budget)
			budget -= holds[i]
			thinks[i] = time.Duration(ent.Uint64N(uint64(shape.think) + 1))
			e.AddSlack(holds[i] + thinks[i])
		}
		e.Spawn(func(c *Client) {
			l := c.Lock(lockKey)
			for i := range rounds {
				if thinks[i] > 0 {
					c.Sleep(thinks[i])
				}
				l.Acquire()
				if holds[i] > 0 {
					c.Sleep(holds[i])
				}
				if !c.Increment(ctr) {
					return
				}
				l.Release()
			}
		})
	}
	if shape.bystanders > 0 {
		spawnRandom(e, shape.bystanders, 8, []string{"b0", "b1"})
	}
	return nil
}

// The keys of lock-multi: two locks, each guarding its own counter, and
// keys beside them that bystanders write (a lock that ignores its key and
// keeps its state under a fixed or derived name collides with them).
var (
	multiLocks    = [2]string{"la", "lb"}
	multiCounters = [2]string{"la-counter", "lb-counter"}
	nearLockKeys  = []string{"lock", "l", "la0", "lb-"}
)

// lockMulti: users take one lock or both, always la before lb so that no
// correct lock can deadlock, and increment the counter of each lock they
// hold. A lock that ignores its key makes la and lb one lock: a user that
// holds la then waits for lb for ever, and the run is stuck.
func lockMulti(e *Env) func() string {
	users := 2 + int(e.Entropy().Uint64N(3))
	var ctrs [2]int // each lock's counter, checked after the run
	for i, key := range multiCounters {
		ctrs[i] = e.counter("lock-multi", key)
	}
	for range users {
		ent := clientStream(e, e.spawned) // the user about to be spawned
		// Which locks this user takes: la, lb, or both nested.
		which := ent.Uint64N(3)
		rounds := 1 + int(ent.Uint64N(3))
		hold := time.Duration(ent.Uint64N(uint64(50*time.Millisecond) + 1))
		e.AddSlack(time.Duration(rounds) * hold)
		e.Spawn(func(c *Client) {
			var locks []rpc.Locker
			var idx []int
			for i, key := range multiLocks {
				if which == 2 || which == uint64(i) {
					locks, idx = append(locks, c.Lock(key)), append(idx, i)
				}
			}
			for range rounds {
				for _, l := range locks {
					l.Acquire()
				}
				if hold > 0 {
					c.Sleep(hold)
				}
				for _, i := range idx {
					if !c.Increment(ctrs[i]) {
						return
					}
				}
				for i := len(locks) - 1; i >= 0; i-- {
					locks[i].Release()
				}
			}
		})
	}
	bystanders := int(e.Entropy().Uint64N(3))
	e.DescribeWorkload(fmt.Sprintf("lock-users=%d bystanders=%d", users, bystanders))
	if bystanders > 0 {
		spawnRandom(e, bystanders, 8, nearLockKeys)
	}
	return nil
}
