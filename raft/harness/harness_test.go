package harness

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kvsim/kvsim/sim"
)

// toy is a Raft that is not one: Start calls Toy.Echo on every peer
// from a goroutine it starts, and keeps what came back; its state
// survives crashes in the Persister.
type toy struct {
	w       *sim.World
	me      int
	peers   []*End
	ps      *Persister
	applyCh *sim.Chan[ApplyMsg]
	got     *[]string // what its calls returned, kept by the test across incarnations
	killed  *int
}

type EchoArgs struct {
	Text   string
	hidden int
}
type EchoReply struct{ Text string }

func (t *toy) Echo(args *EchoArgs, reply *EchoReply) {
	reply.Text = fmt.Sprintf("s%d:%s:%d", t.me, args.Text, args.hidden)
}

func (t *toy) ByValue(args EchoArgs, reply *EchoReply) { reply.Text = "v:" + args.Text }

func (t *toy) NotAHandler(args *EchoArgs) {}

func (t *toy) Start(cmd any) (int, int, bool) {
	t.ps.Save([]byte(fmt.Sprint(cmd)), nil)
	t.w.Go(func() {
		for j, p := range t.peers {
			var reply EchoReply
			ok := p.Call("toy.Echo", &EchoArgs{Text: fmt.Sprint(cmd), hidden: 1}, &reply)
			*t.got = append(*t.got, fmt.Sprintf("s%d->s%d %v %s", t.me, j, ok, reply.Text))
		}
		if n, ok := cmd.(int); ok { // apply it, at index 1
			t.applyCh.Send(ApplyMsg{CommandValid: true, Command: n, CommandIndex: 1})
		}
	})
	return 0, 0, false // not a leader: the checks see no Start
}
func (t *toy) GetState() (int, bool)        { return len(t.ps.ReadRaftState()), t.me == 0 }
func (t *toy) Snapshot(int, []byte)         {}
func (t *toy) PersistBytes() int            { return t.ps.RaftStateSize() }
func (t *toy) Kill()                        { *t.killed++ }
func (t *toy) String() string               { return "toy" }
func (t *toy) Bad(args *EchoArgs) EchoReply { return EchoReply{} }

func toyCluster(w *sim.World, n int, got *[]string, killed *int) *Cluster {
	return New(w, Config{Servers: n, Make: func(peers []*End, me int, ps *Persister, applyCh *sim.Chan[ApplyMsg]) Raft {
		return &toy{w: ps.World(), me: me, peers: peers, ps: ps, applyCh: applyCh, got: got, killed: killed}
	}})
}

// TestClusterPlumbing: handlers are found by reflection and named as
// labrpc names them; a goroutine Start starts belongs to the server (its
// calls come from its endpoint, cut off when it is); crash stops a
// server, calls Kill, and its calls fail; restart keeps the Persister;
// partitions cut exactly across; every handled request is counted.
func TestClusterPlumbing(t *testing.T) {
	w := sim.New(1, sim.Options{})
	var got []string
	killed := 0
	c := toyCluster(w, 3, &got, &killed)
	var names []string
	w.Spawn("tester", func(p *sim.Proc) {
		var reply EchoReply
		names = append(names, fmt.Sprint(p.Call("s1", "toy.ByValue", &EchoArgs{Text: "x"}, &reply), " ", reply.Text))
		round := func(i int, cmd string) {
			got = got[:0]
			c.Start(i, cmd)
			c.Sleep(300 * 1e6)
			names = append(names, strings.Join(got, ", "))
		}
		round(1, "a")
		c.Disconnect(2)
		round(0, "b")
		c.Connect(2)
		c.Crash(1)
		if _, _, up := c.GetState(1); up {
			t.Error("a crashed server answered GetState")
		}
		round(2, "c")
		c.Restart(1)
		c.ConnectAll()
		term, _, up := c.GetState(1)
		names = append(names, fmt.Sprintf("restarted: up %v, persisted %d bytes", up, term))
		c.Partition([]int{0, 1}, []int{2})
		round(1, "d")
	})
	r := w.Run()
	if r.Status != sim.Done || c.Violation() != nil {
		t.Fatalf("%v: %s %v", r.Status, r.Reason, c.Violation())
	}
	want := []string{
		"true v:x",
		"s1->s0 true s0:a:0, s1->s1 true s1:a:0, s1->s2 true s2:a:0",
		"s0->s0 true s0:b:0, s0->s1 true s1:b:0, s0->s2 false ",
		"s2->s0 true s0:c:0, s2->s1 false , s2->s2 true s2:c:0",
		"restarted: up true, persisted 1 bytes",
		"s1->s0 true s0:d:0, s1->s1 true s1:d:0, s1->s2 false ",
	}
	if !slices.Equal(names, want) {
		t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(names, "\n\t"), strings.Join(want, "\n\t"))
	}
	if killed != 1 {
		t.Errorf("Kill called %d times, want 1", killed)
	}
	if n := c.RPCTotal(); n != 1+3+2+2+2 {
		t.Errorf("%d requests counted, want 10", n)
	}
}

// wrapped stands for a toy, as the lab completes a student's Raft.
type wrapped struct{ Raft }

func (w wrapped) Unwrap() any { return w.Raft }

// TestWrapperServesWhatItWraps: the RPCs of a Raft that Make returns
// wrapped are the wrapped Raft's.
func TestWrapperServesWhatItWraps(t *testing.T) {
	w := sim.New(1, sim.Options{})
	var got []string
	killed := 0
	New(w, Config{Servers: 2, Make: func(peers []*End, me int, ps *Persister, applyCh *sim.Chan[ApplyMsg]) Raft {
		return wrapped{&toy{w: ps.World(), me: me, peers: peers, ps: ps, applyCh: applyCh, got: &got, killed: &killed}}
	}})
	w.Spawn("tester", func(p *sim.Proc) {
		var reply EchoReply
		got = append(got, fmt.Sprint(p.Call("s1", "toy.Echo", &EchoArgs{Text: "x"}, &reply), " ", reply.Text))
	})
	if r := w.Run(); r.Status != sim.Done || !slices.Equal(got, []string{"true s1:x:0"}) {
		t.Errorf("%v %s: %v", r.Status, r.Reason, got)
	}
}

// TestServeFindsLabrpcsHandlers: exactly the methods labrpc's
// MakeService takes.
func TestServeFindsLabrpcsHandlers(t *testing.T) {
	w := sim.New(1, sim.Options{})
	var names []string
	w.NewMachine("m", func(m *sim.Machine) { names = serve(m.Server(), &toy{}, func(string) {}) })
	if want := []string{"toy.ByValue", "toy.Echo"}; !slices.Equal(names, want) {
		t.Errorf("registered %v, want %v", names, want)
	}
}

// TestFailEndsTheRun: the tester's failure and a check's violation end
// the run at once and are the run's Violation.
func TestFailEndsTheRun(t *testing.T) {
	w := sim.New(1, sim.Options{})
	var got []string
	killed := 0
	c := toyCluster(w, 3, &got, &killed)
	after := false
	w.Spawn("tester", func(p *sim.Proc) {
		c.Start(0, 7)
		c.Start(1, 8) // s1 applies 8 at index 1, where s0 applied 7
		c.Sleep(1e9)
		after = true
	})
	r := w.Run()
	v := c.Violation()
	if r.Status != sim.Panic || v == nil || after {
		t.Fatalf("%v %v, after %v", r.Status, v, after)
	}
	if v.Check != "state-machine-safety" || !strings.Contains(v.Error(), "s1 applied 8 at index 1, but s0 applied 7 there") {
		t.Errorf("violation %v", v)
	}

	w = sim.New(1, sim.Options{})
	c = toyCluster(w, 3, &got, &killed)
	w.Spawn("tester", func(p *sim.Proc) { c.Fail("no leader in %d tries", 3) })
	w.Run()
	if v := c.Violation(); v == nil || v.Error() != "tester: at 0s: no leader in 3 tries" {
		t.Errorf("violation %v", v)
	}
}

// TestSnapshotEncoding: the tester's snapshots read back as written, and
// what it did not write is refused.
func TestSnapshotEncoding(t *testing.T) {
	logs := []any{nil, 5, -3, nil, 1 << 40}
	b := encodeSnapshot(4, logs, []bool{false, true, true, false, true})
	index, cmds, err := decodeSnapshot(b)
	if err != nil || index != 4 || fmt.Sprint(cmds) != "[<nil> 5 -3 <nil> 1099511627776]" {
		t.Errorf("decoded %d %v %v", index, cmds, err)
	}
	for _, bad := range [][]byte{nil, {9}, append(b, 0), b[:len(b)-1], {1, 7}} {
		if _, _, err := decodeSnapshot(bad); err == nil {
			t.Errorf("decoded %v", bad)
		}
	}
}

// TestSetReliable: SetReliable and SetLongReordering change the course's
// network as the course's tester does (the loss, not the long delays;
// the reordering), and leave any other network as it is.
func TestSetReliable(t *testing.T) {
	var got []string
	killed := 0
	for _, f := range []sim.Faults{sim.Faults{}.With(sim.CourseNet, CourseUnreliable), {}} {
		w := sim.New(1, sim.Options{Faults: f})
		c := toyCluster(w, 3, &got, &killed)
		course := f.Level(sim.CourseNet) != sim.Level{}
		for _, step := range []struct {
			do        func()
			net, reor sim.Level
		}{
			{func() { c.SetReliable(true) }, CourseReliable, sim.Level{}},
			{func() { c.SetLongReordering(true) }, CourseReliable, CourseLongReordering},
			{func() { c.SetReliable(false) }, CourseUnreliable, CourseLongReordering},
			{func() { c.SetLongReordering(false) }, CourseUnreliable, sim.Level{}},
		} {
			step.do()
			if !course {
				step.net, step.reor = sim.Level{}, sim.Level{}
			}
			if net, reor := w.Level(sim.CourseNet), w.Level(sim.CourseReorder); net != step.net || reor != step.reor {
				t.Errorf("%v: course-net %v, course-reorder %v; want %v, %v", f, net, reor, step.net, step.reor)
			}
		}
	}
}

// TestBounceLeavesARestartedServer: a bounce of a server cut off, whose
// server another goroutine brings back and connects while it is down (a
// scenario ending its faults), leaves it up and connected; a bounce
// alone restarts its server as it found it, cut off.
func TestBounceLeavesARestartedServer(t *testing.T) {
	w := sim.New(1, sim.Options{})
	var got []string
	killed := 0
	c := toyCluster(w, 3, &got, &killed)
	var states []string
	state := func() {
		_, _, up := c.GetState(1)
		states = append(states, fmt.Sprintf("up %v, connected %v, killed %d", up, c.Connected(1), killed))
	}
	w.Spawn("tester", func(p *sim.Proc) {
		c.Disconnect(1)
		c.Bounce(1, 10*time.Millisecond)
		state()
		done := sim.NewWaitGroup(w)
		done.Go(func() { c.Bounce(1, 20*time.Millisecond) })
		c.Sleep(10 * time.Millisecond)
		c.Restart(1)
		c.ConnectAll()
		done.Wait()
		state()
	})
	if r := w.Run(); r.Status != sim.Done || c.Violation() != nil {
		t.Fatalf("%v: %s %v", r.Status, r.Reason, c.Violation())
	}
	want := []string{"up true, connected false, killed 1", "up true, connected true, killed 2"}
	if !slices.Equal(states, want) {
		t.Errorf("got %q, want %q", states, want)
	}
}
