package campaign_test

import (
	"fmt"
	"sync"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/kv/rpc"
)

// One run of the main scenario against the reference, and the same seed
// against a clerk that reports OK when a reply was lost.
func Example() {
	for _, impl := range []string{"reference", "zoo/clerk-ok-on-lost-reply"} {
		r, err := campaign.Default().Run(kvsim.Spec{Scenario: "unreliable-put", Seed: 1, Impl: impl})
		if err != nil {
			panic(err)
		}
		fmt.Println(r.Verdict, "-", r.Impl)
		if r.Failed() {
			fmt.Println(r.Reason)
			fmt.Println(r.Run)
		}
	}
	// Output:
	// ok - reference
	// violation - zoo/clerk-ok-on-lost-reply
	// clerk contract: c0: Put("k", "v0", 0) returned OK, which no reply said
	// kvsim run --scenario unreliable-put --seed 1 --faults lossy --impl zoo/clerk-ok-on-lost-reply
}

// Plug in your own component: fields left nil are the reference's. Here a
// server that forgets to check versions is caught by the first seed, and
// the result replays exactly, implementation and all.
func ExampleCatalogue_With() {
	mine := kvsim.Impl{
		Name:      "mine",
		NewServer: func() rpc.Server { return &forgetfulServer{data: map[string]rpc.GetReply{}} },
	}
	cat := campaign.Default().With(mine)
	r, err := cat.Run(kvsim.Spec{Scenario: "reliable-put", Seed: 1, Impl: "mine"})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Verdict, "-", r.Impl)
	fmt.Println(r.Reason)
	again, err := cat.Replay(r)
	if err != nil {
		panic(err)
	}
	fmt.Println("replay:", again.Verdict, again.TraceHash == r.TraceHash)
	// Output:
	// violation - mine
	// reliable-put step 1: Put("k", "b", 0) = OK, want ErrVersion
	// replay: violation true
}

// forgetfulServer applies every Put, whatever its version.
type forgetfulServer struct {
	mu   sync.Mutex
	data map[string]rpc.GetReply
}

func (s *forgetfulServer) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.data[args.Key]
	if !ok {
		reply.Err = rpc.ErrNoKey
		return
	}
	*reply = r
}

func (s *forgetfulServer) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.data[args.Key]
	s.data[args.Key] = rpc.GetReply{Value: args.Value, Version: r.Version + 1, Err: rpc.OK}
	reply.Err = rpc.OK
}
