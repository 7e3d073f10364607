package kvsim

import (
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/kvsim/kvsim/clerk"
	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/lock"
)

// Impl is a pluggable implementation of the service: the server, how a
// client builds its clerk, and how it builds a lock on that clerk. Plug in
// your own by filling these in; nil fields take the reference's. Its Name
// labels every result, repro line and report of its runs.
type Impl struct {
	Name string
	// Doc says what the implementation is; for a zoo bug, what the mistake
	// is and which check catches it.
	Doc string
	// NewServer returns a fresh server for one run.
	NewServer func() rpc.Server
	// NewClerk returns a clerk that reaches server through c and waits
	// through s.
	NewClerk func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk
	// NewLock returns owner's handle on the lock stored at key.
	NewLock func(ck rpc.Clerk, s rpc.Sleeper, key, owner string) rpc.Locker
	// ServerBlocks says the server's handlers may wait (on a lock held by
	// another handler or goroutine, a channel, a timer): in simulation each
	// request then runs as a goroutine of the server's machine, as a real
	// RPC server runs it in a goroutine of its own, and NewServer is called
	// as the machine starts, so the goroutines it starts are the machine's.
	// Otherwise each handler runs to completion as its request arrives.
	ServerBlocks bool

	// Servers, when more than 1, makes the service a cluster of that many
	// servers (DrawnServers: of a size each run draws among ClusterSizes),
	// each on a machine of its own named ServerNames(Servers)[i]:
	// NewReplica makes each server (again at each restart), and
	// NewClusterClerk each client's clerk, given every server's name.
	// NewServer and NewClerk are then unused, and the servers' handlers
	// may wait, as with ServerBlocks.
	Servers int
	// NewReplica starts one server of a cluster as its machine starts.
	// node is what the host gives it: a *harness.Node of package
	// raft/harness (its ends to every server, its index, its Persister),
	// which this package, knowing no simulator type, does not name.
	NewReplica func(node any) rpc.Server
	// NewClusterClerk returns a clerk that reaches the servers named
	// servers through c and waits through s.
	NewClusterClerk func(c rpc.Caller, s rpc.Sleeper, servers []string) rpc.Clerk
	// CourseCalls says a cluster's code was written for the course's
	// network (labrpc): a call has no timeout, it waits as long as its
	// handler takes and fails only when its request or reply is lost or
	// its link is cut. Otherwise a cluster's calls time out, as over a
	// real RPC library.
	CourseCalls bool
}

// Cluster reports whether the implementation is a cluster of servers.
func (im Impl) Cluster() bool { return im.Servers > 1 || im.Servers == DrawnServers }

// CallsWait reports whether the implementation's calls have no timeout
// (CourseCalls, for a cluster): each waits for its handler, and fails only
// when its request or reply is lost or its link cut.
func (im Impl) CallsWait() bool { return im.Cluster() && im.CourseCalls }

// DrawnServers, as Impl.Servers, makes the service a cluster whose size
// each run draws among ClusterSizes, from the run's stream "cluster/size".
const DrawnServers = -1

// ClusterSizes are the sizes a run draws for a cluster of DrawnServers:
// the course's 3 and 5, and 7.
func ClusterSizes() []int { return []int{3, 5, 7} }

// ServerNames are the names of the servers of a service of n servers:
// ServerName for one, "server0", "server1", ... for a cluster.
func ServerNames(n int) []string {
	if n <= 1 {
		return []string{ServerName}
	}
	names := make([]string, n)
	for i := range names {
		names[i] = ServerName + strconv.Itoa(i)
	}
	return names
}

// ReferenceName is the name of the reference implementation.
const ReferenceName = "reference"

// ServerName is the name a clerk is given for the key/value server
// (Impl.NewClerk's server), in simulation and stress mode alike.
const ServerName = "server"

// Reference is the implementation in packages kv, clerk and lock.
func Reference() Impl {
	return Impl{
		Name:      ReferenceName,
		Doc:       "the reference server (kv), clerk (clerk) and lock (lock)",
		NewServer: func() rpc.Server { return kv.NewServer() },
		NewClerk: func(c rpc.Caller, s rpc.Sleeper, server string) rpc.Clerk {
			return clerk.New(c, s, server, clerk.Options{})
		},
		NewLock: func(ck rpc.Clerk, s rpc.Sleeper, key, owner string) rpc.Locker {
			return lock.NewWithOptions(ck, key, owner, lock.Options{Sleeper: s})
		},
	}
}

// WithDefaults fills the fields an implementation left empty from the
// reference; an unnamed implementation is the reference.
func (im Impl) WithDefaults() Impl {
	ref := Reference()
	if im.Name == "" {
		im.Name = ref.Name
	}
	if im.NewServer == nil {
		im.NewServer = ref.NewServer
	}
	if im.NewClerk == nil {
		im.NewClerk = ref.NewClerk
	}
	if im.NewLock == nil {
		im.NewLock = ref.NewLock
	}
	return im
}

// Spec is a run's identity: the names of everything a run depends on. Every
// result, repro line, regression entry and report carries one; a front
// door's catalogue turns one back into the run. Two runs with equal Specs
// (and the same implementation code) are the same run.
type Spec struct {
	Scenario string `json:"scenario"`
	Seed     uint64 `json:"seed"`
	Faults   string `json:"faults"`
	Impl     string `json:"impl"`
	// Strategy is "" for uniform random exploration, or a named strategy.
	Strategy string `json:"strategy,omitempty"`
}

// String is the Spec as "key=value" words, the form of summaries.
func (s Spec) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s seed=%d faults=%s impl=%s", s.Scenario, s.Seed, s.Faults, s.Impl)
	if s.Strategy != "" {
		fmt.Fprintf(&b, " strategy=%s", s.Strategy)
	}
	return b.String()
}

// Flags returns the spec's non-empty fields as name/value pairs in a fixed
// order: the flags of a command line that replays it.
func (s Spec) Flags() [][2]string {
	all := [][2]string{
		{"scenario", s.Scenario},
		{"seed", strconv.FormatUint(s.Seed, 10)},
		{"faults", s.Faults},
		{"impl", s.Impl},
		{"strategy", s.Strategy},
	}
	flags := all[:0]
	for _, f := range all {
		if f[1] != "" {
			flags = append(flags, f)
		}
	}
	return flags
}

// Verdict is what a run comes to, or what a finding of a check says of
// it. Failed reports whether it counts as a failure; Unknown does: a
// checker that gave up has not shown the history is linearizable.
type Verdict string

const (
	OK        Verdict = "ok"
	Violation Verdict = "violation" // a check failed
	Unknown   Verdict = "unknown"   // a checker gave up (timed out): never a pass
	Panic     Verdict = "panic"     // the implementation panicked
	Stuck     Verdict = "stuck"     // no progress: liveness failed or the budget ran out
)

// Failed reports whether the verdict is a failure.
func (v Verdict) Failed() bool { return v != OK }

// Repro is what a user types to get a run back: the command line, its go
// test twin, and the go test line that has rapid shrink a failing run of
// the same scenario, profile and implementation to a minimal one. The
// front door that resolved the run's names writes it: only it knows the
// command that resolves them again.
type Repro struct {
	Run    string `json:"repro"`
	GoTest string `json:"go_test,omitempty"`
	Shrink string `json:"shrink,omitempty"`
}

// Version is the kvsim this program was built from: the module's version
// when installed from a release, else the commit of the checkout it was
// built in ("+dirty" when the checkout had changes), else "(devel)". A
// repro line replays its run only with the same kvsim (a new version may
// draw a seed's run differently), so every failure says which it was.
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev string
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "(devel)"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "+dirty"
	}
	return rev
}
