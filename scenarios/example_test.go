package scenarios_test

import (
	"fmt"
	"sync"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/scenarios"
)

// One run of the main scenario against the reference, and the same seed
// against a clerk that reports OK when a reply was lost.
func Example() {
	for _, impl := range []string{"reference", "zoo/clerk-ok-on-lost-reply"} {
		r, err := scenarios.Run(scenarios.Config{Scenario: "unreliable-put", Seed: 1, Impl: impl})
		if err != nil {
			panic(err)
		}
		fmt.Println(r.Verdict, "-", r.Impl)
		if r.Failed() {
			fmt.Println(r.Reason)
			fmt.Println(r.Repro)
		}
	}
	// Output:
	// ok - reference
	// violation - zoo/clerk-ok-on-lost-reply
	// clerk contract: c0: Put("k", "v3", 3) returned OK, which no reply said
	// kvsim run --scenario unreliable-put --seed 1 --faults lossy --impl zoo/clerk-ok-on-lost-reply
}

// Plug in your own component: fields left nil are the reference's. Here a
// server that forgets to check versions is caught by the first seed.
func ExampleConfig_custom() {
	mine := scenarios.Impl{
		Name:      "mine",
		NewServer: func() rpc.Server { return &forgetfulServer{data: map[string]rpc.GetReply{}} },
	}
	r, err := scenarios.Run(scenarios.Config{Scenario: "reliable-put", Seed: 1, Impl: "mine", Custom: &mine})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Verdict)
	fmt.Println(r.Reason)
	// Output:
	// violation
	// reliable-put step 1: Put("k", "b", 0) = OK, want ErrVersion
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
