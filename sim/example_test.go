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
	w := sim.New(5, sim.Options{Faults: sim.Faults{DropRequest: 0.5, DropReply: 0.5}})
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

// holdFirstReply holds the reply to the first call until just after that
// call times out, so it arrives while the caller retries.
type holdFirstReply struct{}

func (holdFirstReply) Request(*sim.Message) sim.MessageFault { return sim.MessageFault{} }

func (holdFirstReply) Reply(m *sim.Message) sim.MessageFault {
	return sim.MessageFault{Hold: m.Call == 1}
}

// A Nemesis aims a fault at one message: here the first reply is held past
// its call's timeout, so the handler ran but the caller retries, and the
// stale reply arrives while the retry is in flight.
func ExampleNemesis() {
	w := sim.New(1, sim.Options{Nemesis: holdFirstReply{}, Trace: true})
	runs := 0
	sim.Handle(w.NewServer("echo"), "Echo.Say", func(args *echoArgs, reply *echoReply) {
		runs++
		reply.Text = args.Text
	})
	w.Spawn("client", func(p *sim.Proc) {
		for !p.Call("echo", "Echo.Say", &echoArgs{Text: "hi"}, &echoReply{}) {
		}
	})
	r := w.Run()
	for _, rec := range w.Records() {
		if rec.Kind.IsFault() || rec.Kind == sim.RecTimeout || rec.Kind == sim.RecLate {
			fmt.Println(rec)
		}
	}
	fmt.Println("handler ran", runs, "times;", r.Stats.Count(sim.RecNemesisHold), "reply held")
	// Output:
	// 1.000000ms nemesis-hold #1 client->echo Echo.Say reply
	//   100.000000ms timeout      #1 client->echo Echo.Say
	//   100.000001ms late-reply   #1 client<-echo Echo.Say
	// handler ran 2 times; 1 reply held
}

// SwarmFaults draws a fault model per seed; Faults.String prints it.
func ExampleSwarmFaults() {
	for seed := range uint64(3) {
		fmt.Println(sim.SwarmFaults(sim.NewPCG(seed), 2*time.Second))
	}
	// Output:
	// jitter=8ms,drop-req=0.10,drop-reply=0.30,dup=0.50,tail=0.50/172ms,partition=568ms/593ms,pause=188ms/245.5ms
	// jitter=2ms,drop-reply=0.40,dup=0.30,tail=0.50/341ms,pause=540ms/87ms,deschedule=0.01/29ms
	// jitter=2ms,drop-req=0.35,drop-reply=0.35,dup=0.25,tail=0.50/453ms,partition=214ms/430ms,preempt=0.15/30ms,deschedule=0.05/47ms
}
