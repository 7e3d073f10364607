package zoo

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/check"
	"github.com/kvsim/kvsim/kv/rpc"
)

func TestZooWellFormed(t *testing.T) {
	zoo := All()
	if len(zoo) < 10 {
		t.Errorf("the zoo has %d entries, want at least 10", len(zoo))
	}
	seen := map[string]bool{}
	for _, im := range zoo {
		if !strings.HasPrefix(im.Name, Prefix) || im.Name == Prefix {
			t.Errorf("name %q does not start with %q", im.Name, Prefix)
		}
		if seen[im.Name] {
			t.Errorf("name %q is used twice", im.Name)
		}
		seen[im.Name] = true
		if strings.TrimSpace(im.Doc) == "" {
			t.Errorf("%s: empty Doc", im.Name)
		}
		n := 0
		for _, set := range []bool{im.NewServer != nil, im.NewClerk != nil, im.NewLock != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d factories set, want exactly 1 (one buggy component, the reference's for the rest)", im.Name, n)
		}
	}
}

// TestZooUnitBugs shows each bug directly, without the simulator: a short,
// scripted sequence of calls on which the reference and the zoo entry
// answer differently.
func TestZooUnitBugs(t *testing.T) {
	cases := []struct {
		name string
		// run drives an implementation (all three factories set) and says
		// what it saw.
		run      func(im kvsim.Impl) string
		ref, bug string
	}{
		// Servers: calls straight to the handler.
		{
			name: "server-ignores-version",
			run: func(im kvsim.Impl) string {
				srv := im.NewServer()
				zooPut(srv, "k", "a", 0)
				zooPut(srv, "k", "b", 1)
				stale := zooPut(srv, "k", "c", 1) // based on a read of version 1
				return fmt.Sprintf("stale Put %s, k is %s", stale, zooGet(srv, "k"))
			},
			ref: `stale Put ErrVersion, k is "b"@2`,
			bug: `stale Put OK, k is "c"@3`,
		},
		{
			name: "server-bumps-on-failure",
			run: func(im kvsim.Impl) string {
				srv := im.NewServer()
				zooPut(srv, "k", "a", 0)
				failed := zooPut(srv, "k", "b", 5)
				return fmt.Sprintf("Put %s, k is %s", failed, zooGet(srv, "k"))
			},
			ref: `Put ErrVersion, k is "a"@1`,
			bug: `Put ErrVersion, k is "a"@2`,
		},
		{
			name: "server-creates-any-version",
			run: func(im kvsim.Impl) string {
				srv := im.NewServer()
				err := zooPut(srv, "k", "a", 3)
				return fmt.Sprintf("Put %s, k is %s", err, zooGet(srv, "k"))
			},
			ref: `Put ErrNoKey, k is ErrNoKey`,
			bug: `Put OK, k is "a"@4`,
		},
		{
			name: "server-zero-overwrites",
			run: func(im kvsim.Impl) string {
				srv := im.NewServer()
				zooPut(srv, "k", "a", 0)
				second := zooPut(srv, "k", "b", 0) // a second client that also saw k absent
				return fmt.Sprintf("second create %s, k is %s", second, zooGet(srv, "k"))
			},
			ref: `second create ErrVersion, k is "a"@1`,
			bug: `second create OK, k is "b"@2`,
		},
		{
			name: "server-per-client-cache",
			run: func(im kvsim.Impl) string {
				const puts = 1000
				srv := im.NewServer()
				for i := range puts {
					zooPut(srv, "k", fmt.Sprint("v", i), rpc.Tversion(i))
				}
				// The same measure as the many-clients memory check. The
				// data is one short key and value.
				if check.Footprint(srv) > 16*puts {
					return "memory grows with the requests"
				}
				return "memory bounded by the data"
			},
			ref: "memory bounded by the data",
			bug: "memory grows with the requests",
		},

		// Clerks: one clerk over a scripted network.
		{
			name: "clerk-errversion-after-retry",
			run: func(im kvsim.Impl) string {
				srv := im.NewServer()
				net := &zooNet{srv: srv, fates: []zooFate{zooDropReply}}
				err := im.NewClerk(net, zooNoSleep{}, zooServerName).Put("k", "a", 0)
				return fmt.Sprintf("Put %s, k is %s", err, zooGet(srv, "k"))
			},
			ref: `Put ErrMaybe, k is "a"@1`,
			bug: `Put ErrVersion, k is "a"@1`,
		},
		{
			name: "clerk-ok-on-lost-reply",
			run: func(im kvsim.Impl) string {
				srv := im.NewServer()
				net := &zooNet{srv: srv, fates: []zooFate{zooDropRequest}}
				err := im.NewClerk(net, zooNoSleep{}, zooServerName).Put("k", "a", 0)
				return fmt.Sprintf("Put %s, k is %s", err, zooGet(srv, "k"))
			},
			ref: `Put OK, k is "a"@1`,
			bug: `Put OK, k is ErrNoKey`,
		},
		{
			name: "clerk-gives-up-get",
			run: func(im kvsim.Impl) string {
				srv := im.NewServer()
				zooPut(srv, "k", "a", 0)
				net := &zooNet{srv: srv, fates: []zooFate{zooDropReply}}
				v, ver, err := im.NewClerk(net, zooNoSleep{}, zooServerName).Get("k")
				return fmt.Sprintf("Get %q@%d %s", v, ver, err)
			},
			ref: `Get "a"@1 OK`,
			bug: `Get ""@0 ErrNoKey`,
		},
		{
			name: "clerk-maybe-on-first",
			run: func(im kvsim.Impl) string {
				srv := im.NewServer()
				zooPut(srv, "k", "a", 0)
				net := &zooNet{srv: srv}
				err := im.NewClerk(net, zooNoSleep{}, zooServerName).Put("k", "b", 0)
				return fmt.Sprintf("Put %s after %d attempt(s)", err, net.calls)
			},
			ref: `Put ErrVersion after 1 attempt(s)`,
			bug: `Put ErrMaybe after 1 attempt(s)`,
		},

		// Locks: owner A on the reference clerk over a scripted network;
		// owner B acts on the server directly between A's calls.
		{
			name: "lock-ignores-maybe",
			run: func(im kvsim.Impl) string {
				srv := im.NewServer()
				net := &zooNet{srv: srv, fates: []zooFate{zooDeliver, zooDropRequest}}
				net.before = func(call int) {
					switch call {
					case 2: // A's Put was lost; B takes the lock, A's retry meets ErrVersion: ErrMaybe.
						zooPut(srv, "L", "B", 0)
					case 4: // B releases.
						zooPut(srv, "L", "", 1)
					}
				}
				l := zooNewLock(im, net, "A")
				return zooOutcome(l.Acquire, srv)
			},
			ref: `returned, L is "A"@3`,
			bug: `returned, L is "B"@1`,
		},
		{
			name: "lock-forgets-own-id",
			run: func(im kvsim.Impl) string {
				srv := im.NewServer()
				// A's Put lands but its reply is lost; the retry says ErrMaybe.
				net := &zooNet{srv: srv, fates: []zooFate{zooDeliver, zooDropReply}}
				l := zooNewLock(im, net, "A")
				return zooOutcome(l.Acquire, srv)
			},
			ref: `returned, L is "A"@1`,
			bug: `still running, L is "A"@1`,
		},
		{
			name: "lock-no-reread",
			run: func(im kvsim.Impl) string {
				srv := im.NewServer()
				net := &zooNet{srv: srv}
				net.before = func(call int) {
					switch call {
					case 1: // B takes the lock between A's Get and A's Put.
						zooPut(srv, "L", "B", 0)
					case 3: // B releases.
						zooPut(srv, "L", "", 1)
					}
				}
				l := zooNewLock(im, net, "A")
				return zooOutcome(l.Acquire, srv)
			},
			ref: `returned, L is "A"@3`,
			bug: `still running, L is ""@2`,
		},
		{
			name: "lock-release-no-owner-check",
			run: func(im kvsim.Impl) string {
				srv := im.NewServer()
				zooPut(srv, "L", "A", 0) // A holds the lock.
				// A's release lands but its reply is lost ...
				net := &zooNet{srv: srv, fates: []zooFate{zooDeliver, zooDropReply}}
				net.before = func(call int) {
					if call == 2 { // ... B takes the lock; A's retry says ErrMaybe.
						zooPut(srv, "L", "B", 2)
					}
				}
				l := zooNewLock(im, net, "A")
				return zooOutcome(l.Release, srv)
			},
			ref: `returned, L is "B"@3`,
			bug: `returned, L is ""@4`,
		},

		// Subtle bugs.
		{
			name: "server-same-value-noop",
			run: func(im kvsim.Impl) string {
				srv := im.NewServer()
				zooPut(srv, "k", "x", 0)
				err := zooPut(srv, "k", "x", 1)
				return fmt.Sprintf("Put %s, k is %s", err, zooGet(srv, "k"))
			},
			ref: `Put OK, k is "x"@2`,
			bug: `Put OK, k is "x"@1`,
		},
		{
			name: "server-empty-value-deletes",
			run: func(im kvsim.Impl) string {
				srv := im.NewServer()
				zooPut(srv, "k", "x", 0)
				err := zooPut(srv, "k", "", 1)
				return fmt.Sprintf("Put %s, k is %s", err, zooGet(srv, "k"))
			},
			ref: `Put OK, k is ""@2`,
			bug: `Put OK, k is ErrNoKey`,
		},
		{
			name: "server-create-idempotent",
			run: func(im kvsim.Impl) string {
				srv := im.NewServer()
				zooPut(srv, "k", "x", 0)                // one client creates k ...
				return string(zooPut(srv, "k", "x", 0)) // ... and another, with the same value
			},
			ref: `ErrVersion`,
			bug: `OK`,
		},
		{
			name: "clerk-reuses-reply",
			run: func(im kvsim.Impl) string {
				srv := im.NewServer()
				zooPut(srv, "k", "x", 0)
				ck := im.NewClerk(&zooNet{srv: srv}, zooNoSleep{}, zooServerName)
				ck.Get("k")
				v, ver, err := ck.Get("absent")
				return fmt.Sprintf("Get %q@%d %s", v, ver, err)
			},
			ref: `Get ""@0 ErrNoKey`,
			bug: `Get "x"@1 ErrNoKey`,
		},
		{
			name: "clerk-stale-get-on-timeout",
			run: func(im kvsim.Impl) string {
				srv := im.NewServer()
				zooPut(srv, "k", "x", 0)
				net := &zooNet{srv: srv, fates: []zooFate{zooDeliver, zooDropReply}}
				net.before = func(call int) {
					if call == 1 { // another client writes between the two Gets
						zooPut(srv, "k", "y", 1)
					}
				}
				ck := im.NewClerk(net, zooNoSleep{}, zooServerName)
				ck.Get("k")
				v, ver, err := ck.Get("k")
				return fmt.Sprintf("Get %q@%d %s", v, ver, err)
			},
			ref: `Get "y"@2 OK`,
			bug: `Get "x"@1 OK`,
		},
		{
			name: "clerk-verifies-by-value",
			run: func(im kvsim.Impl) string {
				srv := im.NewServer()
				// Our Put is lost; another client writes the same value.
				net := &zooNet{srv: srv, fates: []zooFate{zooDropRequest}}
				net.before = func(call int) {
					if call == 1 {
						zooPut(srv, "k", "x", 0)
					}
				}
				err := im.NewClerk(net, zooNoSleep{}, zooServerName).Put("k", "x", 0)
				return fmt.Sprintf("Put %s, k is %s", err, zooGet(srv, "k"))
			},
			ref: `Put ErrMaybe, k is "x"@1`,
			bug: `Put OK, k is "x"@1`,
		},
		{
			name: "lock-steals-from-slow-holder",
			run: func(im kvsim.Impl) string {
				srv := im.NewServer()
				zooPut(srv, "L", "B", 0) // B holds the lock, and keeps it.
				l := zooNewLock(im, &zooNet{srv: srv}, "A")
				return zooOutcome(l.Acquire, srv)
			},
			ref: `still running, L is "B"@1`,
			bug: `returned, L is "A"@2`,
		},
		{
			name: "lock-stale-held-flag",
			run: func(im kvsim.Impl) string {
				srv := im.NewServer()
				// A acquires (calls 0-1), releases: Get (2), Put lands but
				// its reply is lost (3), the retry says ErrMaybe (4); B
				// takes the lock; A acquires again.
				net := &zooNet{srv: srv, fates: []zooFate{zooDeliver, zooDeliver, zooDeliver, zooDropReply}}
				net.before = func(call int) {
					if call == 5 {
						zooPut(srv, "L", "B", 2)
					}
				}
				l := zooNewLock(im, net, "A")
				l.Acquire()
				l.Release()
				zooPut(srv, "L", "B", 2)
				return zooOutcome(l.Acquire, srv)
			},
			ref: `still running, L is "B"@3`,
			bug: `returned, L is "B"@3`,
		},
	}

	zoo := map[string]kvsim.Impl{}
	for _, im := range All() {
		zoo[im.Name] = im
	}
	tested := map[string]bool{}
	ref := kvsim.Reference().WithDefaults()
	for _, c := range cases {
		name := Prefix + c.name
		tested[name] = true
		t.Run(c.name, func(t *testing.T) {
			im, ok := zoo[name]
			if !ok {
				t.Fatalf("no zoo entry %s", name)
			}
			if got := c.run(ref); got != c.ref {
				t.Errorf("reference: %s, want %s", got, c.ref)
			}
			if got := c.run(im.WithDefaults()); got != c.bug {
				t.Errorf("%s: %s, want %s", name, got, c.bug)
			}
		})
	}
	for name := range zoo {
		if !tested[name] {
			t.Errorf("%s has no case here", name)
		}
	}
}

const (
	zooServerName = "kv0"
	// zooMaxCalls bounds a scripted client, so a lock that spins forever
	// ends the test instead of hanging it.
	zooMaxCalls = 100
)

// zooFate is what a zooNet does to one call.
type zooFate int

const (
	zooDeliver     zooFate = iota // executed, and the reply arrives
	zooDropRequest                // never reaches the server; Call returns false
	zooDropReply                  // executed; Call returns false
)

// zooNet is a scripted network in front of srv for one client: call i
// (from 0) fares as fates[i], delivered once the script runs out, and
// before(i), if set, runs first: the place for other clients to act. After
// zooMaxCalls calls it panics with zooStillRunning.
type zooNet struct {
	srv    rpc.Server
	fates  []zooFate
	before func(call int)
	calls  int
}

type zooStillRunning struct{}

func (n *zooNet) Call(server, method string, args, reply any) bool {
	i := n.calls
	n.calls++
	if i >= zooMaxCalls {
		panic(zooStillRunning{})
	}
	if server != zooServerName {
		panic(fmt.Sprintf("call to %q, want %q", server, zooServerName))
	}
	if n.before != nil {
		n.before(i)
	}
	fate := zooDeliver
	if i < len(n.fates) {
		fate = n.fates[i]
	}
	if fate == zooDropRequest {
		return false
	}
	// Run the handler on private copies, as a network would: a dropped
	// reply must not reach the caller's struct.
	switch method {
	case rpc.MethodGet:
		a, r := *args.(*rpc.GetArgs), rpc.GetReply{}
		n.srv.Get(&a, &r)
		if fate == zooDeliver {
			// As gob decodes: zero fields are not sent, so they leave the
			// caller's struct as it was.
			dst := reply.(*rpc.GetReply)
			if r.Value != "" {
				dst.Value = r.Value
			}
			if r.Version != 0 {
				dst.Version = r.Version
			}
			dst.Err = r.Err
		}
	case rpc.MethodPut:
		a, r := *args.(*rpc.PutArgs), rpc.PutReply{}
		n.srv.Put(&a, &r)
		if fate == zooDeliver {
			*reply.(*rpc.PutReply) = r
		}
	default:
		panic("unknown method " + method)
	}
	return fate == zooDeliver
}

type zooNoSleep struct{}

func (zooNoSleep) Sleep(time.Duration) {}

// zooNewLock returns owner's lock at key "L" through im's clerk on net.
func zooNewLock(im kvsim.Impl, net *zooNet, owner string) rpc.Locker {
	return im.NewLock(im.NewClerk(net, zooNoSleep{}, zooServerName), zooNoSleep{}, "L", owner)
}

// zooOutcome runs op and says whether it returned, and then what L holds.
func zooOutcome(op func(), srv rpc.Server) string {
	ran := func() (returned bool) {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(zooStillRunning); !ok {
					panic(r)
				}
			}
		}()
		op()
		return true
	}
	state := "still running"
	if ran() {
		state = "returned"
	}
	return state + ", L is " + zooGet(srv, "L")
}

func zooPut(srv rpc.Server, key, value string, version rpc.Tversion) rpc.Err {
	var r rpc.PutReply
	srv.Put(&rpc.PutArgs{Key: key, Value: value, Version: version}, &r)
	return r.Err
}

// zooGet returns the key as "value"@version, or the error.
func zooGet(srv rpc.Server, key string) string {
	var r rpc.GetReply
	srv.Get(&rpc.GetArgs{Key: key}, &r)
	if r.Err != rpc.OK {
		return string(r.Err)
	}
	return fmt.Sprintf("%q@%d", r.Value, r.Version)
}
