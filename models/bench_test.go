package models

import (
	"cmp"
	"container/heap"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kvsim/kvsim/kv/rpc"
)

// genHot returns a linearizable single-key history of n operations by the
// given number of clients, all contending for one key: each client reads,
// then writes at the version it read, which often fails with ErrVersion
// because others got there first. Every operation takes effect at a random
// point of a long interval, so about every client is concurrent with every
// other. Some Puts report ErrMaybe; each client's last operation may be
// Unknown. versions[v] is the value the key held at version v.
func genHot(seed uint64, clients, n int) (ops []KVOp, values []string) {
	rng := rand.New(rand.NewPCG(seed, 7))
	ops = make([]KVOp, n)
	at := make([]int64, n)
	free := make(clientHeap, clients)
	for c := range free {
		free[c] = clientFree{c: c}
	}
	last := make([]int, clients)
	for i := range ops {
		c := free[0]
		call := c.at + 1 + rng.Int64N(5)
		at[i] = call + rng.Int64N(2*int64(clients))
		ret := at[i] + rng.Int64N(2*int64(clients))
		ops[i] = KVOp{Client: c.c, Call: call, Return: ret}
		last[c.c] = i
		free[0].at = ret
		heap.Fix(&free, 0)
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(at[a], at[b]) })
	values = []string{""}
	seen := make([]rpc.Tversion, clients) // the version each client last read
	for _, i := range order {
		cur := rpc.Tversion(len(values) - 1)
		c := ops[i].Client
		if rng.IntN(2) == 0 {
			ops[i].Input = KVInput{Op: OpGet, Key: "hot"}
			ops[i].Output = KVOutput{Value: values[cur], Version: cur, Err: rpc.OK}
			if cur == 0 {
				ops[i].Output = KVOutput{Err: rpc.ErrNoKey}
			}
			seen[c] = cur
			continue
		}
		in := KVInput{Op: OpPut, Key: "hot", Value: fmt.Sprintf("x%d", rng.IntN(50)), Version: seen[c]}
		ops[i].Input = in
		switch {
		case in.Version == cur:
			values = append(values, in.Value)
			ops[i].Output.Err = rpc.OK
		case cur == 0:
			ops[i].Output.Err = rpc.ErrNoKey
		default:
			ops[i].Output.Err = rpc.ErrVersion
		}
		if ops[i].Output.Err != rpc.ErrNoKey && rng.IntN(20) == 0 {
			ops[i].Output.Err = rpc.ErrMaybe
		}
	}
	for _, i := range last {
		if rng.IntN(2) == 0 {
			ops[i].Output, ops[i].Return = KVOutput{Unknown: true}, 0
		}
	}
	return ops, values
}

type clientFree struct {
	at int64
	c  int
}

type clientHeap []clientFree

func (h clientHeap) Len() int { return len(h) }
func (h clientHeap) Less(i, j int) bool {
	return h[i].at < h[j].at || h[i].at == h[j].at && h[i].c < h[j].c
}
func (h clientHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *clientHeap) Push(x any)   { *h = append(*h, x.(clientFree)) }
func (h *clientHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// staleRead makes the Get nearest the middle of ops read the state of ten
// versions earlier: a violation deep inside a long history.
func staleRead(ops []KVOp, values []string) {
	for i := len(ops) / 2; i < len(ops); i++ {
		out := &ops[i].Output
		if ops[i].Input.Op == OpGet && out.Err == rpc.OK && out.Version > 10 {
			out.Version -= 10
			out.Value = values[out.Version]
			return
		}
	}
	panic("no Get to make stale")
}

func TestHotHistories(t *testing.T) {
	ops, values := genHot(1, 100, 20_000)
	if r := CheckKV(ops, 0); r.Verdict != Ok {
		t.Fatalf("%v: %s", r.Verdict, r.Reason)
	}
	staleRead(ops, values)
	r := CheckKV(ops, 0)
	if r.Verdict != Violation || len(r.Core) > 4 {
		t.Fatalf("%v, core %v: %s", r.Verdict, r.Core, r.Reason)
	}
}

// benchCheck checks ops once per iteration and wants the verdict.
func benchCheck(b *testing.B, ops []KVOp, want CheckVerdict) {
	b.ReportAllocs()
	for b.Loop() {
		if r := CheckKV(ops, 0); r.Verdict != want {
			b.Fatalf("%v: %s", r.Verdict, r.Reason)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(ops)), "ns/histop")
}

// BenchmarkCheckKVHotKey: one key, 1,000 concurrent clients, 1,000,000
// operations (the acceptance: under 1 s on one core).
func BenchmarkCheckKVHotKey(b *testing.B) {
	ops, values := genHot(1, 1000, 1_000_000)
	b.Run("linearizable", func(b *testing.B) { benchCheck(b, ops, Ok) })
	bad := slices.Clone(ops)
	staleRead(bad, values)
	b.Run("violating", func(b *testing.B) { benchCheck(b, bad, Violation) })
}

// BenchmarkCheckKVText parses and checks a 200-client, 200,000-op history
// from text, as kvsim check does.
func BenchmarkCheckKVText(b *testing.B) {
	ops, values := genHot(2, 200, 200_000)
	bad := slices.Clone(ops)
	staleRead(bad, values)
	for _, c := range []struct {
		name string
		text string
		want CheckVerdict
	}{{"linearizable", FormatKV(ops), Ok}, {"violating", FormatKV(bad), Violation}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.text)))
			for b.Loop() {
				ops, err := ParseKV(c.text)
				if err != nil {
					b.Fatal(err)
				}
				if r := CheckKV(ops, 0); r.Verdict != c.want {
					b.Fatalf("%v: %s", r.Verdict, r.Reason)
				}
			}
		})
	}
}

// BenchmarkCheckKVCampaign compares the checkers on histories the size of a
// campaign run's: 5 clients and 30 clients over a few keys.
func BenchmarkCheckKVCampaign(b *testing.B) {
	for _, c := range []struct {
		name               string
		clients, ops, keys int
	}{{"5-clients", 5, 200, 5}, {"30-clients", 30, 450, 3}} {
		ops := genKV(1, c.clients, c.ops, c.keys)
		b.Run(c.name+"/fast", func(b *testing.B) { benchCheck(b, ops, Ok) })
		b.Run(c.name+"/porcupine", func(b *testing.B) {
			for b.Loop() {
				if r := CheckKVPorcupine(ops, 0); r.Verdict != Ok {
					b.Fatalf("%v: %s", r.Verdict, r.Reason)
				}
			}
		})
	}
}
