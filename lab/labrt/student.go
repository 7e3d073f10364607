package labrt

import (
	"fmt"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kv/rpc"
)

// Student is a course-style implementation: the student's constructors,
// as the generated program finds them in the folder.
type Student struct {
	// Name names the implementation in results ("lab/<folder>").
	Name string
	// Dir is the folder as the user named it, for repro lines.
	Dir string
	// NewServer is kvsrv.MakeKVServer.
	NewServer func() rpc.Server
	// NewClerk is kvsrv.MakeClerk.
	NewClerk func(clnt *Clnt, server string) rpc.Clerk
	// NewLock is lock.MakeLock; nil when the folder has no lock, which
	// leaves the reference's.
	NewLock func(ck rpc.Clerk, key string) rpc.Locker
}

// impl is the student's code as a kvsim.Impl running in this process. Its
// server runs each request as a goroutine of its machine, as the course's
// network runs each in a goroutine of its own, so a handler may wait on a
// lock or a channel.
func (st Student) impl() kvsim.Impl {
	im := kvsim.Impl{
		Name:         st.Name,
		Doc:          "the course-style folder " + st.Dir,
		NewServer:    st.NewServer,
		ServerBlocks: true,
		NewClerk: func(c rpc.Caller, _ rpc.Sleeper, srv string) rpc.Clerk {
			return st.NewClerk(&Clnt{c}, srv)
		},
	}
	if st.NewLock != nil {
		im.NewLock = func(ck rpc.Clerk, _ rpc.Sleeper, key, _ string) rpc.Locker {
			return st.NewLock(ck, key)
		}
	}
	return im
}

// ServerOf is the key/value server among what the folder's StartKVServer
// returned (a []tester.IService or a []any): the first that has the Get
// and Put handlers.
func ServerOf[S any](services []S) rpc.Server {
	for _, s := range services {
		if srv, ok := any(s).(rpc.Server); ok {
			return srv
		}
	}
	panic(fmt.Sprintf("kvsim lab: StartKVServer returned %d services, none with Get(*rpc.GetArgs, *rpc.GetReply) and Put(*rpc.PutArgs, *rpc.PutReply) handlers", len(services)))
}
