package models_test

import (
	"strings"
	"testing"

	"github.com/kvsim/kvsim/kv/rpc"
	"github.com/kvsim/kvsim/models"
)

var (
	lost         = models.Attempt{}
	replyOK      = models.Attempt{Replied: true, Err: rpc.OK}
	replyVersion = models.Attempt{Replied: true, Err: rpc.ErrVersion}
	replyNoKey   = models.Attempt{Replied: true, Err: rpc.ErrNoKey}
)

func attempts(as ...models.Attempt) []models.Attempt { return as }

func TestClerkGetContract(t *testing.T) {
	got := models.Attempt{Replied: true, Err: rpc.OK, Value: "x", Version: 3}
	tests := []struct {
		name     string
		attempts []models.Attempt
		value    string
		version  rpc.Tversion
		err      rpc.Err
		want     string // a substring of the breach; "" for none
	}{
		{"first reply", attempts(got), "x", 3, rpc.OK, ""},
		{"after lost attempts", attempts(lost, lost, got), "x", 3, rpc.OK, ""},
		{"no key", attempts(lost, replyNoKey), "", 0, rpc.ErrNoKey, ""},
		{"no key, with a value", attempts(replyNoKey, models.Attempt{Replied: true, Err: rpc.ErrNoKey, Value: "x"}), "x", 0, rpc.ErrNoKey, "an absent key has no value and version 0"},
		{"no key, with a version", attempts(models.Attempt{Replied: true, Err: rpc.ErrNoKey, Version: 2}), "", 2, rpc.ErrNoKey, "an absent key has no value and version 0"},
		{"ErrMaybe", attempts(lost, got), "", 0, rpc.ErrMaybe, `Get("k") returned ErrMaybe; Get must retry`},
		{"gave up", attempts(lost, lost), "", 0, rpc.ErrNoKey, "which no reply said"},
		{"no attempt at all", nil, "", 0, rpc.ErrNoKey, "which no reply said"},
		{"wrong value", attempts(got), "y", 3, rpc.OK, `returned ("y", 3, OK), which no reply said`},
		{"wrong version", attempts(got), "x", 2, rpc.OK, "which no reply said"},
		{"value of a lost attempt", attempts(models.Attempt{Err: rpc.OK, Value: "x", Version: 3}, replyNoKey), "x", 3, rpc.OK, "which no reply said"},
		{"an earlier reply", attempts(got, replyNoKey), "x", 3, rpc.OK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, models.ClerkGetContract("k", tt.attempts, tt.value, tt.version, tt.err), tt.want)
		})
	}
}

func TestClerkPutContract(t *testing.T) {
	tests := []struct {
		name     string
		attempts []models.Attempt
		err      rpc.Err
		want     string
	}{
		{"ok", attempts(replyOK), rpc.OK, ""},
		{"ok after a loss", attempts(lost, replyOK), rpc.OK, ""},
		{"certain ErrVersion", attempts(replyVersion), rpc.ErrVersion, ""},
		{"ErrNoKey", attempts(lost, replyNoKey), rpc.ErrNoKey, ""},
		{"maybe after a retransmission", attempts(lost, lost, replyVersion), rpc.ErrMaybe, ""},
		{"ErrVersion after a retransmission", attempts(lost, replyVersion), rpc.ErrVersion, "after a retransmission; it must be ErrMaybe"},
		{"ErrVersion, no attempt", nil, rpc.ErrVersion, "after a retransmission"},
		{"ErrVersion over an OK", attempts(replyOK, replyVersion), rpc.ErrVersion, "its first attempt's reply said OK"},
		{"maybe on the first reply", attempts(replyVersion), rpc.ErrMaybe, "although its first attempt got a reply (ErrVersion)"},
		{"maybe after the server's own maybe", attempts(models.Attempt{Replied: true, Err: rpc.ErrMaybe}, replyVersion), rpc.ErrMaybe, ""},
		{"ErrVersion after the server's own maybe", attempts(models.Attempt{Replied: true, Err: rpc.ErrMaybe}, replyVersion), rpc.ErrVersion, "its first attempt's reply said ErrMaybe"},
		{"maybe when the first reply went to a goroutine given up", attempts(models.Attempt{Replied: true, Unseen: true, Err: rpc.ErrVersion}, replyVersion), rpc.ErrMaybe, ""},
		{"OK said only to a goroutine", attempts(models.Attempt{Replied: true, Unseen: true, Err: rpc.OK}), rpc.OK, ""},
		{"maybe without ErrVersion is the lab's right", attempts(lost, replyOK), rpc.ErrMaybe, ""},
		{"maybe with no reply is the lab's right", attempts(lost, lost), rpc.ErrMaybe, ""},
		{"OK no reply said", attempts(lost), rpc.OK, `Put("k", "v", 2) returned OK, which no reply said`},
		{"OK over ErrNoKey", attempts(replyNoKey), rpc.OK, "which no reply said"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, models.ClerkPutContract("k", "v", 2, tt.attempts, tt.err), tt.want)
		})
	}
}

// TestClerkPutWarning: what the lab allows but a precise Clerk avoids is a
// warning, never a breach; a precise answer gets none.
func TestClerkPutWarning(t *testing.T) {
	tests := []struct {
		name     string
		attempts []models.Attempt
		err      rpc.Err
		want     string
	}{
		{"maybe after a resend answered OK", attempts(lost, replyOK), rpc.ErrMaybe, "its resends were answered OK"},
		{"maybe after a resend answered ErrNoKey", attempts(lost, replyNoKey), rpc.ErrMaybe, "answered ErrNoKey"},
		{"maybe with no reply", attempts(lost, lost), rpc.ErrMaybe, "no reply came"},
		{"maybe after ErrVersion", attempts(lost, replyVersion), rpc.ErrMaybe, ""},
		{"OK", attempts(lost, replyOK), rpc.OK, ""},
		{"ErrVersion", attempts(replyVersion), rpc.ErrVersion, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := models.ClerkPutWarning("k", "v", 2, tt.attempts, tt.err)
			check(t, got, tt.want)
			if got != "" && models.ClerkPutContract("k", "v", 2, tt.attempts, tt.err) != "" {
				t.Errorf("a warning that is also a breach: %s", got)
			}
		})
	}
}

func check(t *testing.T, got, want string) {
	t.Helper()
	switch {
	case want == "" && got != "":
		t.Errorf("breach reported: %s", got)
	case want != "" && !strings.Contains(got, want):
		t.Errorf("got %q, want a breach containing %q", got, want)
	case strings.Contains(got, "\n"):
		t.Errorf("breach spans lines: %q", got)
	}
}
