package check

import (
	"testing"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kv/rpc"
)

// store is a Recording.Read over a map.
func store(m map[string]string) func(string) (string, rpc.Tversion, rpc.Err) {
	return func(key string) (string, rpc.Tversion, rpc.Err) {
		if v, ok := m[key]; ok {
			return v, 1, rpc.OK
		}
		return "", 0, rpc.ErrNoKey
	}
}

func TestCounters(t *testing.T) {
	one := func(increments int, m map[string]string) *Recording {
		return &Recording{Read: store(m), Counters: []Counter{{label: "lock-counter", Key: "counter", Increments: increments}}}
	}
	none(t, run(one(3, map[string]string{"counter": "3"}), Counters{}))
	none(t, run(one(0, nil), Counters{})) // never written: 0
	only(t, run(one(3, map[string]string{"counter": "2"}), Counters{}), kvsim.Violation, "lock-counter: the counter is 2 after 3 increments under the lock")
	only(t, run(one(1, nil), Counters{}), kvsim.Violation, "lock-counter: the counter is 0 after 1 increments")

	two := &Recording{Read: store(map[string]string{"la-counter": "1", "lb-counter": "5"}), Counters: []Counter{
		{label: "lock-multi", Key: "la-counter", Increments: 1}, {label: "lock-multi", Key: "lb-counter", Increments: 4}}}
	only(t, run(two, Counters{}), kvsim.Violation, `lock-multi: the counter "lb-counter" is 5 after 4 increments under its lock`)

	none(t, run(&Recording{Counters: []Counter{{Key: "counter", Increments: 1}}}, Counters{})) // no way to read the server
}

// counterClerk is a clerk over a one-key store whose Puts a test can make
// answer otherwise.
type counterClerk struct {
	value   string
	version rpc.Tversion
	// puts, if not empty, says what the next Puts return instead of
	// storing; a "!" answer stores and returns ErrMaybe, as a lost reply.
	puts []rpc.Err
	// bump, if set, is a write by someone else just before each Get.
	bump bool
}

func (ck *counterClerk) Get(string) (string, rpc.Tversion, rpc.Err) {
	if ck.bump {
		ck.version++
	}
	if ck.version == 0 {
		return "", 0, rpc.ErrNoKey
	}
	return ck.value, ck.version, rpc.OK
}

func (ck *counterClerk) Put(_, value string, version rpc.Tversion) rpc.Err {
	if len(ck.puts) > 0 {
		err := ck.puts[0]
		ck.puts = ck.puts[1:]
		if err != "!" {
			return err
		}
		err = rpc.ErrMaybe
		ck.value, ck.version = value, version+1
		return err
	}
	if version != ck.version {
		return rpc.ErrVersion
	}
	ck.value, ck.version = value, version+1
	return rpc.OK
}

func TestIncrement(t *testing.T) {
	setup := func(ck *counterClerk) (*Recording, *Client, int) {
		r := &Recording{}
		c := NewClient(r, 0, "c0", nil, &clock{}, nil)
		c.SetClerk(ck)
		return r, c, r.AddCounter("lock-counter", "counter")
	}
	t.Run("ok", func(t *testing.T) {
		ck := &counterClerk{}
		r, c, ctr := setup(ck)
		for range 3 {
			if !c.Increment(ctr) {
				t.Fatal(r.violations)
			}
		}
		if ck.value != "3" || r.Counters[ctr].Increments != 3 || len(r.violations) > 0 {
			t.Errorf("counter %q, %d increments, violations %v; want 3 and 3", ck.value, r.Counters[ctr].Increments, r.violations)
		}
	})
	t.Run("ErrMaybe read back", func(t *testing.T) {
		ck := &counterClerk{puts: []rpc.Err{"!"}}
		r, c, ctr := setup(ck)
		if !c.Increment(ctr) || r.Counters[ctr].Increments != 1 || ck.version != 1 {
			t.Errorf("an applied ErrMaybe Put: increments %d, version %d, violations %v", r.Counters[ctr].Increments, ck.version, r.violations)
		}
	})
	t.Run("ErrMaybe not applied is retried", func(t *testing.T) {
		ck := &counterClerk{puts: []rpc.Err{rpc.ErrMaybe}}
		r, c, ctr := setup(ck)
		if !c.Increment(ctr) || r.Counters[ctr].Increments != 1 || ck.value != "1" {
			t.Errorf("increments %d, counter %q, violations %v", r.Counters[ctr].Increments, ck.value, r.violations)
		}
	})
	t.Run("moved under the lock", func(t *testing.T) {
		ck := &counterClerk{puts: []rpc.Err{rpc.ErrMaybe}, bump: true}
		r, c, ctr := setup(ck)
		if c.Increment(ctr) || len(r.violations) != 1 || r.Counters[ctr].Increments != 0 {
			t.Fatalf("violations %v, increments %d", r.violations, r.Counters[ctr].Increments)
		}
		only(t, run(r, Workload{}), kvsim.Violation, "lock-counter: c0 holds the lock but the counter moved from version 1 to 2 under it")
	})
	t.Run("written by someone else", func(t *testing.T) {
		ck := &counterClerk{puts: []rpc.Err{rpc.ErrVersion}}
		r, c, ctr := setup(ck)
		if c.Increment(ctr) {
			t.Fatal("an increment whose Put was refused succeeded")
		}
		only(t, run(r, Workload{}), kvsim.Violation, "lock-counter: c0 holds the lock but its Put of the counter at version 0 failed: someone else wrote it")
	})
	t.Run("judged under the delivery guarantee", func(t *testing.T) {
		// Under at-least-once an ErrVersion may be a duplicate's: read back.
		ck := &counterClerk{puts: []rpc.Err{rpc.ErrVersion}}
		r, c, ctr := setup(ck)
		r.PutMeans = func(err rpc.Err) rpc.Err {
			if err == rpc.ErrVersion {
				return rpc.ErrMaybe
			}
			return err
		}
		if !c.Increment(ctr) || r.Counters[ctr].Increments != 1 || len(r.violations) > 0 {
			t.Errorf("increments %d, violations %v", r.Counters[ctr].Increments, r.violations)
		}
		if got := r.KV[1].Output.Err; got != rpc.ErrVersion {
			t.Errorf("the history says %s, want the Clerk's ErrVersion", got)
		}
	})
}
