// Package campaign runs many seeds: the catalogue that turns names into
// scenarios, profiles and implementations (the only one), campaigns that
// run every selected scenario at every seed of a shard on every core, the
// guard that turns a panicking or hung run into a reported failure (a
// run's budget: wall time, or a worker process's processor time), replay
// of a result, rapid shrinking of a failing configuration, and the
// regression corpus that go test replays forever, each entry with the
// choices its run drew (Regression, EntryFile).
package campaign
