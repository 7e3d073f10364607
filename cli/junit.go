package cli

import (
	"encoding/xml"
	"fmt"
	"io"

	"github.com/kvsim/kvsim/campaign"
)

// JUnit XML, as CI systems read it. Every failing seed is a test case;
// passed seeds are summarised in one test case per scenario (a campaign
// has millions), named the same whatever the counts. Every count is of the
// test cases written, as JUnit readers expect.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     float64      `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

func writeJUnit(w io.Writer, l campaignLabel, sum campaign.Summary) error {
	doc := junitSuites{Name: "kvsim campaign", Time: sum.Elapsed.Seconds()}
	for _, c := range sum.Scenarios {
		suite := junitSuite{Name: c.Scenario}
		class := "kvsim." + c.Scenario
		for _, r := range sum.Failures {
			if r.Scenario != c.Scenario {
				continue
			}
			text := fmt.Sprintf("%s\nfault model: %s\nrepro: %s\n", r.Summary(), r.FaultModel, r.Run)
			if r.GoTest != "" {
				text += "       " + r.GoTest + "\n"
			}
			if r.Shrink != "" {
				text += "shrink: " + r.Shrink + "\n"
			}
			if r.Stack != "" {
				text += "stack:\n" + r.Stack
			}
			suite.Cases = append(suite.Cases, junitCase{
				Name:      fmt.Sprintf("seed %d (faults %s, impl %s)", r.Seed, r.Faults, r.Impl),
				Classname: class,
				Failure:   &junitFailure{Message: "repro: " + r.Run, Type: string(r.Verdict), Text: text},
			})
		}
		if c.Passed > 0 {
			// The name stays the same from one campaign to the next, so
			// that CI keeps the case's history; the counts go in its
			// output.
			suite.Cases = append(suite.Cases, junitCase{
				Name:      fmt.Sprintf("passing seeds (impl %s)", l.Impl),
				Classname: class,
				SystemOut: fmt.Sprintf("%s passed (faults %s, impl %s, seeds from %d, shard %d/%d)", plural(c.Passed, "seed"), c.Faults, l.Impl, l.Start, l.Shard, l.Shards),
			})
		}
		if sum.Interrupted {
			suite.Cases = append(suite.Cases, junitCase{
				Name:      "campaign interrupted",
				Classname: class,
				Skipped:   &junitSkipped{Message: fmt.Sprintf("interrupted after %d runs of this scenario: the campaign is partial", c.Runs)},
			})
		}
		for _, tc := range suite.Cases {
			suite.Tests++
			if tc.Failure != nil {
				suite.Failures++
			}
			if tc.Skipped != nil {
				suite.Skipped++
			}
		}
		doc.Tests += suite.Tests
		doc.Failures += suite.Failures
		doc.Skipped += suite.Skipped
		doc.Suites = append(doc.Suites, suite)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
