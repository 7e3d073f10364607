package models_test

import (
	"testing"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
)

// TestClerkPutContractAcrossLeaders: a replicated service's
// ErrWrongLeader says nothing of the Put's fate (the server may have
// started it before it lost its leadership), so an attempt it answered is
// a reason to resend as a lost one is: ErrMaybe after it keeps the
// contract; ErrVersion is judged by the first attempt a leader answered.
func TestClerkPutContractAcrossLeaders(t *testing.T) {
	wrongLeader := models.Attempt{Replied: true, Err: rpc.ErrWrongLeader}
	tests := []struct {
		name     string
		attempts []models.Attempt
		err      rpc.Err
		want     string
	}{
		{"maybe after ErrWrongLeader", attempts(wrongLeader, replyVersion), rpc.ErrMaybe, ""},
		{"maybe after ErrWrongLeaders", attempts(wrongLeader, wrongLeader, replyVersion), rpc.ErrMaybe, ""},
		{"ErrVersion at the first leader", attempts(wrongLeader, replyVersion), rpc.ErrVersion, ""},
		{"ErrVersion after a loss past a wrong leader", attempts(wrongLeader, lost, replyVersion), rpc.ErrVersion, "after a retransmission; it must be ErrMaybe"},
		{"ErrVersion over a leader's OK", attempts(wrongLeader, replyOK, replyVersion), rpc.ErrVersion, "its first attempt's reply said OK"},
		{"maybe on a leader's first reply", attempts(replyVersion, wrongLeader), rpc.ErrMaybe, "although its first attempt got a reply (ErrVersion)"},
		{"OK after ErrWrongLeader", attempts(wrongLeader, replyOK), rpc.OK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, models.ClerkPutContract("k", "v", 2, tt.attempts, tt.err), tt.want)
		})
	}
}
