package sim

import (
	"bytes"
	"encoding/gob"
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

// A dispatcher by reflection is the course's labrpc, which gob-encodes
// the caller's args and decodes them into the handler's type, and the
// reverse for the reply: the caller's types need only match the
// handler's field by field name, as a student's own copy of a reply
// struct does. Values of the handler's very types take gobwire's copy;
// others a real gob round trip, whose errors (no field in common) the
// call reports.

func (h *reflectHandler) request(args, reply any) (any, error) {
	at, rt := reflect.PointerTo(h.argw.Type()), reflect.PointerTo(h.replyw.Type())
	if !isPointer(args) {
		return nil, fmt.Errorf("args is %T, want %v", args, at)
	}
	if !isPointer(reply) {
		return nil, fmt.Errorf("reply is %T, want %v", reply, rt)
	}
	req := &reflectRequest{args: reflect.New(h.argw.Type()).Interface(), reply: reflect.New(h.replyw.Type()).Interface()}
	if reflect.TypeOf(args) == at {
		return req, h.argw.IntoZero(req.args, args)
	}
	if err := gobInto(req.args, args); err != nil {
		return nil, fmt.Errorf("args is %T, which does not decode as %v: %v", args, at, err)
	}
	return req, nil
}

func (h *reflectHandler) args(req any) any { return req.(*reflectRequest).args }

func (h *reflectHandler) invoke(req any) any {
	r := req.(*reflectRequest)
	h.fn(r.args, r.reply)
	return r.reply
}

func (h *reflectHandler) copyReply(dst, src any) error {
	if reflect.TypeOf(dst) == reflect.TypeOf(src) {
		return h.replyw.Into(dst, src)
	}
	if err := gobInto(dst, src); err != nil {
		return fmt.Errorf("reply is %T, into which %T does not decode: %v", dst, src, err)
	}
	return nil
}

// isPointer reports whether v is a non-nil pointer.
func isPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && !rv.IsNil()
}

// gobInto decodes into dst what gob encodes of src.
func gobInto(dst, src any) error {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(src); err != nil {
		return err
	}
	return gob.NewDecoder(&b).Decode(dst)
}
