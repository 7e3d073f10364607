package labrt

import (
	"fmt"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/scenarios"
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

// impl is the student's code as a kvsim.Impl running in this process:
// every entry point records the process it runs in.
func (st Student) impl() kvsim.Impl {
	im := kvsim.Impl{
		Name: st.Name,
		Doc:  "the course-style folder " + st.Dir,
		NewServer: func() rpc.Server {
			s := st.NewServer()
			if _, own := s.(scenarios.OwnHandlers); own {
				return s // it keeps world.current itself
			}
			return server{s}
		},
		NewClerk: func(c rpc.Caller, s rpc.Sleeper, srv string) rpc.Clerk {
			enter(s)
			return clerk{st.NewClerk(&Clnt{c: c, s: s}, srv), s}
		},
	}
	if st.NewLock != nil {
		im.NewLock = func(ck rpc.Clerk, s rpc.Sleeper, key, _ string) rpc.Locker {
			enter(s)
			return locker{st.NewLock(ck, key), s}
		}
	}
	return im
}

// server runs the student's handlers outside any client process.
type server struct{ s rpc.Server }

func (v server) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	defer enter(handling())
	v.s.Get(args, reply)
}

func (v server) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	defer enter(handling())
	v.s.Put(args, reply)
}

type clerk struct {
	ck rpc.Clerk
	s  rpc.Sleeper
}

func (c clerk) Get(key string) (string, rpc.Tversion, rpc.Err) {
	enter(c.s)
	return c.ck.Get(key)
}

func (c clerk) Put(key, value string, version rpc.Tversion) rpc.Err {
	enter(c.s)
	return c.ck.Put(key, value, version)
}

type locker struct {
	l rpc.Locker
	s rpc.Sleeper
}

func (l locker) Acquire() {
	enter(l.s)
	l.l.Acquire()
}

func (l locker) Release() {
	enter(l.s)
	l.l.Release()
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
