package harness

import "github.com/kvsim/kvsim/sim"

// Node is one server of a replicated service as its host starts it on a
// machine (the course's StartKVServer(servers, gid, me, persister,
// maxraftstate) arguments, less what the service chooses itself): an end
// to every server of the cluster, by index, its own among them; its index;
// its machine's Persister; and its machine's endpoint, on which Serve
// registers the handlers of what runs beneath the service (its Raft).
//
// A host (package scenarios) makes a Node each time the machine starts,
// so a restarted server gets fresh ends and the Persister its last
// incarnation saved.
type Node struct {
	Ends      []*End
	Me        int
	Persister *Persister
	srv       *sim.Server
}

// NewNode is server me of the cluster whose servers are named names,
// starting on machine m of w.
func NewNode(w *sim.World, m *sim.Machine, names []string, me int) *Node {
	ends := make([]*End, len(names))
	for i, name := range names {
		ends[i] = NewEnd(w, name)
	}
	return &Node{Ends: ends, Me: me, Persister: NewPersister(w, m.Persister()), srv: m.Server()}
}

// World is the world the node's machine runs in.
func (n *Node) World() *sim.World { return n.Persister.World() }

// Serve registers rcvr's handlers on the node's endpoint as labrpc's
// MakeService finds them ("Raft.AppendEntries", ...), as the tester serves
// a Raft: the Raft a Wrapper stands for, if rcvr is one.
func (n *Node) Serve(rcvr any) { n.serve(rcvr, func(string) {}) }

// serve is Serve, with each handled request reported to handled.
func (n *Node) serve(rcvr any, handled func(method string)) {
	if wr, ok := rcvr.(Wrapper); ok {
		rcvr = wr.Unwrap()
	}
	serve(n.srv, rcvr, handled)
}
