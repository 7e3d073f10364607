package scenarios

import (
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
	// Repro, if set, says how to replay a run of this implementation: the
	// lab and the go test harness know commands the kvsim CLI does not.
	// Nil means CLIRepro, right for implementations the CLI knows by name.
	Repro func(Spec) Repro
	// Isolate, if set, makes every run of this implementation; run makes
	// it in this process. The lab sets it: student code keeps its world in
	// package-level state, so each process runs one world at a time and
	// the others go to worker processes.
	Isolate func(cfg Config, run func() Result) Result
}

// ReferenceName is the name of the reference implementation.
const ReferenceName = "reference"

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
	if im.Repro == nil {
		im.Repro = CLIRepro
	}
	return im
}
