package stress

import (
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/rpc"
)

// counting is the reference server, counting the requests it executes by
// key.
type counting struct {
	rpc.Server
	mu       sync.Mutex
	executed map[string]int
}

func (s *counting) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	s.mu.Lock()
	s.executed[args.Key]++
	s.mu.Unlock()
	s.Server.Get(args, reply)
}

func (s *counting) times(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.executed[key]
}

// TestLossesAreFaithful: of the calls the in-process network reports lost,
// a third lost their request (never executed), a third their reply (the
// request executed before the call returned) and a third arrived after
// the caller gave up (executed later); a call that returns true was
// executed once. A network that drops a lost reply's request with it would
// never make the clerk face a Put that was applied though it said nothing.
func TestLossesAreFaithful(t *testing.T) {
	srv := &counting{Server: kv.NewServer(), executed: map[string]int{}}
	opts, err := Options{Loss: 0.9}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	r := &run{opts: opts, server: srv, start: time.Now(), done: make(chan struct{})}
	r.stop, r.abort = r.start.Add(time.Hour), r.start.Add(time.Hour)
	c := &client{r: r, name: "c0", rng: rand.New(rand.NewPCG(1, 2))}
	const calls = 3000
	replied, failed, executedBeforeReturn := 0, 0, 0
	var lost []string
	for i := range calls {
		key := "k" + strconv.Itoa(i) // one key per call
		ok := c.Call("server", rpc.MethodGet, &rpc.GetArgs{Key: key}, &rpc.GetReply{})
		switch n := srv.times(key); {
		case ok:
			replied++
			if n != 1 {
				t.Fatalf("a call that was answered executed %d times", n)
			}
		default:
			failed++
			lost = append(lost, key)
			if n > 0 {
				executedBeforeReturn++
			}
		}
	}
	c.late.Wait()
	executedLost := 0
	for _, key := range lost {
		if n := srv.times(key); n > 1 {
			t.Fatalf("a lost call executed %d times", n)
		} else {
			executedLost += n
		}
	}
	if c.rpcs != calls || c.lost != failed {
		t.Errorf("counted %d calls, %d lost; made %d, %d lost", c.rpcs, c.lost, calls, failed)
	}
	// Loss 0.9: a tenth answered, three tenths of each kind of loss.
	if replied < calls/20 || replied > calls/5 {
		t.Errorf("%d of %d calls answered, want about a tenth", replied, calls)
	}
	if executedBeforeReturn < failed/5 {
		t.Errorf("of %d lost calls, %d had executed when the call returned: want about a third, whose reply was lost", failed, executedBeforeReturn)
	}
	if late := executedLost - executedBeforeReturn; late < failed/5 {
		t.Errorf("of %d lost calls, %d executed after the call returned: want about a third, delivered late", failed, late)
	}
	if never := failed - executedLost; never < failed/5 {
		t.Errorf("of %d lost calls, %d never executed: want about a third, whose request was lost", failed, never)
	}
}
