package sim

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// RecordKind says what happened in a trace record.
type RecordKind uint8

const (
	RecSpawn        RecordKind = iota + 1 // a process started
	RecExit                               // a process returned
	RecPanic                              // a process or handler panicked
	RecSend                               // a client sent a request
	RecDropReq                            // the network dropped a request
	RecDup                                // the network duplicated a request
	RecLost                               // a message was lost to a partition
	RecHeld                               // a request reached a paused server and waits
	RecDeliver                            // a server's handler ran on a request
	RecDropReply                          // the network dropped a reply
	RecReply                              // a reply reached its waiting caller
	RecLate                               // a reply arrived after its call ended and was discarded
	RecTimeout                            // a call timed out and returned false
	RecSleep                              // a process went to sleep
	RecWake                               // a process woke up
	RecTie                                // several events were due at once; the entropy chose one
	RecCut                                // a link or a node was cut off
	RecHeal                               // a link or a node was reconnected
	RecPause                              // a server paused
	RecResume                             // a paused server resumed
	RecFaultsOff                          // the fault schedule ended (Faults.Until)
	RecNote                               // a line added by the user with Note
	RecTail                               // the network gave a message a long-tail delay
	RecNemesisDrop                        // the nemesis dropped a message
	RecNemesisDup                         // the nemesis duplicated a request
	RecNemesisDelay                       // the nemesis delayed a message
	RecNemesisHold                        // the nemesis held a message until just after its call timed out

	numRecordKinds // keep last
)

var recordNames = [...]string{
	RecSpawn: "spawn", RecExit: "exit", RecPanic: "panic", RecSend: "send",
	RecDropReq: "drop-request", RecDup: "duplicate", RecLost: "lost",
	RecHeld: "held", RecDeliver: "deliver", RecDropReply: "drop-reply",
	RecReply: "reply", RecLate: "late-reply", RecTimeout: "timeout",
	RecSleep: "sleep", RecWake: "wake", RecTie: "tie", RecCut: "cut",
	RecHeal: "heal", RecPause: "pause", RecResume: "resume",
	RecFaultsOff: "faults-off", RecNote: "note", RecTail: "tail",
	RecNemesisDrop: "nemesis-drop", RecNemesisDup: "nemesis-dup",
	RecNemesisDelay: "nemesis-delay", RecNemesisHold: "nemesis-hold",
}

// RecordKinds returns every record kind, in order: for readers of traces
// that name or count them.
func RecordKinds() []RecordKind {
	kinds := make([]RecordKind, 0, numRecordKinds-1)
	for k := RecSpawn; k < numRecordKinds; k++ {
		kinds = append(kinds, k)
	}
	return kinds
}

func (k RecordKind) String() string {
	if int(k) < len(recordNames) && recordNames[k] != "" {
		return recordNames[k]
	}
	return fmt.Sprintf("RecordKind(%d)", k)
}

// IsFault reports whether the record is a fault the network injected, or
// a message that a fault (a cut, a pause) took hold of.
func (k RecordKind) IsFault() bool {
	if k == RecLost || k == RecHeld {
		return true
	}
	for _, f := range faultKinds {
		if f.rec == k && k != 0 {
			return true
		}
	}
	return false
}

func (k RecordKind) isReply() bool {
	return k == RecReply || k == RecLate || k == RecDropReply
}

// Record is one line of a trace. Proc is the client endpoint involved (if
// any), Peer the server or the other end of a link.
type Record struct {
	At     time.Duration
	Kind   RecordKind
	Proc   string
	Peer   string
	Call   uint64
	Method string
	Text   string
}

func (r Record) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%12.6fms %-12s", float64(r.At)/float64(time.Millisecond), r.Kind)
	if r.Call != 0 {
		fmt.Fprintf(&b, " #%d", r.Call)
	}
	switch {
	case r.Proc != "" && r.Peer != "" && r.Kind.isReply():
		fmt.Fprintf(&b, " %s<-%s", r.Proc, r.Peer)
	case r.Proc != "" && r.Peer != "":
		fmt.Fprintf(&b, " %s->%s", r.Proc, r.Peer)
	case r.Proc != "":
		fmt.Fprintf(&b, " %s", r.Proc)
	case r.Peer != "":
		fmt.Fprintf(&b, " %s", r.Peer)
	}
	if r.Method != "" {
		fmt.Fprintf(&b, " %s", r.Method)
	}
	if r.Text != "" {
		fmt.Fprintf(&b, " %s", r.Text)
	}
	return b.String()
}

// WriteTrace writes records one per line.
func WriteTrace(w io.Writer, records []Record) error {
	for _, r := range records {
		if _, err := fmt.Fprintln(w, r); err != nil {
			return err
		}
	}
	return nil
}

// traceHash folds 64-bit words into a running hash: FNV-1a's xor-multiply
// applied per word, with a final shift so high bits feed back into low ones.
type traceHash uint64

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func (h *traceHash) add(x uint64) {
	v := (uint64(*h) ^ x) * fnvPrime
	*h = traceHash(v ^ v>>32)
}

// Fold is one word folded into a run's trace hash, as Options.OnFold sees
// it. Two runs that should be equal are equal up to their first differing
// fold; its Step and At point into their traces.
type Fold struct {
	N    int           // the fold's index in the run, from 0
	Step int           // scheduler events dispatched so far
	At   time.Duration // virtual time
	Kind RecordKind    // the record being folded (0 for the seed)
	Word uint64
	Hash uint64 // the hash after folding Word
}

func (f Fold) String() string {
	return fmt.Sprintf("fold %d step %d at %v %v word %016x hash %016x", f.N, f.Step, f.At, f.Kind, f.Word, f.Hash)
}

// FoldLog keeps every fold of a run: set Options.OnFold to its Add.
type FoldLog struct{ Folds []Fold }

// Add appends f.
func (l *FoldLog) Add(f Fold) { l.Folds = append(l.Folds, f) }

// FirstDifference returns the index of the first fold at which a and b
// differ (a word, or one log ending before the other), or -1 if they are
// equal.
func FirstDifference(a, b []Fold) int {
	for i := range min(len(a), len(b)) {
		if a[i].Word != b[i].Word || a[i].Kind != b[i].Kind {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

// fold adds x to the trace hash, on behalf of a record of kind k.
func (w *World) fold(k RecordKind, x uint64) {
	w.hash.add(x)
	if w.opts.OnFold != nil {
		w.opts.OnFold(Fold{N: w.folds, Step: w.steps, At: w.now, Kind: k, Word: x, Hash: uint64(w.hash)})
		w.folds++
	}
}

func (w *World) foldString(s string) {
	for i := 0; i < len(s); i++ {
		w.fold(RecNote, uint64(s[i]))
	}
	w.fold(RecNote, uint64(len(s)))
}
