package kv

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/kvsim/kvsim/kv/rpc"
)

// increment performs n successful Puts on key from one client, each at the
// version the client last read, retrying whenever another client got there
// first.
func increment(s *Server, client int, key string, n int) {
	for done := 0; done < n; {
		var g rpc.GetReply
		s.Get(&rpc.GetArgs{Key: key}, &g)
		var p rpc.PutReply
		s.Put(&rpc.PutArgs{Key: key, Value: fmt.Sprintf("c%d-%d", client, done), Version: g.Version}, &p)
		if p.Err == rpc.OK {
			done++
		}
	}
}

// TestServerOneEntryPerKey checks that the server's state is one entry per
// key, however many clients wrote it: at-most-once comes from versions, not
// from remembering clients.
func TestServerOneEntryPerKey(t *testing.T) {
	const clients, keys, putsPerClient = 16, 32, 20
	s := NewServer()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for k := range keys {
				increment(s, c, fmt.Sprintf("key%d", k), putsPerClient)
			}
		})
	}
	wg.Wait()

	if len(s.data) != keys {
		t.Fatalf("server holds %d entries, want one per key (%d)", len(s.data), keys)
	}
	for k, e := range s.data {
		if e.version != clients*putsPerClient {
			t.Errorf("%s at version %d, want %d (one per successful Put)", k, e.version, clients*putsPerClient)
		}
	}
}

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// BenchmarkServerMemory fills a server from many concurrent clients, each
// writing its own keys several times, and reports the heap the server holds
// per key. Rewrites must not add to it.
func BenchmarkServerMemory(b *testing.B) {
	const clients, keysPerClient, putsPerKey = 16, 4096, 4
	const keys = clients * keysPerClient
	var total float64
	for b.Loop() {
		before := heapInUse()
		s := NewServer()
		var wg sync.WaitGroup
		for c := range clients {
			wg.Go(func() {
				for k := range keysPerClient {
					key := fmt.Sprintf("client%02d/key%05d", c, k)
					for v := range putsPerKey {
						var r rpc.PutReply
						s.Put(&rpc.PutArgs{Key: key, Value: fmt.Sprintf("value-%d", v), Version: rpc.Tversion(v)}, &r)
						if r.Err != rpc.OK {
							b.Errorf("Put(%s, version %d) = %s", key, v, r.Err)
							return
						}
					}
				}
			})
		}
		wg.Wait()
		after := heapInUse()
		total += float64(int64(after) - int64(before))
		if len(s.data) != keys {
			b.Fatalf("server holds %d entries, want %d", len(s.data), keys)
		}
	}
	b.ReportMetric(total/float64(b.N)/keys, "B/key")
}

// BenchmarkServerGetPut measures one Get and one Put from parallel clients
// on a few hot keys, the lock contention the simulator never shows.
func BenchmarkServerGetPut(b *testing.B) {
	s := NewServer()
	keys := []string{"a", "b", "c", "d"}
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			key := keys[i%len(keys)]
			var g rpc.GetReply
			s.Get(&rpc.GetArgs{Key: key}, &g)
			var p rpc.PutReply
			s.Put(&rpc.PutArgs{Key: key, Value: "v", Version: g.Version}, &p)
		}
	})
}
