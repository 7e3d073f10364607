package labrt

import (
	"fmt"
	"reflect"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/sim"
)

// A folder whose rpc/rpc.go adds fields to the course's wire types (a
// request id for duplicate detection, say) speaks its own types: its clerk
// sends them and its server's handlers take them. ownWire serves such a
// server: it registers the handlers with the folder's types, so the
// simulated network carries every field the folder added, as net/rpc
// would, and it answers kvsim's direct calls (a scenario's final reads) by
// the course's field names.

// studentServer is a server with the course's handlers over the folder's
// own wire types.
type studentServer[GA, GR, PA, PR any] interface {
	Get(args *GA, reply *GR)
	Put(args *PA, reply *PR)
}

type ownWire[GA, GR, PA, PR any] struct {
	s studentServer[GA, GR, PA, PR]
}

// OwnWire serves s, whose handlers take the folder's own wire types.
func OwnWire[GA, GR, PA, PR any](s studentServer[GA, GR, PA, PR]) rpc.Server {
	return ownWire[GA, GR, PA, PR]{s}
}

// OwnServerOf is ServerOf for a folder with its own wire types.
func OwnServerOf[GA, GR, PA, PR, S any](services []S) rpc.Server {
	for _, s := range services {
		if srv, ok := any(s).(studentServer[GA, GR, PA, PR]); ok {
			return OwnWire(srv)
		}
	}
	panic(fmt.Sprintf("kvsim lab: StartKVServer returned %d services, none with the Get and Put handlers of the folder's rpc types", len(services)))
}

// Handlers registers the student's handlers on srv (see
// scenarios.OwnHandlers).
func (o ownWire[GA, GR, PA, PR]) Handlers(srv *sim.Server) {
	sim.Handle(srv, rpc.MethodGet, o.get)
	sim.Handle(srv, rpc.MethodPut, o.put)
}

func (o ownWire[GA, GR, PA, PR]) get(args *GA, reply *GR) {
	o.s.Get(args, reply)
}

func (o ownWire[GA, GR, PA, PR]) put(args *PA, reply *PR) {
	o.s.Put(args, reply)
}

// Get is a direct call, as a scenario's final read makes: the course's
// fields go in and come out by name.
func (o ownWire[GA, GR, PA, PR]) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	var a GA
	var r GR
	setField(&a, "Key", args.Key)
	o.get(&a, &r)
	reply.Value = getField[string](&r, "Value")
	reply.Version = getField[rpc.Tversion](&r, "Version")
	reply.Err = getField[rpc.Err](&r, "Err")
}

// Put is a direct call (see Get).
func (o ownWire[GA, GR, PA, PR]) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	var a PA
	var r PR
	setField(&a, "Key", args.Key)
	setField(&a, "Value", args.Value)
	setField(&a, "Version", args.Version)
	o.put(&a, &r)
	reply.Err = getField[rpc.Err](&r, "Err")
}

// setField sets the field name of *p to v; the folder's types keep the
// course's fields, which the build checked.
func setField[T, V any](p *T, name string, v V) {
	reflect.ValueOf(p).Elem().FieldByName(name).Set(reflect.ValueOf(v))
}

func getField[V, T any](p *T, name string) V {
	return reflect.ValueOf(p).Elem().FieldByName(name).Interface().(V)
}
