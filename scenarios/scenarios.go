package scenarios

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/kvsim/kvsim/check"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
	"github.com/kvsim/kvsim/sim"
)

// Scenario is a workload with its own checks, run on top of the checks
// every run gets (linearizability, the clerk's contract, lock safety,
// liveness, panics).
type Scenario struct {
	Name string
	Doc  string
	// DefaultFaults names the profile used when none is given.
	DefaultFaults string
	// Setup draws the workload from the run's entropy and spawns the
	// clients; it runs before the world does. It returns the scenario's
	// final check, or nil: run after the world, it returns a failure reason
	// or "". State the check needs lives in Setup's closure.
	Setup func(e *Env) (check func() string)
}

// All returns every built-in scenario, in a fixed order.
func All() []Scenario {
	return []Scenario{
		{Name: "reliable-put", DefaultFaults: "reliable",
			Doc:   "one client, a scripted sequence of Puts and Gets with exactly known errors",
			Setup: reliablePut},
		{Name: "concurrent-put", DefaultFaults: "reliable",
			Doc:   "five clients race versioned Puts on one key; the final version counts the successful Puts",
			Setup: concurrentPut},
		{Name: "unreliable-put", DefaultFaults: "lossy",
			Doc:   "one client on a lossy network: an ErrMaybe Put of a lone client must have been applied",
			Setup: unreliablePut},
		{Name: "kv-random", DefaultFaults: SwarmName,
			Doc:   "four clients, random Puts and Gets on three keys: the main campaign scenario",
			Setup: kvRandom},
		{Name: "lock-counter", DefaultFaults: "lossy",
			Doc:   "two or three clients increment a counter in the store under the lock; the counter must end exact",
			Setup: lockCounter},
		{Name: "partition-heal", DefaultFaults: "reliable",
			Doc:   "random operations while the server and then a client are cut off and healed; all must finish",
			Setup: partitionHeal},
		{Name: "kv-swarm", DefaultFaults: SwarmName,
			Doc:   "a key/value workload whose shape is drawn per seed: clients, keys, repeated or unique values, op mix, stale versions, think times",
			Setup: kvSwarm},
		{Name: "lock-swarm", DefaultFaults: SwarmName,
			Doc:   "a lock workload drawn per seed: lock users, rounds of re-acquisition, critical sections from 0 to 3s, bystanders on other keys",
			Setup: lockSwarm},
		{Name: "lock-multi", DefaultFaults: SwarmName,
			Doc:   "two locks at different keys, each guarding its own counter; some users take both, nested in a fixed order; bystanders write keys beside the locks'",
			Setup: lockMulti},
		{Name: "leader-cut", DefaultFaults: "reliable",
			Doc:   "five clients read and write two keys while a cluster's leader is cut off from the other servers, repeatedly (its clients still reach it): a deposed leader must answer nothing that needs its majority",
			Setup: leaderCut},
		{Name: "crash-restart", DefaultFaults: "reliable",
			Doc:   "leader-cut's readers and writers while a cluster's servers (a random one, the leader, or all) crash and restart from their Persister, again and again: no acknowledged write is lost",
			Setup: crashRestart},
		{Name: "many-clients", DefaultFaults: "reliable",
			Doc:   "thirty clients overwrite a few keys; server memory must stay proportional to the data",
			Setup: manyClients},
		{Name: "deaf-leader", DefaultFaults: "reliable",
			Doc:   "a cluster's leader stops hearing its followers (a one-way cut: its log grows, nothing commits), then is cut off and deposed, while writers move on and idle readers come back to it: a deposed leader must answer nothing from its old log",
			Setup: deafLeader},
	}
}

// reliablePut runs a fixed script whose errors are known exactly. Under
// faults a Put may also return ErrMaybe (after a retransmission), never
// anything else.
// because is ": " and the rule, or nothing.
func because(rule string) string {
	if rule == "" {
		return ""
	}
	return ": " + rule
}

func reliablePut(e *Env) func() string {
	type step struct {
		put         bool
		key, value  string
		version     rpc.Tversion
		want        rpc.Err
		wantValue   string
		wantVersion rpc.Tversion
		rule        string // the service's rule the step tests, where a failure needs it said
	}
	script := []step{
		{put: true, key: "k", value: "a", version: 0, want: rpc.OK},
		{put: true, key: "k", value: "b", version: 0, want: rpc.ErrVersion},
		{key: "k", want: rpc.OK, wantValue: "a", wantVersion: 1},
		{put: true, key: "k", value: "b", version: 1, want: rpc.OK},
		{key: "k", want: rpc.OK, wantValue: "b", wantVersion: 2},
		{put: true, key: "k", value: "c", version: 5, want: rpc.ErrVersion},
		{put: true, key: "absent", value: "x", version: 3, want: rpc.ErrNoKey, rule: "a Put at a version above 0 of a key that does not exist fails with ErrNoKey and creates nothing"},
		{key: "absent", want: rpc.ErrNoKey},
		{put: true, key: "absent", value: "x", version: 0, want: rpc.OK},
		{key: "absent", want: rpc.OK, wantValue: "x", wantVersion: 1},
	}
	e.Spawn(func(c *Client) {
		for i, s := range script {
			if s.put {
				err := c.PutSeen(s.key, s.value, s.version)
				if err != s.want && !(err == rpc.ErrMaybe && s.want != rpc.ErrNoKey) {
					e.Violate("reliable-put step %d: Put(%q, %q, %d) = %s, want %s%s", i, s.key, s.value, s.version, err, s.want, because(s.rule))
				}
				continue
			}
			v, ver, err := c.Get(s.key)
			if err != s.want || v != s.wantValue || ver != s.wantVersion {
				e.Violate("reliable-put step %d: Get(%q) = (%q, %d, %s), want (%q, %d, %s)", i, s.key, v, ver, err, s.wantValue, s.wantVersion, s.want)
			}
		}
	})
	return nil
}

const (
	racers = 5
	rounds = 5
	raced  = "k"
)

// concurrentPut has clients read the key's version and race to Put at it.
func concurrentPut(e *Env) func() string {
	for range racers {
		e.Spawn(func(c *Client) {
			for r := range rounds {
				_, ver, _ := c.Get(raced)
				c.PutSeen(raced, fmt.Sprintf("%s.%d", c.name, r), ver)
			}
		})
	}
	return func() string { return checkConcurrentPut(e) }
}

// checkConcurrentPut: each OK Put bumped the version once, each ErrMaybe at
// most once, nothing else did.
func checkConcurrentPut(e *Env) string {
	oks, maybes := 0, 0
	for _, op := range e.rec.KV {
		switch err := e.delivery.judge(op.Output.Err); {
		case op.Input.Op != models.OpPut || op.Output.Unknown:
		case err == rpc.OK:
			oks++
		case err == rpc.ErrMaybe:
			maybes++
		}
	}
	_, version, _ := e.read(raced)
	if v := int(version); v < oks || v > oks+maybes {
		return fmt.Sprintf("concurrent-put: final version %d, but %d Puts returned OK and %d ErrMaybe", v, oks, maybes)
	}
	return ""
}

// unreliablePut: a lone client's Puts at the right version. Alone, its Put
// can only meet ErrVersion from its own earlier copy, so ErrMaybe means
// "applied" and ErrVersion must never come back.
func unreliablePut(e *Env) func() string {
	e.Spawn(func(c *Client) {
		var ver rpc.Tversion
		for i := range 10 {
			value := "v" + strconv.Itoa(i)
			switch err := c.PutSeen("k", value, ver); err {
			case rpc.OK:
				ver++
			case rpc.ErrMaybe:
				got, gotVer, gerr := c.Get("k")
				if gerr != rpc.OK || got != value || gotVer != ver+1 {
					e.Violate("unreliable-put: Put(%q, %d) returned ErrMaybe for a lone client, so it must have applied, but Get returned (%q, %d, %s)", value, ver, got, gotVer, gerr)
					return
				}
				ver++
			default:
				e.Violate("unreliable-put: a lone client's Put(%q, %d) returned %s", value, ver, err)
				return
			}
		}
	})
	return nil
}

// randomOp is one drawn operation of a random workload.
type randomOp struct {
	put bool
	key string
	// lag says how far behind the client's last seen version of key a Put
	// goes: 0 at that version (it may succeed), 1 one version earlier
	// (stale), 2 at version 0 (create, or certainly stale).
	lag uint64
	// value is what a Put writes, unless unique asks for a value unique
	// in the run.
	value  string
	unique bool
	think  time.Duration // waited before the operation
	// ahead, if not 0, is the version a Put names on a key that is never
	// created (kv-swarm's ghost key), whatever the client has seen.
	ahead rpc.Tversion
}

// drawOps draws len(ops) operations on keys into ops. A draw of 0 is the
// simplest choice (a Get of the first key; a Put at the seen version), so
// rapid shrinks toward those.
//
// Puts never name a version the key has not reached yet. Such a Put is
// refused now (ErrVersion or ErrNoKey), but a delayed copy of it can be
// applied later, once the key catches up, long after the Clerk reported
// the refusal: the protocol is at-most-once only for versions a client has
// seen, which is how the lock and every lab workload use it.
func drawOps(ops []randomOp, ent sim.Entropy, keys []string) []randomOp {
	for i := range ops {
		op := &ops[i]
		op.key = keys[ent.Uint64N(uint64(len(keys)))]
		op.put = ent.Uint64N(2) == 1
		if op.put {
			op.lag = max(2, ent.Uint64N(5)) - 2
			op.unique = true
		}
	}
	return ops
}

// runOps performs the client's ops, remembering the versions it has seen.
func runOps(c *Client) {
	seen := &c.seen
	for i, op := range c.ops {
		if op.think > 0 {
			c.Sleep(op.think)
		}
		if !op.put {
			if _, ver, err := c.Get(op.key); err == rpc.OK {
				seen.set(op.key, ver)
			}
			continue
		}
		ver := seen.of(op.key)
		switch {
		case op.ahead > 0:
			ver = op.ahead
		case op.lag == 2:
			ver = 0
		case op.lag == 1 && ver > 0:
			ver--
		}
		value := op.value
		if op.unique {
			value = c.name + "." + strconv.Itoa(i)
		}
		if c.Put(op.key, value, ver) == rpc.OK {
			seen.set(op.key, ver+1)
		}
	}
}

// versions is the version a client last saw of each key, 0 for none. A
// workload has a few keys: a short list beats a map.
type versions []keyVersion

type keyVersion struct {
	key string
	ver rpc.Tversion
}

func (vs versions) of(key string) rpc.Tversion {
	for _, v := range vs {
		if v.key == key {
			return v.ver
		}
	}
	return 0
}

func (vs *versions) set(key string, ver rpc.Tversion) {
	for i := range *vs {
		if (*vs)[i].key == key {
			(*vs)[i].ver = ver
			return
		}
	}
	*vs = append(*vs, keyVersion{key, ver})
}

func spawnRandom(e *Env, clients, maxOps int, keys []string) {
	e.ops = slices.Grow(e.ops, clients*maxOps) // room for every client's ops, each a slice of e.ops
	total := 0
	for range clients {
		ent := clientStream(e, e.spawned) // the client about to be spawned
		n := 1 + int(ent.Uint64N(uint64(maxOps)))
		from := len(e.ops)
		e.ops = e.ops[:from+n]
		e.spawnOps(drawOps(e.ops[from:from+n:from+n], ent, keys))
		total += n
	}
	e.reserve(total)
}

// spawnWorkloads starts a client for each workload, with room in the
// history for every operation.
func spawnWorkloads(e *Env, workloads [][]randomOp) {
	n := 0
	for _, ops := range workloads {
		n += len(ops)
		e.spawnOps(ops)
	}
	e.reserve(n)
}

func kvRandom(e *Env) func() string {
	spawnRandom(e, 4, 15, []string{"a", "b", "c"})
	return nil
}

const (
	counterKey = "counter"
	lockKey    = "lock"
)

// lockCounter: two or three clients each increment a counter one to three
// times under the lock. Inside the critical section nobody else writes the
// counter, so an ErrMaybe Put is resolved by reading it back.
func lockCounter(e *Env) func() string {
	ctr := e.counter("lock-counter", counterKey) // checked after the run
	lockers := 2 + int(e.w.Entropy().Uint64N(2))
	for range lockers {
		rounds := 1 + int(clientStream(e, e.spawned).Uint64N(3))
		e.Spawn(func(c *Client) {
			l := c.Lock(lockKey)
			for range rounds {
				l.Acquire()
				if !c.Increment(ctr) {
					return
				}
				l.Release()
			}
		})
	}
	return nil
}

// partitionHeal cuts the server off, heals it, then cuts one client off,
// while clients keep working; everything must complete once healed.
func partitionHeal(e *Env) func() string {
	spawnRandom(e, 3, 10, []string{"a", "b"})
	w := e.w
	servers := e.ServerNames() // a cluster's every server: the service cut off
	w.At(20*time.Millisecond, func() {
		for _, s := range servers {
			w.Isolate(s)
		}
	})
	w.At(500*time.Millisecond, func() {
		for _, s := range servers {
			w.Rejoin(s)
		}
	})
	w.At(600*time.Millisecond, func() { w.Isolate("c0") })
	w.At(1200*time.Millisecond, func() { w.Rejoin("c0") })
	return nil
}

const (
	crowd      = 30
	crowdPuts  = 3
	sharedKeys = 3
)

// manyClients: many clients overwrite a few shared keys and own one key
// each, so there are far more requests than data.
func manyClients(e *Env) func() string {
	for range crowd {
		e.Spawn(func(c *Client) {
			c.Put("own-"+c.name, "x", 0)
			for i := range crowdPuts {
				key := "shared" + strconv.Itoa((c.id+i)%sharedKeys)
				_, ver, _ := c.Get(key)
				c.Put(key, fmt.Sprintf("%s.%d", c.name, i), ver)
			}
		})
	}
	e.AddCheck(&check.Memory{Label: "many-clients", Keys: crowdKeys})
	return nil
}

// crowdKeys are the keys many-clients writes: the shared ones, and each
// client's own.
var crowdKeys = func() []string {
	keys := make([]string, 0, sharedKeys+crowd)
	for i := range sharedKeys {
		keys = append(keys, "shared"+strconv.Itoa(i))
	}
	for i := range crowd {
		keys = append(keys, "own-c"+strconv.Itoa(i))
	}
	return keys
}()
