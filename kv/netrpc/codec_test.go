package netrpc

import (
	"bytes"
	"encoding/gob"
	"math/rand/v2"
	"net"
	netrpc "net/rpc"
	"strings"
	"testing"

	"github.com/kvsim/kvsim/kv/rpc"
)

// gobStream returns what net/rpc's gob codec writes for n replies whose
// values grow, type definitions included.
func gobStream(t *testing.T, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	for i := range n {
		if err := enc.Encode(&netrpc.Response{ServiceMethod: rpc.MethodGet, Seq: uint64(i)}); err != nil {
			t.Fatal(err)
		}
		if err := enc.Encode(&rpc.GetReply{Value: strings.Repeat("v", 50*i), Version: rpc.Tversion(i), Err: rpc.OK}); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// TestFrameScan feeds real gob streams through the frame scanner in chunks
// of random sizes: it must accept them and end between messages, and
// refuse a message one byte over its limit whatever the chunking.
func TestFrameScan(t *testing.T) {
	stream := gobStream(t, 20) // the largest body is under 1000 bytes
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 50 {
		f := &frameReader{max: 1000}
		for b := stream; len(b) > 0; {
			k := min(len(b), 1+rng.IntN(40))
			if err := f.scan(b[:k]); err != nil {
				t.Fatalf("trial %d: %v", trial, err)
			}
			b = b[k:]
		}
		if f.inMessage || f.body != 0 {
			t.Fatalf("trial %d: stream ended inside a message", trial)
		}
	}

	tests := []struct {
		name   string
		prefix []byte
		max    uint64
	}{
		{"one byte over", []byte{0xfe, 0x03, 0xe9}, 1000}, // 1001
		{"just under 8 GiB", []byte{0xfb, 0x01, 0xff, 0xff, 0xff, 0xff}, DefaultMaxFrame},
		{"short length over", []byte{0x7f}, 100}, // 127
		{"nine length bytes", []byte{0xf7, 0, 0, 0, 0, 0, 0, 0, 0, 1}, DefaultMaxFrame},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for split := range len(tt.prefix) + 1 {
				f := &frameReader{max: tt.max}
				err := f.scan(tt.prefix[:split])
				if err == nil {
					err = f.scan(tt.prefix[split:])
				}
				if err == nil {
					t.Fatalf("split at %d: accepted", split)
				}
			}
		})
	}
	if err := (&frameReader{max: 1000}).scan([]byte{0xfe, 0x03, 0xe8}); err != nil {
		t.Errorf("a length at the limit refused: %v", err)
	}
}

// TestReplyAfterGiveUp checks the client codec against the reply-reuse
// hazard: a reply for a call that was given up on is read off the stream
// and discarded, and the caller's struct is left as it was; the next reply
// decodes as usual.
func TestReplyAfterGiveUp(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	go func() {
		defer server.Close()
		server.Write(gobStream(t, 2))
	}()
	c := newClientCodec(client, DefaultMaxFrame)

	stale := rpc.GetReply{Value: "mine", Version: 99, Err: rpc.ErrNoKey}
	reply := stale
	late := &pending{dst: &reply}
	if !late.abandon() {
		t.Fatal("a waiting call could not be given up on")
	}
	var h netrpc.Response
	if err := c.ReadResponseHeader(&h); err != nil {
		t.Fatal(err)
	}
	if err := c.ReadResponseBody(late); err != nil {
		t.Fatal(err)
	}
	if reply != stale {
		t.Fatalf("reply of a call given up on written: %+v", reply)
	}

	var fresh rpc.GetReply
	waiting := &pending{dst: &fresh}
	if err := c.ReadResponseHeader(&h); err != nil {
		t.Fatal(err)
	}
	if err := c.ReadResponseBody(waiting); err != nil {
		t.Fatal(err)
	}
	if want := (rpc.GetReply{Value: strings.Repeat("v", 50), Version: 1, Err: rpc.OK}); fresh != want || h.Seq != 1 {
		t.Fatalf("next reply (seq %d) = %+v, want seq 1 and %+v", h.Seq, fresh, want)
	}
	if waiting.abandon() {
		t.Error("a delivered reply could still be given up on")
	}
}
