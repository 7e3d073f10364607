package kvsimtest

import (
	"fmt"

	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/scenarios"
)

// A fail file holds the failures of one test that go test replays first,
// as rapid's fail files do. Its first line names the format and its
// version ("kvsim fail file v2"); then an entry a line, "scenario seed
// faults impl [strategy=S] choices=C", each under a comment with its
// verdict, as in the regression corpus (campaign.EntryFile). An entry's
// choices are what its run drew, so that it replays that run after any
// change of how seeds draw. Version 1 files, whose entries are seeds
// alone, are read as they are and brought to version 2 when an entry is
// added.

// failFile is the format of test's fail file.
func failFile(test string) campaign.EntryFile {
	return campaign.EntryFile{Magic: "kvsim fail file", Header: fmt.Sprintf(`# %s's failures, which go test replays before anything else
# (kvsimtest.Check), one a line: "scenario seed faults impl choices=C",
# where choices are what the run drew, so that the entry replays that run
# whatever changes in how seeds draw. Commit this file to keep the
# regressions; delete a line to forget one.
`, test)}
}

// readFailFile returns a fail file's entries.
func readFailFile(path string) ([]campaign.Regression, error) {
	return failFile("").Read(path)
}

// saveFailFile adds r's entry, with the choices its run draws, to test's
// fail file at path, making the file and its directory as needed; it
// reports whether it added the entry (false when the file has it already).
func saveFailFile(path, test string, r scenarios.Result) (bool, error) {
	return failFile(test).Save(path, r)
}
