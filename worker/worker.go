package worker

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/report"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/search"
	"github.com/kvsim/kvsim/sim/explore"
)

// Arg, as a program's first argument, makes it a worker.
const Arg = "__kvsim-lab-worker"

// Request is one request to a worker.
type Request struct {
	// Spec names the run, or the configuration of a search.
	Spec         kvsim.Spec    `json:"spec"`
	CheckTimeout time.Duration `json:"check_timeout,omitempty"`
	// Outputs, if set, asks for the run traced, with these outputs
	// written (report.WriteOutputs).
	Outputs *report.Outputs `json:"outputs,omitempty"`
	// Smallest, if set, asks instead for the smallest failing run of
	// Spec's scenario, profile and implementation (search.Smallest).
	Smallest *search.Request `json:"smallest,omitempty"`
}

// Response is a worker's answer to one Request.
type Response struct {
	// Result is the run's result, without what JSON does not carry (its
	// trace and checked histories).
	Result  scenarios.Result `json:"result"`
	Written *report.Written  `json:"written,omitempty"`
	Found   *search.Found    `json:"found,omitempty"`
	// Err says why the request could not be served (a Spec it cannot
	// resolve).
	Err string `json:"err,omitempty"`
}

// Serve is a worker's loop: it reads requests from in until it ends and
// writes a response to each on out. It resolves a Spec against the
// built-in scenarios and profiles and impl, the only implementation it
// knows, and makes every run with runner.
func Serve(in io.Reader, out io.Writer, impl kvsim.Impl, runner search.Runner) error {
	dec := json.NewDecoder(bufio.NewReader(in))
	enc := json.NewEncoder(out)
	for {
		var req Request
		if err := dec.Decode(&req); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := enc.Encode(serve(req, impl, runner)); err != nil {
			return err
		}
	}
}

func serve(req Request, impl kvsim.Impl, runner search.Runner) (resp Response) {
	cfg, err := Resolve(req.Spec, impl)
	if err != nil {
		resp.Err = err.Error()
		return resp
	}
	cfg.CheckTimeout = req.CheckTimeout
	switch {
	case req.Smallest != nil:
		found := search.Smallest(cfg, *req.Smallest, runner)
		resp.Found, resp.Result = &found, found.Result
	case req.Outputs != nil:
		cfg.Trace = req.Outputs.Any()
		w := report.WriteOutputs(runner.Try(cfg), *req.Outputs)
		resp.Written, resp.Result = &w, w.Result
	default:
		resp.Result = runner.Try(cfg)
	}
	return resp
}

// Resolve turns a Spec into the run it names, as a worker does: the
// built-in scenario and profile (the scenario's own when Faults is ""),
// the strategy (explore.ParseStrategy), and impl, which must be the one
// named.
func Resolve(s kvsim.Spec, impl kvsim.Impl) (scenarios.Config, error) {
	var cfg scenarios.Config
	if name := cmp.Or(s.Impl, kvsim.ReferenceName); name != impl.Name {
		return cfg, fmt.Errorf("worker: implementation %q: this worker runs %s only", name, impl.Name)
	}
	found := false
	for _, sc := range scenarios.All() {
		if sc.Name == s.Scenario {
			cfg.Scenario, found = sc, true
		}
	}
	if !found {
		return cfg, fmt.Errorf("worker: unknown scenario %q", s.Scenario)
	}
	faults := cmp.Or(s.Faults, cfg.Scenario.DefaultFaults)
	found = false
	for _, p := range scenarios.Profiles() {
		if p.Name == faults {
			cfg.Profile, found = p, true
		}
	}
	if !found {
		return cfg, fmt.Errorf("worker: unknown fault profile %q", faults)
	}
	strategy, err := explore.ParseStrategy(s.Strategy)
	if err != nil {
		return cfg, fmt.Errorf("worker: %v", err)
	}
	cfg.Impl, cfg.Seed, cfg.Strategy = impl, s.Seed, strategy
	return cfg, nil
}
