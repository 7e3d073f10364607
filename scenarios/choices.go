package scenarios

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kvsim/kvsim/sim"
	"github.com/kvsim/kvsim/sim/explore"
)

// Choices are the values a run drew, by the name of the stream it drew
// them on (sim.Keyed: "tie", a fault kind's name, "swarm/drop-req",
// "workload/c0", ...; "" for draws on no stream), in the order drawn on
// each. A run replayed from its Choices (Config.Choices) draws the same
// values again on each stream, so it is the same run, whatever has
// changed since in how a seed makes its values: the seed's PRNG, how
// streams are keyed by name, the order in which the world asks its streams
// for values, or a stream added beside the others (a new stream has no
// recorded values and draws 0, its simplest outcome: a new fault stays
// off). Regression entries and kvsimtest's fail files keep a failure's
// Choices beside its seed.
type Choices map[string][]uint64

// String writes c on one line, with no space: its streams in order of name,
// separated by commas, each its name, a colon and its values as
// explore.FormatChoices writes them (a run of k zeros is "0*k"); the zeros
// that end a stream are left out, since a stream past its values draws 0.
// ParseChoices reads it back.
func (c Choices) String() string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(c)) {
		vs := c[name]
		for len(vs) > 0 && vs[len(vs)-1] == 0 {
			vs = vs[:len(vs)-1]
		}
		if len(vs) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(explore.FormatChoices(vs))
	}
	return b.String()
}

// ParseChoices reads what Choices.String wrote. The empty string is a run
// that drew nothing but zeros: non-nil, no streams.
func ParseChoices(s string) (Choices, error) {
	c := Choices{}
	if s == "" {
		return c, nil
	}
	for _, part := range strings.Split(s, ",") {
		name, values, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("choices: %q is not stream:values", part)
		}
		if _, dup := c[name]; dup {
			return nil, fmt.Errorf("choices: stream %q twice", name)
		}
		vs, err := explore.ParseChoices(values)
		if err != nil {
			return nil, fmt.Errorf("choices: stream %q: %v", name, err)
		}
		c[name] = vs
	}
	return c, nil
}

// checkStreamName reports a stream name that Choices.String could not
// write so that ParseChoices reads it back.
func checkStreamName(name string) error {
	if strings.ContainsAny(name, ",: \t\r\n") {
		return fmt.Errorf("choices: stream name %q has a comma, colon or space", name)
	}
	return nil
}

// recorder is entropy that draws from another and keeps every value drawn,
// by stream. It is keyed, so each of its streams records under its own
// name; a Chooser's draws are recorded by the stream each names
// (choosingRecorder).
type recorder struct {
	e       sim.Entropy
	streams map[string]*recordedStream
	err     error // a stream name Choices cannot hold
}

type recordedStream struct {
	e     sim.Entropy
	drawn []uint64
}

func (s *recordedStream) Uint64N(n uint64) uint64 {
	v := s.e.Uint64N(n)
	s.drawn = append(s.drawn, v)
	return v
}

// record returns entropy that draws from e and records what it draws,
// and a function that returns the choices recorded so far (or an error for
// a stream name that Choices cannot hold).
func record(e sim.Entropy) (sim.Entropy, func() (Choices, error)) {
	r := &recorder{e: e, streams: map[string]*recordedStream{}}
	if c, ok := e.(sim.Chooser); ok {
		return &choosingRecorder{r, c}, r.choices
	}
	return r, r.choices
}

func (r *recorder) stream(name string) *recordedStream {
	s := r.streams[name]
	if s == nil {
		if err := checkStreamName(name); err != nil && r.err == nil {
			r.err = err
		}
		s = &recordedStream{}
		r.streams[name] = s
	}
	return s
}

// Uint64N draws on the entropy's own stream, recorded as "".
func (r *recorder) Uint64N(n uint64) uint64 {
	s := r.stream("")
	if s.e == nil {
		s.e = r.e
	}
	return s.Uint64N(n)
}

// Stream implements sim.Keyed: e's stream of name, recorded under name.
func (r *recorder) Stream(name string) sim.Entropy {
	s := r.stream(name)
	if s.e == nil {
		s.e = sim.Stream(r.e, name)
	}
	return s
}

func (r *recorder) choices() (Choices, error) {
	if r.err != nil {
		return nil, r.err
	}
	c := make(Choices, len(r.streams))
	for name, s := range r.streams {
		c[name] = slices.Clone(s.drawn)
	}
	return c, nil
}

// choosingRecorder records a Chooser's draws: the world asks it every
// decision, each named with its stream (sim.Draw.Stream), and its
// Workload draws on a stream come back through Choose too.
type choosingRecorder struct {
	*recorder
	c sim.Chooser
}

func (r *choosingRecorder) Choose(d *sim.Draw) uint64 {
	v := r.c.Choose(d)
	s := r.stream(d.Stream)
	s.drawn = append(s.drawn, v)
	return v
}

// replay is keyed entropy that draws recorded Choices again: each stream
// its own values in order, then zeros, as explore.Replay draws them (a
// value is held to the draw's range, so that a changed range still gets a
// valid draw).
type replay struct {
	c       Choices
	streams map[string]sim.Entropy
}

func newReplay(c Choices) *replay {
	return &replay{c: c, streams: make(map[string]sim.Entropy, len(c))}
}

// Stream implements sim.Keyed.
func (p *replay) Stream(name string) sim.Entropy {
	s := p.streams[name]
	if s == nil {
		s = explore.Replay(p.c[name])
		p.streams[name] = s
	}
	return s
}

// Uint64N draws on the stream "".
func (p *replay) Uint64N(n uint64) uint64 { return p.Stream("").Uint64N(n) }
