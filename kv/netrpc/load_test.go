package netrpc_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/kvsim/kvsim/kv/netrpc"
	"github.com/kvsim/kvsim/kv/rpc"
)

func TestRunLoad(t *testing.T) {
	_, ln := serve(t)
	const clients, ops, keys = 4, 200, 3
	h, err := netrpc.RunLoad(context.Background(), netrpc.LoadOptions{
		Addr: ln.Addr().String(), Clients: clients, Ops: ops, Keys: keys, Seed: 1,
		RetryInterval: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != clients*ops {
		t.Fatalf("%d ops, want %d", len(h), clients*ops)
	}
	if !slices.IsSortedFunc(h, func(a, b netrpc.Op) int { return cmp.Compare(a.Call, b.Call) }) {
		t.Error("history not ordered by Call")
	}

	perClient := make([]int, clients)
	type put struct {
		key, value string
		version    rpc.Tversion
	}
	written := map[put]bool{} // every Put that may have taken effect, at the version it created
	okPuts, maybePuts, versionPuts := map[string]int{}, map[string]int{}, 0
	for _, op := range h {
		perClient[op.Client]++
		if op.Call < 0 || op.Return < op.Call {
			t.Fatalf("op %+v: bad times", op)
		}
		switch in, out := op.Input, op.Output; in.Kind {
		case netrpc.OpGet:
			if out.Err != rpc.OK && out.Err != rpc.ErrNoKey {
				t.Errorf("Get returned %s: %+v", out.Err, op)
			}
		case netrpc.OpPut:
			switch out.Err {
			case rpc.OK:
				okPuts[in.Key]++
			case rpc.ErrMaybe:
				maybePuts[in.Key]++
			case rpc.ErrVersion:
				versionPuts++
			default:
				t.Errorf("Put returned %s: %+v", out.Err, op)
			}
			if out.Err != rpc.ErrVersion {
				written[put{in.Key, in.Value, in.Version + 1}] = true
			}
		default:
			t.Fatalf("unknown kind in %+v", op)
		}
	}
	for c, n := range perClient {
		if n != ops {
			t.Errorf("client %d: %d ops, want %d", c, n, ops)
		}
	}
	total := 0
	for _, n := range okPuts {
		total += n
	}
	if total == 0 || versionPuts == 0 {
		t.Errorf("%d Puts succeeded and %d raced and lost; want some of each", total, versionPuts)
	}

	// Every value a Get saw was written by a Put that may have taken
	// effect, at the version the Get saw.
	for _, op := range h {
		if op.Input.Kind == netrpc.OpGet && op.Output.Err == rpc.OK {
			if !written[put{op.Input.Key, op.Output.Value, op.Output.Version}] {
				t.Errorf("Get saw a value no Put wrote: %+v", op)
			}
		}
	}

	// Each key's final version counts its applied Puts: every OK, and
	// perhaps some ErrMaybe.
	caller := netrpc.NewCaller(netrpc.Options{})
	defer caller.Close()
	ck := newClerk(caller, ln.Addr().String())
	for k := range keys {
		key := fmt.Sprintf("k%d", k)
		_, version, _ := ck.Get(key)
		if lo, hi := okPuts[key], okPuts[key]+maybePuts[key]; int(version) < lo || int(version) > hi {
			t.Errorf("%s at version %d, want within [%d, %d]", key, version, lo, hi)
		}
	}
}

// TestRunLoadSeeded checks that the seed alone decides what each client
// asks for (which kind, which key, which value), however the run goes.
func TestRunLoadSeeded(t *testing.T) {
	_, ln := serve(t)
	// requests is each client's sequence of requests, without the Put
	// versions, which depend on what the client read.
	requests := func(seed uint64) [][]string {
		h, err := netrpc.RunLoad(context.Background(), netrpc.LoadOptions{
			Addr: ln.Addr().String(), Clients: 3, Ops: 50, Keys: 4, Seed: seed,
			RetryInterval: time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		rs := make([][]string, 3)
		for _, op := range h {
			rs[op.Client] = append(rs[op.Client], fmt.Sprint(op.Input.Kind, op.Input.Key, op.Input.Value))
		}
		return rs
	}
	a, b, other := requests(7), requests(7), requests(8)
	for c := range a {
		if !slices.Equal(a[c], b[c]) {
			t.Errorf("client %d asked differently in two runs with one seed", c)
		}
		if slices.Equal(a[c], other[c]) {
			t.Errorf("client %d asked the same under two seeds", c)
		}
	}
	if slices.Equal(a[0], a[1]) {
		t.Error("clients 0 and 1 asked the same: their sources are not independent")
	}
}

func TestRunLoadRejectsBadOptions(t *testing.T) {
	good := netrpc.LoadOptions{Addr: "127.0.0.1:1", Clients: 1, Ops: 1, Keys: 1}
	tests := []struct {
		name string
		edit func(*netrpc.LoadOptions)
	}{
		{"no address", func(o *netrpc.LoadOptions) { o.Addr = "" }},
		{"no clients", func(o *netrpc.LoadOptions) { o.Clients = 0 }},
		{"no ops", func(o *netrpc.LoadOptions) { o.Ops = 0 }},
		{"no keys", func(o *netrpc.LoadOptions) { o.Keys = -1 }},
		{"put fraction above 1", func(o *netrpc.LoadOptions) { o.PutFraction = 1.5 }},
		{"negative put fraction", func(o *netrpc.LoadOptions) { o.PutFraction = -0.1 }},
		{"negative timeout", func(o *netrpc.LoadOptions) { o.Timeout = -time.Second }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := good
			tt.edit(&opts)
			if h, err := netrpc.RunLoad(context.Background(), opts); err == nil || h != nil {
				t.Fatalf("RunLoad = (%v, %v), want an error and no history", h, err)
			}
		})
	}
}

// TestRunLoadCancel runs against a server that never answers: the clients
// retry until ctx is cancelled, then stop, and RunLoad reports the
// cancellation with only the Puts that may have happened.
func TestRunLoadCancel(t *testing.T) {
	baseline := runtime.NumGoroutine()
	addr, accepted := blackhole(t)
	const clients = 3
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Cancel once every client has had time to retry.
		for i := 0; i < 1000 && accepted() < 3*clients; i++ {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	h, err := netrpc.RunLoad(ctx, netrpc.LoadOptions{
		Addr: addr, Clients: clients, Ops: 10, Keys: 2, Seed: 3,
		Timeout: 10 * time.Millisecond, RetryInterval: time.Millisecond,
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("RunLoad error = %v, want context.Canceled", err)
	}
	if len(h) > clients {
		t.Errorf("%d ops, want at most one (the one under way) per client", len(h))
	}
	for _, op := range h {
		if op.Input.Kind != netrpc.OpPut || op.Output.Err != rpc.ErrMaybe || op.Return < op.Call {
			t.Errorf("given-up op recorded as %+v, want a Put with ErrMaybe", op)
		}
	}
	settle(t, baseline+1) // +1: the blackhole's accept loop, closed at cleanup.
}
