package models

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// CheckVerdict is the outcome of a linearizability check.
type CheckVerdict uint8

const (
	// Unknown means the checker ran out of time. It is the zero value so
	// that a CheckResult nobody filled in is never taken for a pass.
	Unknown CheckVerdict = iota
	Ok
	Violation
)

func (v CheckVerdict) String() string {
	switch v {
	case Unknown:
		return "Unknown"
	case Ok:
		return "Ok"
	case Violation:
		return "Violation"
	}
	return fmt.Sprintf("CheckVerdict(%d)", uint8(v))
}

// CheckResult is the outcome of CheckKV or CheckLock.
type CheckResult struct {
	Verdict CheckVerdict
	// Reason says in one line why: for a violation, which key (or the lock)
	// is not linearizable and how far the longest partial linearization got.
	Reason string
	// Core, for a key/value violation, lists a minimal set of operations
	// that cannot be ordered (indices into the ops given to CheckKV,
	// sorted): removing any one of them leaves a set that could be, however
	// the writes left out happened. Reason explains it in words.
	Core []int
	// Checker names what decided: CheckerFast, or CheckerPorcupine (which
	// CheckKV falls back to when the fast path cannot decide; Reason says
	// why).
	Checker string

	model porcupine.Model
	info  porcupine.LinearizationInfo
	lazy  *lazyInfo // set instead of info when the fast path decided
}

// What decided a CheckResult.
const (
	CheckerFast      = "fast"
	CheckerPorcupine = "porcupine"
)

// Visualize writes porcupine's HTML visualization of the checked history,
// with the given annotations (for example, fault events from the trace)
// and, for a violation CheckKV found, its core in a row of its own. When
// the fast checker decided, porcupine runs here, once, to lay out the
// picture: for a linearizable history it replays the fast checker's own
// linearization, which needs no search (20,000 ops on one key by 200
// clients: 0.15 s); for a violation it searches, bounded by CheckKV's
// timeout, else by 10 s, after which the picture shows only partial
// linearizations (the verdict stands). Calls on copies of one CheckResult
// must not run concurrently: porcupine sorts the shared linearization data
// in place.
func (r CheckResult) Visualize(w io.Writer, annotations []porcupine.Annotation) error {
	if r.model.Step == nil {
		return errors.New("models: Visualize: the CheckResult does not come from a check")
	}
	model, info := r.linearization() // AddAnnotations appends; r's holds none, so r is left alone
	if r.lazy != nil {
		info.AddAnnotations(r.lazy.coreAnnotations(r.Core, r.Reason))
	}
	info.AddAnnotations(annotations)
	return porcupine.Visualize(model, info, w)
}

// linearization is porcupine's account of the check, and the model it is
// in terms of, computed now when the fast path decided without porcupine.
func (r CheckResult) linearization() (porcupine.Model, porcupine.LinearizationInfo) {
	if r.lazy != nil {
		return r.lazy.get()
	}
	return r.model, r.info
}

// VisualizeFile writes the visualization (see Visualize) to a file at path.
func (r CheckResult) VisualizeFile(path string, annotations []porcupine.Annotation) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := r.Visualize(f, annotations); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// CheckKV checks a key/value history for linearizability against KVModel's
// semantics with the fast checker (see fast.go for the algorithm and its
// proof): near-linear time, no goroutines, exact. A violation comes with a
// minimal Core and a Reason in words. Where the fast path cannot decide (a
// version of 2^62 or more, or many optional Puts with disjoint intervals at
// one version), it runs porcupine instead and says so in Reason and Checker;
// only then does timeout apply (0 or less: none). It panics if the history
// is malformed (an invalid Op, a known Return before its Call), which is a
// bug in the recorder rather than in the system under test.
func CheckKV(ops []KVOp, timeout time.Duration) CheckResult {
	var c KVChecker
	return c.Check(ops, timeout)
}

// KVChecker is CheckKV with memory kept from one history to the next, for
// a caller that checks many histories one after another, as a campaign's
// worker does. The zero value is ready to use; it is for one goroutine at
// a time, and a CheckResult it returns does not use its memory.
type KVChecker struct{ fast fastScratch }

// Check is CheckKV(ops, timeout).
func (c *KVChecker) Check(ops []KVOp, timeout time.Duration) CheckResult {
	if err := ValidateKV(ops); err != nil {
		panic("models: CheckKV: " + err.Error())
	}
	v := c.fast.check(ops)
	r := CheckResult{Checker: CheckerFast, model: KVModel(), lazy: &lazyInfo{ops: ops, timeout: timeout}}
	switch v.verdict {
	case Ok:
		r.Verdict, r.Reason = Ok, "linearizable ("+strconv.Itoa(len(ops))+" ops)"
		r.lazy.ok = true
	case Violation:
		r.Verdict, r.Core, r.Reason = Violation, v.core, v.reason
	default:
		r = CheckKVPorcupine(ops, timeout)
		r.Reason = "fast checker cannot decide (" + v.reason + "); porcupine: " + r.Reason
	}
	return r
}

// CheckKVPorcupine checks a key/value history for linearizability against
// KVModel with porcupine alone: the oracle that CheckKV is tested against,
// exponential in the worst case. Timeout and panics are as for CheckKV.
func CheckKVPorcupine(ops []KVOp, timeout time.Duration) CheckResult {
	model, parts := kvPorcupine(ops)
	r := check(model, parts, timeout, func(part []porcupine.Operation) string {
		return "key " + bare(part[0].Input.(KVInput).Key)
	})
	r.Checker = CheckerPorcupine
	return r
}

// MalformedOpError is ValidateKV's error: which operation, and why.
type MalformedOpError struct {
	Op     int // index into the history
	Reason string
}

func (e *MalformedOpError) Error() string { return fmt.Sprintf("op %d %s", e.Op, e.Reason) }

// ValidateKV reports the first malformed operation of a history (an invalid
// Op, a known Return before its Call, a timestamp of math.MaxInt64, which
// leaves no room for unknown returns), which CheckKV would panic on, as a
// *MalformedOpError.
func ValidateKV(ops []KVOp) error {
	for i := range ops {
		op := &ops[i]
		switch {
		case op.Input.Op != OpGet && op.Input.Op != OpPut:
			return &MalformedOpError{i, fmt.Sprintf("has invalid %v", op.Input.Op)}
		case op.Call == math.MaxInt64 || !op.Output.Unknown && op.Return == math.MaxInt64:
			return &MalformedOpError{i, "has a timestamp of math.MaxInt64, leaving no room for unknown returns"}
		case !op.Output.Unknown && op.Return < op.Call:
			return &MalformedOpError{i, fmt.Sprintf("returns at %d, before its call at %d", op.Return, op.Call)}
		}
	}
	return nil
}

// kvPorcupine turns a history into porcupine's terms: the model and the
// history partitioned by key, unknown returns placed last.
func kvPorcupine(ops []KVOp) (porcupine.Model, [][]porcupine.Operation) {
	history := make([]porcupine.Operation, len(ops))
	unknown := make([]bool, len(ops))
	for i, op := range ops {
		if op.Input.Op != OpGet && op.Input.Op != OpPut {
			panic(fmt.Sprintf("models: CheckKV: op %d has invalid %v", i, op.Input.Op))
		}
		history[i] = porcupine.Operation{ClientId: op.Client, Input: op.Input, Output: op.Output, Call: op.Call, Return: op.Return}
		unknown[i] = op.Output.Unknown
	}
	returnUnknownLast("CheckKV", history, unknown)
	parts := partitionKV(history)
	model := KVModel()
	// Porcupine numbers operations within a partition; handing it these very
	// partitions lets the Reason map its partial linearizations back.
	model.Partition = func([]porcupine.Operation) [][]porcupine.Operation { return parts }
	return model, parts
}

// lazyVizTimeout bounds porcupine's search for a picture of a violation the
// fast path found, when CheckKV was given no timeout.
const lazyVizTimeout = 10 * time.Second

// lazyInfo computes porcupine's linearization info, which the
// visualization and Longest need, only when they are asked for on a
// CheckResult decided by the fast path (see Visualize).
type lazyInfo struct {
	ops     []KVOp // not copied: the caller must not change them meanwhile
	ok      bool   // the fast path found ops linearizable
	timeout time.Duration
	once    sync.Once
	model   porcupine.Model
	info    porcupine.LinearizationInfo
}

// coreAnnotations marks a violation's core in a row of its own, each
// operation with the explanation.
func (l *lazyInfo) coreAnnotations(core []int, reason string) []porcupine.Annotation {
	var out []porcupine.Annotation
	for _, i := range core {
		op := l.ops[i]
		end := op.Return
		if op.Output.Unknown {
			end = op.Call
		}
		out = append(out, porcupine.Annotation{
			Tag: "violation core", Start: op.Call, End: end,
			Description: fmt.Sprintf("c%d: %s", op.Client, describeKV(op.Input, op.Output)),
			Details:     reason, BackgroundColor: "#f4c7c3",
		})
	}
	return out
}

// get returns porcupine's data for the picture. For a linearizable history
// porcupine replays the fast path's own linearization (see witness.go),
// which takes no search; otherwise, or should that fail, it searches.
func (l *lazyInfo) get() (porcupine.Model, porcupine.LinearizationInfo) {
	l.once.Do(func() {
		timeout := l.timeout
		if timeout <= 0 {
			timeout = lazyVizTimeout
		}
		if l.ok {
			var ok bool
			if l.model, l.info, ok = witnessInfo(l.ops, timeout); ok {
				return
			}
		}
		model, parts := kvPorcupine(l.ops)
		var history []porcupine.Operation
		for _, part := range parts {
			history = append(history, part...)
		}
		l.model = model
		_, l.info = porcupine.CheckOperationsVerbose(model, history, timeout)
	})
	return l.model, l.info
}

// CheckLock checks a lock history for linearizability against lockModel.
// Timeout and panics are as for CheckKV; an empty Owner is also malformed.
func CheckLock(ops []LockOpRecord, timeout time.Duration) CheckResult {
	history := make([]porcupine.Operation, len(ops))
	unknown := make([]bool, len(ops))
	for i, op := range ops {
		if op.Input.Op != LockAcquire && op.Input.Op != LockRelease || op.Input.Owner == "" {
			panic(fmt.Sprintf("models: CheckLock: op %d has invalid input %+v", i, op.Input))
		}
		history[i] = porcupine.Operation{ClientId: op.Client, Input: op.Input, Output: op.Unknown, Call: op.Call, Return: op.Return}
		unknown[i] = op.Unknown
	}
	returnUnknownLast("CheckLock", history, unknown)
	return check(lockModel(), partitionLock(history), timeout, func(part []porcupine.Operation) string {
		if key := part[0].Input.(LockInput).Key; key != "" {
			return "the history of the lock at " + strconv.Quote(key)
		}
		return "the lock history"
	})
}

// returnUnknownLast sets the Return of every operation whose outcome is
// unknown to just after every other timestamp in the history: such an
// operation may take effect at any point after its call.
func returnUnknownLast(caller string, history []porcupine.Operation, unknown []bool) {
	last := int64(math.MinInt64)
	for i, op := range history {
		last = max(last, op.Call)
		if !unknown[i] {
			if op.Return < op.Call {
				panic(fmt.Sprintf("models: %s: op %d returns at %d, before its call at %d", caller, i, op.Return, op.Call))
			}
			last = max(last, op.Return)
		}
	}
	if last == math.MaxInt64 {
		panic(fmt.Sprintf("models: %s: a timestamp is math.MaxInt64, leaving no room for unknown returns", caller))
	}
	for i := range history {
		if unknown[i] {
			history[i].Return = last + 1
		}
	}
}

// check runs porcupine over the partitions of a history and explains the
// outcome; name says which part a partition is, for the Reason.
func check(model porcupine.Model, parts [][]porcupine.Operation, timeout time.Duration, name func([]porcupine.Operation) string) CheckResult {
	var history []porcupine.Operation
	for _, part := range parts {
		history = append(history, part...)
	}
	res, info := porcupine.CheckOperationsVerbose(model, history, timeout)
	r := CheckResult{model: model, info: info}
	switch res {
	case porcupine.Ok:
		r.Verdict, r.Reason = Ok, fmt.Sprintf("linearizable (%d ops)", len(history))
	case porcupine.Unknown:
		r.Verdict, r.Reason = Unknown, fmt.Sprintf("checker timed out after %v (%d ops); not a pass", timeout, len(history))
	default:
		r.Verdict, r.Reason = Violation, violationReason(model, parts, info.PartialLinearizations(), name)
	}
	return r
}

// violationReason names the partitions that have no complete linearization
// and shows how the longest partial linearization of the first one ends.
// When the timeout also struck, partitions it cut short are named as well.
func violationReason(model porcupine.Model, parts [][]porcupine.Operation, partials [][][]int, name func([]porcupine.Operation) string) string {
	var bad []int
	for p, part := range parts {
		if len(longest(partials[p])) < len(part) {
			bad = append(bad, p)
		}
	}
	if len(bad) == 0 { // porcupine said Illegal, so this cannot happen
		return "not linearizable"
	}
	part := parts[bad[0]]
	ids := longest(partials[bad[0]])
	var b strings.Builder
	fmt.Fprintf(&b, "%s is not linearizable: only %d of %d ops linearize", name(part), len(ids), len(part))
	if len(ids) > 0 {
		const shown = 3 // the end of the partial linearization is where it got stuck
		b.WriteString(", ending ")
		if len(ids) > shown {
			b.WriteString("...; ")
		}
		state := model.Init()
		for i, id := range ids {
			op := part[id]
			_, state = model.Step(state, op.Input, op.Output)
			if i >= len(ids)-shown {
				b.WriteString(model.DescribeOperation(op.Input, op.Output))
				if i < len(ids)-1 {
					b.WriteString("; ")
				}
			}
		}
		b.WriteString(" in state " + model.DescribeState(state))
	}
	if len(bad) > 1 {
		others := make([]string, len(bad)-1)
		for i, p := range bad[1:] {
			others[i] = name(parts[p])
		}
		fmt.Fprintf(&b, " (also %s)", strings.Join(others, ", "))
	}
	return b.String()
}

// longest returns the longest partial linearization, the smallest of equals
// so that the choice does not depend on porcupine's map order.
func longest(partials [][]int) []int {
	var best []int
	for _, ids := range partials {
		if len(ids) > len(best) || len(ids) == len(best) && slices.Compare(ids, best) < 0 {
			best = ids
		}
	}
	return best
}

// Longest returns, for each partition the check split the history into (for
// CheckKV: one per key, in sorted key order, each holding that key's
// operations in history order), the longest partial linearization the
// checker found, as indices into the partition in linearization order. For
// an Ok result each is a complete linearization. Reports use it to show the
// model's states along the history.
func (r CheckResult) Longest() [][]int {
	_, info := r.linearization()
	partials := info.PartialLinearizations()
	out := make([][]int, len(partials))
	for p := range partials {
		out[p] = longest(partials[p])
	}
	return out
}
