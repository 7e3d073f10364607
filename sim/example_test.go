package sim_test

import (
	"fmt"
	"time"

	"github.com/kvsim/kvsim/sim"
)

type echoArgs struct{ Text string }
type echoReply struct{ Text string }

// A client calls a server over a lossy network and retries until it gets a
// reply. The run is a pure function of the seed: same seed, same output.
func Example() {
	w := sim.New(7, sim.Options{Faults: sim.Faults{DropRequest: 0.5, DropReply: 0.5}})
	srv := w.NewServer("echo")
	handled := 0
	sim.Handle(srv, "Echo.Say", func(args *echoArgs, reply *echoReply) {
		handled++
		reply.Text = args.Text + "!"
	})
	w.Spawn("client", func(p *sim.Proc) {
		for attempt := 1; ; attempt++ {
			var reply echoReply
			if p.Call("echo", "Echo.Say", &echoArgs{Text: "hello"}, &reply) {
				fmt.Printf("%s after %d attempts at %v\n", reply.Text, attempt, p.Now())
				return
			}
			p.Sleep(10 * time.Millisecond)
		}
	})
	r := w.Run()
	fmt.Println(r.Status, "- handler ran", handled, "times")
	// Output:
	// hello! after 2 attempts at 112ms
	// done - handler ran 2 times
}
