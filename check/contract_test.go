package check

import (
	"strings"
	"testing"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
)

var (
	lost     = models.Attempt{}
	replyOK  = models.Attempt{Replied: true, Err: rpc.OK}
	replyVer = models.Attempt{Replied: true, Err: rpc.ErrVersion}
)

// judged is a recording of ops, each with its attempts, ending in the
// order given by ends (seq); ends[i] 0 means op i never returned.
func judged(ops []models.KVOp, attempts [][]models.Attempt, ends []uint64) *Recording {
	r := &Recording{KV: ops, Ops: make([]OpInfo, len(ops))}
	for i, op := range ops {
		r.Clients = grow(r.Clients, op.Client)
		from := int32(len(r.attempts))
		r.attempts = append(r.attempts, attempts[i]...)
		r.Ops[i] = OpInfo{from: from, to: int32(len(r.attempts)), end: moment{at: op.Return, seq: ends[i]}}
	}
	return r
}

func put(c int, err rpc.Err, call, ret int64) models.KVOp {
	return models.KVOp{Client: c, Input: models.KVInput{Op: models.OpPut, Key: "k", Value: "v", Version: 1}, Output: models.KVOutput{Err: err}, Call: call, Return: ret}
}

func get(c int, value string, version rpc.Tversion, err rpc.Err, call, ret int64) models.KVOp {
	return models.KVOp{Client: c, Input: models.KVInput{Op: models.OpGet, Key: "k"}, Output: models.KVOutput{Value: value, Version: version, Err: err}, Call: call, Return: ret}
}

func TestClerkContract(t *testing.T) {
	t.Run("kept", func(t *testing.T) {
		r := judged([]models.KVOp{put(0, rpc.OK, 0, 1), put(0, rpc.ErrVersion, 2, 3), get(1, "v", 2, rpc.OK, 0, 4)},
			[][]models.Attempt{{lost, replyOK}, {replyVer}, {{Replied: true, Err: rpc.OK, Value: "v", Version: 2}}}, []uint64{1, 2, 3})
		none(t, run(r, ClerkContract{}))
	})
	t.Run("broken", func(t *testing.T) {
		r := judged([]models.KVOp{put(0, rpc.ErrVersion, 0, 5)}, [][]models.Attempt{{lost, replyVer}}, []uint64{1})
		f := only(t, run(r, ClerkContract{}), kvsim.Violation, `clerk contract: c0: Put("k", "v", 1) returned ErrVersion after a retransmission`)
		if f.at != (moment{5, 1}) {
			t.Errorf("at %v, want the Put's return", f.at)
		}
	})
	t.Run("a Get's own reply", func(t *testing.T) {
		r := judged([]models.KVOp{get(0, "", 0, rpc.ErrMaybe, 0, 1)}, [][]models.Attempt{{replyOK}}, []uint64{1})
		only(t, run(r, ClerkContract{}), kvsim.Violation, `clerk contract: c0: Get("k") returned ErrMaybe`)
	})
	t.Run("each op judged on its own attempts", func(t *testing.T) {
		// The first Put's ErrVersion came from its first attempt; the
		// second's from its resend, which the first's attempts do not
		// excuse.
		r := judged([]models.KVOp{put(0, rpc.ErrVersion, 0, 1), put(0, rpc.ErrVersion, 2, 3)},
			[][]models.Attempt{{replyVer}, {lost, replyVer}}, []uint64{1, 2})
		f := only(t, run(r, ClerkContract{}), kvsim.Violation, "after a retransmission")
		if f.at.seq != 2 {
			t.Errorf("blamed the op ending at %v, want the second", f.at)
		}
	})
	t.Run("an op that never returned is not judged", func(t *testing.T) {
		op := put(0, "", 0, 0)
		op.Output.Unknown = true
		none(t, run(judged([]models.KVOp{op}, [][]models.Attempt{nil}, []uint64{0}), ClerkContract{}))
	})
	t.Run("the first to end, counted", func(t *testing.T) {
		r := judged([]models.KVOp{get(0, "", 0, rpc.ErrMaybe, 0, 9), get(1, "", 0, rpc.ErrMaybe, 1, 4)},
			[][]models.Attempt{{replyOK}, {replyOK}}, []uint64{2, 1})
		if f := only(t, run(r, ClerkContract{}), kvsim.Violation, "c1:"); f.Count != 2 {
			t.Errorf("count %d, want 2", f.Count)
		}
	})
}

// TestClerkWarnings: ErrMaybe after resends that no ErrVersion answered
// is the lab's right: a warning, counted, its text the first to end, never
// a failure.
func TestClerkWarnings(t *testing.T) {
	r := judged([]models.KVOp{put(0, rpc.ErrMaybe, 0, 9), put(1, rpc.ErrMaybe, 1, 4), put(2, rpc.ErrMaybe, 2, 6)},
		[][]models.Attempt{{lost, replyOK}, {lost, lost}, {lost, replyVer}}, []uint64{2, 1, 3})
	o := run(r, ClerkContract{})
	none(t, o)
	if len(o.Warnings) != 1 {
		t.Fatalf("warnings %+v, want one", o.Warnings)
	}
	if w := o.Warnings[0]; w.Name != models.WarnMaybeImprecise || w.Count != 2 || !strings.HasPrefix(w.Text, "c1: ") {
		t.Errorf("warning %+v, want %s twice, the first c1's", w, models.WarnMaybeImprecise)
	}
}
