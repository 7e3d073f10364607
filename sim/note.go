package sim

import (
	"fmt"
	"math"
	"time"
)

// Notef is Note for a formatted line, without the formatting: it folds the
// format and each argument into the hash by type (strings, integers,
// booleans, floats and durations directly; anything else through fmt) and
// formats the line only when Options.Trace is on. Two notes hash alike when
// their formats and arguments are equal, so a run's hash still covers what
// its processes observed.
func (w *World) Notef(p *Proc, format string, args ...any) {
	ep := p.endpoint()
	w.stats.counts[RecNote]++
	w.fold(RecNote, uint64(ep.index()))
	w.foldChunks(format)
	for _, a := range args {
		w.foldArg(a)
	}
	if w.opts.Trace {
		w.records = append(w.records, Record{At: w.now, Kind: RecNote, Proc: ep.label(), Text: fmt.Sprintf(format, args...)})
	}
}

// NoteFields is Notef for a caller that has its fields at hand as strings
// and integers: it folds kind, each string and each number into the hash
// without boxing anything, and calls text for the trace line only when
// Options.Trace is on. A simulated client notes every operation it
// observes, so this is on a campaign's hot path.
func (w *World) NoteFields(p *Proc, kind uint64, strs []string, nums []uint64, text func() string) {
	ep := p.endpoint()
	w.stats.counts[RecNote]++
	w.fold(RecNote, uint64(ep.index()))
	w.fold(RecNote, kind)
	for _, s := range strs {
		w.fold(RecNote, tagString)
		w.foldChunks(s)
	}
	for _, x := range nums {
		w.fold(RecNote, tagUint)
		w.fold(RecNote, x)
	}
	if w.opts.Trace {
		w.records = append(w.records, Record{At: w.now, Kind: RecNote, Proc: ep.label(), Text: text()})
	}
}

// Argument tags keep values of different types apart in the hash.
const (
	tagString uint64 = iota + 1<<60
	tagInt
	tagUint
	tagBool
	tagFloat
	tagOther
)

func (w *World) foldArg(a any) {
	var tag, x uint64
	switch v := a.(type) {
	case string:
		w.fold(RecNote, tagString)
		w.foldChunks(v)
		return
	case int:
		tag, x = tagInt, uint64(v)
	case int64:
		tag, x = tagInt, uint64(v)
	case int32:
		tag, x = tagInt, uint64(v)
	case time.Duration:
		tag, x = tagInt, uint64(v)
	case uint64:
		tag, x = tagUint, v
	case uint32:
		tag, x = tagUint, uint64(v)
	case uint:
		tag, x = tagUint, uint64(v)
	case bool:
		tag = tagBool
		if v {
			x = 1
		}
	case float64:
		tag, x = tagFloat, math.Float64bits(v)
	default:
		w.fold(RecNote, tagOther)
		w.foldChunks(fmt.Sprintf("%T %+v", a, a))
		return
	}
	w.fold(RecNote, tag)
	w.fold(RecNote, x)
}

// foldChunks folds s eight bytes at a time, then its length.
func (w *World) foldChunks(s string) {
	n := len(s)
	for ; len(s) >= 8; s = s[8:] {
		w.fold(RecNote, uint64(s[0])|uint64(s[1])<<8|uint64(s[2])<<16|uint64(s[3])<<24|
			uint64(s[4])<<32|uint64(s[5])<<40|uint64(s[6])<<48|uint64(s[7])<<56)
	}
	var last uint64
	for i := len(s) - 1; i >= 0; i-- {
		last = last<<8 | uint64(s[i])
	}
	w.fold(RecNote, last)
	w.fold(RecNote, uint64(n))
}
