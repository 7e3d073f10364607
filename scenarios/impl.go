package scenarios

import (
	"fmt"
	"strings"

	"github.com/kvsim/kvsim/clerk"
	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/lock"
)

// Impl is a pluggable implementation of the service: the server, how a
// client builds its clerk, and how it builds a lock on that clerk. Plug in
// your own by filling these in; nil fields take the reference's.
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

// withDefaults fills the fields an implementation left nil from the reference.
func (im Impl) withDefaults() Impl {
	ref := Reference()
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

// ZooPrefix starts the name of every implementation in the bug zoo.
const ZooPrefix = "zoo/"

// Impls returns the reference followed by the bug zoo, by name.
func Impls() []Impl {
	return append([]Impl{Reference()}, Zoo()...)
}

// LookupImpl finds an implementation by name ("reference" or "zoo/NAME").
func LookupImpl(name string) (Impl, error) {
	return lookup("implementation", name, Impls(), func(im Impl) string { return im.Name })
}

// lookup finds the item called name, or says which names there are.
func lookup[T any](kind, name string, items []T, nameOf func(T) string) (T, error) {
	names := make([]string, len(items))
	for i, it := range items {
		if nameOf(it) == name {
			return it, nil
		}
		names[i] = nameOf(it)
	}
	var zero T
	return zero, fmt.Errorf("unknown %s %q (have: %s)", kind, name, strings.Join(names, ", "))
}
