// Package report writes a one-page HTML report of a run: what happened, on
// a picture, and why it is wrong.
//
// The page is one self-contained file (no network, scripts or fonts from
// elsewhere) built with html/template and plain SVG and JavaScript embedded
// in this package. It holds a header (scenario, seed, implementation, fault
// model, workload, verdict, reason and the lines that replay and shrink the
// run), a space-time (Lamport) diagram on virtual time with a lane per
// client and one for the server, every request and reply as an arrow and the
// faults drawn where they struck, the history as operations on the same time
// axis with the violating core highlighted and explained, and step-through of
// the trace: click any event, or press the arrow keys, to see its trace line,
// the model's possible states at that instant and the messages in flight.
// Porcupine's own visualization is embedded behind a button, or linked.
//
// The input is a Run, a small struct FromResult builds from a
// scenarios.Result of a traced run, so the report depends on no internals of
// the harness.
//
// A run of a Raft scenario (package raft/scenario) has a page of its own,
// WriteRaft from a RaftRun that FromRaft builds: the same header, CSS,
// error capture and self-test, with a lane per server showing its role
// and term over time, the RPCs between servers (bundled past 600 in
// view), crashes, restarts, cuts and applied indexes, and the first
// violation of a check (raftcheck.Violation) in words and at its instant.
// It is a template and script of its own (raft.html.tmpl, raft.js) rather
// than a mode of the key/value page, whose script is built around a server
// lane, clients' operations and the model's states, none of which a Raft
// run has.
//
// Opening a report with #selftest appended to its URL makes the page check
// itself after rendering (the header and the core are shown, clicking an
// event shows its trace line, no script error happened) and write the outcome
// into an element with id "selftest"; the browser test reads it from
// headless Chromium's --dump-dom.
package report
