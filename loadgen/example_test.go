package loadgen_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/netrpc"
	"github.com/kvsim/kvsim/loadgen"
)

// Two clients do 50 operations each against a real server on a loopback
// port; the run is checked: the Clerk's contract and the history's
// linearizability.
func Example() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := netrpc.NewServer(kv.NewServer(), netrpc.ServerOptions{})
	go srv.Serve(ln)
	defer srv.Close()

	res, err := loadgen.Run(context.Background(), loadgen.Options{
		Addr: ln.Addr().String(), Clients: 2, Ops: 50, Keys: 2, Seed: 1, KeyPrefix: "example/",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	out := res.Check(true, time.Minute)
	fmt.Println(len(res.Ops), "ops,", len(out.Findings), "failures, linearizability", out.KV.Verdict)
	// Output:
	// 100 ops, 0 failures, linearizability Ok
}
