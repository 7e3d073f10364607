package sim

import (
	"fmt"
	"reflect"

	"github.com/kvsim/kvsim/sim/gobwire"
)

// HandleReflect registers fn as the handler of method name on s, for
// argument and reply types known only at run time: a dispatcher that finds
// a service's methods by reflection, as net/rpc and the course's labrpc
// do, registers each this way. Calls must pass args of type *A and reply
// of type *R, where A is argsType and R replyType; fn receives a fresh *A
// and a fresh zero *R (as any) and fills the reply. Values cross the
// network exactly as they do for Handle.
func HandleReflect(s *Server, name string, argsType, replyType reflect.Type, fn func(args, reply any)) {
	if _, dup := s.methods[name]; dup {
		panic(fmt.Sprintf("sim: method %s already registered on %s", name, s.ep.name))
	}
	h := &reflectHandler{argw: gobwire.NewValue(argsType), replyw: gobwire.NewValue(replyType), fn: fn}
	s.methods[name] = &method{name: name, server: s.ep, ops: h}
}

// reflectHandler is a handler registered with HandleReflect.
type reflectHandler struct {
	argw, replyw *gobwire.Value
	fn           func(args, reply any)
}

// reflectRequest is what a server decodes from one delivery.
type reflectRequest struct{ args, reply any }

// Format prints the arguments, for the trace.
func (r *reflectRequest) Format(f fmt.State, verb rune) { fmt.Fprintf(f, "%+v", r.args) }

func (h *reflectHandler) request(args, reply any) (any, error) {
	at, rt := reflect.PointerTo(h.argw.Type()), reflect.PointerTo(h.replyw.Type())
	if reflect.TypeOf(args) != at || reflect.ValueOf(args).IsNil() {
		return nil, fmt.Errorf("args is %T, want %v", args, at)
	}
	if reflect.TypeOf(reply) != rt || reflect.ValueOf(reply).IsNil() {
		return nil, fmt.Errorf("reply is %T, want %v", reply, rt)
	}
	req := &reflectRequest{args: reflect.New(h.argw.Type()).Interface(), reply: reflect.New(h.replyw.Type()).Interface()}
	return req, h.argw.IntoZero(req.args, args)
}

func (h *reflectHandler) args(req any) any { return req.(*reflectRequest).args }

func (h *reflectHandler) invoke(req any) any {
	r := req.(*reflectRequest)
	h.fn(r.args, r.reply)
	return r.reply
}

func (h *reflectHandler) copyReply(dst, src any) error { return h.replyw.Into(dst, src) }
