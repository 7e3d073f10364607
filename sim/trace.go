package sim

import (
	"fmt"
	"io"
	"slices"
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
	RecCutFrom                            // messages from one endpoint to another are lost (a one-way cut)
	RecHealFrom                           // a one-way cut was healed

	numRecordKinds // keep last
)

// numBuiltinRecordKinds is the number of record kinds above, which keep
// their numbers; fault kinds registered beside the built-in ones add
// theirs after (newRecordKind).
const numBuiltinRecordKinds = numRecordKinds

// maxRecordKinds bounds the record kinds, registered ones included: Stats
// counts them in an array.
const maxRecordKinds = 48

// DrawAs is what a record does to a report's picture of the run.
type DrawAs uint8

const (
	// AsPoint marks an instant on the lanes of the record's endpoints:
	// the default.
	AsPoint DrawAs = iota
	// AsSend starts a request: a message from the caller's lane.
	AsSend
	// AsDeliver is a request handled by its server: the request arrives,
	// and its reply starts.
	AsDeliver
	// AsFate ends a message of the record's call (Drawing.Fate says how,
	// Drawing.Dir which).
	AsFate
	// AsCopy starts another copy of the call's request (a duplicate).
	AsCopy
	// AsSpanStart and AsSpanEnd start and end a lasting fault (a cut, a
	// pause) on the lanes of the record's endpoints.
	AsSpanStart
	AsSpanEnd
)

// Dir is which message of a call a record is about.
type Dir uint8

const (
	DirRequest Dir = iota
	DirReply
	// DirEither: the record says (Record.Reply).
	DirEither
)

// Drawing is how a report draws the records of one kind. Every record kind
// has one; a fault kind registers its records with theirs, so that a
// report draws a new fault without knowing it, and reads each record on
// its own, never from the records around it.
type Drawing struct {
	As DrawAs
	// Fate is, for AsFate, what becomes of the message: "" (it arrived),
	// "drop" (lost as it left), "lost" (to a cut, on arrival), "held"
	// (waits at a stopped server), "late" (a reply after its call ended).
	// A drop ends the newest message of its direction, the others the
	// oldest in flight.
	Fate string
	Dir  Dir
	// Span names, for AsSpanStart and AsSpanEnd, the family of the lasting
	// fault ("cut", "pause"): an end closes the span of its family on the
	// same lanes. The page styles spans by family.
	Span string
	// PeerOnly draws the span on the peer's lane alone (a server's), not
	// on the record's process's too.
	PeerOnly bool
	// Label is, for AsSpanStart, what the span says on a lane: Label
	// followed by " from " and the other endpoint, or Alone when the span
	// has one endpoint (Label when Alone is empty).
	Label, Alone string
	// Directed spans go from the process to the peer: the process's lane
	// says " to " the peer.
	Directed bool
}

// recordInfo is what the simulator knows of a record kind.
type recordInfo struct {
	name    string
	fault   bool // a fault, or a message a fault took hold of
	drawing Drawing
}

// recordInfos describes every record kind by number; registered fault
// kinds append theirs. Whether a kind is a fault comes from the fault
// kinds that record it (registerFault), and lost and held.
var recordInfos = append(make([]recordInfo, 0, maxRecordKinds), []recordInfo{
	RecSpawn:        {name: "spawn"},
	RecExit:         {name: "exit"},
	RecPanic:        {name: "panic"},
	RecSend:         {name: "send", drawing: Drawing{As: AsSend}},
	RecDropReq:      {name: "drop-request", drawing: Drawing{As: AsFate, Fate: "drop", Dir: DirRequest}},
	RecDup:          {name: "duplicate", drawing: Drawing{As: AsCopy}},
	RecLost:         {name: "lost", fault: true, drawing: Drawing{As: AsFate, Fate: "lost", Dir: DirEither}},
	RecHeld:         {name: "held", fault: true, drawing: Drawing{As: AsFate, Fate: "held", Dir: DirRequest}},
	RecDeliver:      {name: "deliver", drawing: Drawing{As: AsDeliver}},
	RecDropReply:    {name: "drop-reply", drawing: Drawing{As: AsFate, Fate: "drop", Dir: DirReply}},
	RecReply:        {name: "reply", drawing: Drawing{As: AsFate, Fate: "", Dir: DirReply}},
	RecLate:         {name: "late-reply", drawing: Drawing{As: AsFate, Fate: "late", Dir: DirReply}},
	RecTimeout:      {name: "timeout"},
	RecSleep:        {name: "sleep"},
	RecWake:         {name: "wake"},
	RecTie:          {name: "tie"},
	RecCut:          {name: "cut", drawing: Drawing{As: AsSpanStart, Span: "cut", Label: "cut", Alone: "isolated"}},
	RecHeal:         {name: "heal", drawing: Drawing{As: AsSpanEnd, Span: "cut"}},
	RecPause:        {name: "pause", drawing: Drawing{As: AsSpanStart, Span: "pause", Label: "paused", PeerOnly: true}},
	RecResume:       {name: "resume", drawing: Drawing{As: AsSpanEnd, Span: "pause", PeerOnly: true}},
	RecFaultsOff:    {name: "faults-off"},
	RecNote:         {name: "note"},
	RecTail:         {name: "tail"},
	RecNemesisDrop:  {name: "nemesis-drop", drawing: Drawing{As: AsFate, Fate: "drop", Dir: DirEither}},
	RecNemesisDup:   {name: "nemesis-dup", drawing: Drawing{As: AsCopy}},
	RecNemesisDelay: {name: "nemesis-delay"},
	RecNemesisHold:  {name: "nemesis-hold"},
	RecCutFrom:      {name: "cut-from", drawing: Drawing{As: AsSpanStart, Span: "cut-from", Label: "one-way cut", Directed: true}},
	RecHealFrom:     {name: "heal-from", drawing: Drawing{As: AsSpanEnd, Span: "cut-from"}},
}...)

// recordCodes are the words the kinds fold into the trace hash: a hash of
// each kind's name in the top 16 bits, so that a kind's records hash the
// same whatever kinds are registered beside it, and in whatever order.
var recordCodes = func() (codes [maxRecordKinds]uint64) {
	for k, r := range recordInfos {
		if r.name != "" {
			codes[k] = recordCode(r.name, codes[:k])
		}
	}
	return codes
}()

// recordCode is the code of the kind named name, which must differ from
// the codes already given.
func recordCode(name string, given []uint64) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(name); i++ {
		h = (h ^ uint64(name[i])) * fnvPrime
	}
	code := (h ^ h>>16 ^ h>>32 ^ h>>48) << 48
	if slices.Contains(given, code) {
		panic("sim: record kind " + name + " hashes as another kind does: name it otherwise")
	}
	return code
}

// newRecordKind registers a record kind of a fault kind, numbered after
// every kind registered before it.
func newRecordKind(name string, d Drawing) RecordKind {
	for _, r := range recordInfos {
		if r.name == name {
			panic("sim: two record kinds named " + name)
		}
	}
	if len(recordInfos) >= maxRecordKinds {
		panic("sim: too many record kinds; raise maxRecordKinds")
	}
	recordCodes[len(recordInfos)] = recordCode(name, recordCodes[:len(recordInfos)])
	recordInfos = append(recordInfos, recordInfo{name: name, drawing: d})
	return RecordKind(len(recordInfos) - 1)
}

// RecordKinds returns every record kind, in order: for readers of traces
// that name or count them.
func RecordKinds() []RecordKind {
	kinds := make([]RecordKind, 0, len(recordInfos)-1)
	for k := RecSpawn; int(k) < len(recordInfos); k++ {
		kinds = append(kinds, k)
	}
	return kinds
}

func (k RecordKind) info() *recordInfo {
	if int(k) < len(recordInfos) {
		return &recordInfos[k]
	}
	return &recordInfo{}
}

func (k RecordKind) String() string {
	if name := k.info().name; name != "" {
		return name
	}
	return fmt.Sprintf("RecordKind(%d)", k)
}

// IsFault reports whether the record is a fault the network injected, or
// a message that a fault (a cut, a pause) took hold of.
func (k RecordKind) IsFault() bool { return k.info().fault }

// Drawing is how a report draws records of kind k.
func (k RecordKind) Drawing() Drawing { return k.info().drawing }

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
	// Reply reports that the record is about a reply rather than a
	// request (a reply lost to a cut, a targeted fault on a reply).
	Reply bool
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
