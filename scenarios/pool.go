package scenarios

import "github.com/kvsim/kvsim/sim"

// Pool is what runs made one after another on one goroutine lend each
// other: the simulator's coroutines and memory (sim.Pool), and an Env's:
// its history, its clients and their buffers. Whoever makes such runs, as
// a campaign's worker does, passes one in Config.Pool and closes it when
// done. A pool never changes a run, and no Result keeps it or its memory.
// The zero value is ready to use.
type Pool struct {
	sim sim.Pool
	env *Env // an untraced run's, given back after its checks
}

// Close ends the pool's idle coroutines.
func (p *Pool) Close() { p.sim.Close() }

// simPool is p's simulator pool, nil for no pool.
func (p *Pool) simPool() *sim.Pool {
	if p == nil {
		return nil
	}
	return &p.sim
}

// takeEnv is the Env a run may reuse, if any.
func (p *Pool) takeEnv() *Env {
	if p == nil {
		return nil
	}
	e := p.env
	p.env = nil
	return e
}

// giveEnv takes back a finished run's Env, cleared, for the next run. Run
// gives back only an untraced run's: a traced Result keeps its history.
func (p *Pool) giveEnv(e *Env) {
	if p == nil {
		return
	}
	clear(e.ops)
	for _, c := range e.clients {
		c.recycle()
	}
	clear(e.holders)
	e.rec.Reset()
	e.checks.reset()
	*e = Env{rec: e.rec, checks: e.checks, ops: e.ops[:0], holders: e.holders[:0], clients: e.clients}
	p.env = e
}
