package labrt

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/kvsim/kvsim/kv"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/scenarios"
)

// An rsm folder (the course's kvraft1/rsm, on its raft1) has no key/value
// server of its own: kvsim runs its own over it, as the course's rsm tests
// run a counter. RSMServer is that server: the state machine the folder's
// MakeRSM takes (DoOp applies a Get or a Put to a kv.Server, Snapshot and
// Restore are its state), and Get and Put handlers that go through the
// folder's Submit. Its clerk is the reference replicated service's
// (package kvraft), so whatever a run finds is in the rsm or the Raft.

// Submitter is the folder's RSM as the server uses it.
type Submitter interface {
	Submit(req any) (rpc.Err, any)
}

// Request is what the server submits: a Get or a Put, with an id drawn
// from the run, so that the server can tell whether the rsm answered a
// Submit with what DoOp returned for that very request (the rsm's
// contract), not for another entry that took its place in the log.
type Request struct {
	Id  uint64
	Get *rpc.GetArgs
	Put *rpc.PutArgs
}

// RSMServer is kvsim's key/value server on a folder's rsm.
type RSMServer struct {
	kv  *kv.Server
	rsm Submitter
	rf  raftState // the rsm's Raft, asked whether it leads around a Submit
	// gaveUpOn are the requests whose Submit answered ErrWrongLeader
	// while the Raft led in one term throughout, each described, until
	// DoOp applies it; gaveUp counts those it applied, gaveUpFirst
	// describes the first.
	gaveUpOn    map[uint64]string
	gaveUp      int
	gaveUpFirst string
	// results are DoOp's results by request id, until the Submit that
	// sent the request takes its own (the others, sent by other servers,
	// stay: a run is short).
	mu      sync.Mutex
	results map[uint64]any
	// applied are the requests the state holds the effect of: part of
	// the state, so a snapshot carries them. An entry applied twice to
	// one state (a log replayed over a snapshot that holds it) breaks
	// the rsm's contract, though the versioned store would shrug a
	// second Put off: it answers ErrVersion and changes nothing.
	applied map[uint64]bool
}

// NewRSMServer returns a server whose state machine is empty; Attach
// gives it the RSM made with it.
func NewRSMServer() *RSMServer {
	// What Submit carries through Raft, as a kvraft1 server registers its
	// requests (labgob.Register) before it makes its RSM.
	gob.Register(Request{})
	return &RSMServer{kv: kv.NewServer(), results: map[uint64]any{}, applied: map[uint64]bool{}, gaveUpOn: map[uint64]string{}}
}

// Attach gives the server the RSM its requests go through, and that
// RSM's Raft.
func (s *RSMServer) Attach(rsm Submitter, rf raftState) { s.rsm, s.rf = rsm, rf }

// WarnSubmitGaveUp names the warning for an rsm whose Submit answered
// ErrWrongLeader while its Raft led in the same term before and after,
// and whose server applied the request: its caller was told to try
// elsewhere, though a leader never loses an entry of its own term. A
// versioned Put retried elsewhere is safe (ErrVersion, then the clerk's
// ErrMaybe), but under any other service the retried request is applied
// twice: the course's rsm tests count each Inc exactly and fail such an
// rsm on a reliable network. Giving up on a timeout is allowed (a leader
// cut off from the others may wait long), so this is a warning.
const WarnSubmitGaveUp = "rsm-submit-gave-up"

// countGaveUp counts a request Submit gave up on and the server applied,
// text describing it; mu is held.
func (s *RSMServer) countGaveUp(text string) {
	if s.gaveUp++; s.gaveUp == 1 {
		s.gaveUpFirst = text
	}
}

// Warnings are the server's warnings for the run (scenarios.Warner).
func (s *RSMServer) Warnings() []scenarios.Warning {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gaveUp == 0 {
		return nil
	}
	return []scenarios.Warning{{Name: WarnSubmitGaveUp, Text: s.gaveUpFirst, Count: s.gaveUp}}
}

// DoOp applies a committed request.
func (s *RSMServer) DoOp(req any) any {
	r, ok := req.(Request)
	if !ok {
		panic(fmt.Sprintf("kvsim lab: the rsm applied %#v, which no Submit of kvsim's server sent", req))
	}
	s.mu.Lock()
	again := s.applied[r.Id]
	s.applied[r.Id] = true
	if text, ok := s.gaveUpOn[r.Id]; ok {
		delete(s.gaveUpOn, r.Id)
		s.countGaveUp(text)
	}
	s.mu.Unlock()
	if again {
		panic(fmt.Sprintf("kvsim lab: rsm contract: the rsm applied %s twice to one state (a log entry replayed over a state that already holds it)", r))
	}
	var res any
	switch {
	case r.Get != nil:
		var reply rpc.GetReply
		s.kv.Get(r.Get, &reply)
		res = reply
	case r.Put != nil:
		var reply rpc.PutReply
		s.kv.Put(r.Put, &reply)
		res = reply
	}
	s.mu.Lock()
	s.results[r.Id] = res
	s.mu.Unlock()
	return res
}

// snapshot is the state machine's state as Snapshot encodes it.
type snapshot struct {
	KV      []byte
	Applied []uint64 // sorted, so that equal states encode alike
}

// Snapshot is the state machine's state.
func (s *RSMServer) Snapshot() []byte {
	s.mu.Lock()
	ids := make([]uint64, 0, len(s.applied))
	for id := range s.applied {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	slices.Sort(ids)
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(snapshot{KV: s.kv.State(), Applied: ids}); err != nil {
		panic(fmt.Sprintf("kvsim lab: encoding the state machine's snapshot: %v", err))
	}
	return b.Bytes()
}

// Restore replaces the state machine's state with a snapshot's.
func (s *RSMServer) Restore(b []byte) {
	var snap snapshot
	if len(b) == 0 {
		// An rsm may restore what its Persister holds before any
		// snapshot was taken: nothing, the empty state.
		snap.KV = kv.NewServer().State()
	} else if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&snap); err != nil {
		panic(fmt.Sprintf("kvsim lab: the rsm restored a snapshot that is not one of Snapshot's: %v", err))
	}
	if err := s.kv.SetState(snap.KV); err != nil {
		panic(fmt.Sprintf("kvsim lab: the rsm restored a snapshot that is not one of Snapshot's: %v", err))
	}
	s.mu.Lock()
	clear(s.applied)
	for _, id := range snap.Applied {
		s.applied[id] = true
	}
	s.mu.Unlock()
}

// submit submits r and returns Submit's error, and its result once it is
// checked to be DoOp's for r on this server.
func (s *RSMServer) submit(r Request) (rpc.Err, any) {
	r.Id = Rand().Uint64()
	term, led := s.rf.GetState()
	err, res := s.rsm.Submit(r)
	if err == rpc.ErrWrongLeader && led {
		if after, leads := s.rf.GetState(); leads && after == term {
			text := fmt.Sprintf("Submit(%s) returned ErrWrongLeader while its Raft led in term %d before and after the call, and this server applied the request: its caller had been told to retry elsewhere", r, term)
			s.mu.Lock()
			if s.applied[r.Id] { // applied already, as Submit gave up
				s.countGaveUp(text)
			} else {
				s.gaveUpOn[r.Id] = text
			}
			s.mu.Unlock()
		}
	}
	if err != rpc.OK {
		return err, nil
	}
	s.mu.Lock()
	own, applied := s.results[r.Id]
	delete(s.results, r.Id)
	s.mu.Unlock()
	switch {
	case !applied:
		panic(fmt.Sprintf("kvsim lab: rsm contract: Submit(%s) returned OK with %#v, but this server's DoOp never applied that request", r, res))
	case !reflect.DeepEqual(own, res):
		panic(fmt.Sprintf("kvsim lab: rsm contract: Submit(%s) returned OK with %#v, but DoOp returned %#v for it: another entry's result", r, res, own))
	}
	return err, res
}

func (r Request) String() string {
	if r.Get != nil {
		return fmt.Sprintf("Get(%q)", r.Get.Key)
	}
	return fmt.Sprintf("Put(%q, %q, %d)", r.Put.Key, r.Put.Value, r.Put.Version)
}

// Get submits the request and answers with its result.
func (s *RSMServer) Get(args *rpc.GetArgs, reply *rpc.GetReply) {
	a := *args
	err, res := s.submit(Request{Get: &a})
	if err != rpc.OK {
		reply.Err = err
		return
	}
	*reply = res.(rpc.GetReply)
}

// Put submits the request and answers with its result.
func (s *RSMServer) Put(args *rpc.PutArgs, reply *rpc.PutReply) {
	a := *args
	err, res := s.submit(Request{Put: &a})
	if err != rpc.OK {
		reply.Err = err
		return
	}
	*reply = res.(rpc.PutReply)
}
