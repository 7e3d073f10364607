package sim

// entropyPanic is a panic of the run's entropy itself (rapid's data
// running out, say), on its way out of whatever code made the draw: a
// process's, a handler's, the scheduler's on any stack. It is structural:
// the world's entropy is wrapped once, at New, so every draw it makes,
// through every stream, raises its panic as an entropyPanic, and no draw
// site can forget to. The places that catch a run's panics (Proc.run, a
// process dispatching on its own stack, the loop) see it is not the
// code's and hand it on; Run raises its value again, so the entropy's
// owner (rapid tells a draw past its data from a failure by the panic's
// type) sees its own panic, never a failure of the run.
type entropyPanic struct{ v any }

// markPanics wraps e so that its panics are entropyPanics; a seed's
// entropy never panics and is left as it is.
func markPanics(e Entropy) Entropy {
	switch x := e.(type) {
	case *pcgSource:
		return e
	case Chooser:
		return markedChooser{marked{e}, x}
	case Keyed:
		return markedKeyed{marked{e}, x}
	}
	return marked{e}
}

// rethrow, deferred around a draw, raises the draw's panic as an
// entropyPanic.
func rethrow() {
	if r := recover(); r != nil {
		panic(entropyPanic{r})
	}
}

// marked is entropy whose draws panic as entropyPanics; markedChooser and
// markedKeyed keep what else the entropy is.
type marked struct{ e Entropy }

func (m marked) Uint64N(n uint64) uint64 {
	defer rethrow()
	return m.e.Uint64N(n)
}

type markedChooser struct {
	marked
	c Chooser
}

func (m markedChooser) Choose(d *Draw) uint64 {
	defer rethrow()
	return m.c.Choose(d)
}

type markedKeyed struct {
	marked
	k Keyed
}

func (m markedKeyed) Stream(name string) Entropy { return marked{m.k.Stream(name)} }
