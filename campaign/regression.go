package campaign

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/scenarios"
)

// A regression corpus is a text file of failures worth replaying forever.
// Its first line names the format and its version ("kvsim regression
// corpus v2"); then one entry a line, "scenario seed faults impl
// [strategy=S] [choices=C]", each under a comment with its verdict. Lines
// starting with # are comments. An entry's choices are every value its run
// drew, by stream (scenarios.Choices): replayed in place of the seed's
// draws, they make the same run after any change of how a seed draws its
// values (its PRNG, how streams are keyed, the order in which the world
// asks them, a fault or a client added). An entry without them replays its
// seed; so does every entry of a version 1 file, which had no first line.
// TestRegressions replays campaign/testdata/regressions.txt: reference
// entries are bugs that were fixed and must pass, zoo entries must still
// fail (the checks still catch them). kvsimtest's fail files hold the same
// entries under a first line of their own (EntryFile).

// entryVersion is the version of the entry files this kvsim writes: 2,
// entries with their recorded choices. It reads versions 1 and 2.
const entryVersion = 2

// Regression is one entry of a regression corpus or a fail file: the
// identity of the run it replays and, unless it is its seed alone, what
// that run drew.
type Regression struct {
	kvsim.Spec
	// Choices are what the run drew, replayed in place of its seed's
	// draws (scenarios.Config.Choices); nil for an entry of its seed
	// alone.
	Choices scenarios.Choices
}

// String is the entry's line: "scenario seed faults impl", then
// "strategy=S" and "choices=C" where set.
func (r Regression) String() string {
	s := fmt.Sprintf("%s %d %s %s", r.Scenario, r.Seed, r.Faults, r.Impl)
	if r.Strategy != "" {
		s += " strategy=" + r.Strategy
	}
	if r.Choices != nil {
		s += " choices=" + r.Choices.String()
	}
	return s
}

// parseRegression parses one entry's line, as Regression.String writes it.
func parseRegression(text string) (Regression, error) {
	fields := strings.Fields(text)
	if len(fields) < 4 {
		return Regression{}, fmt.Errorf("want \"scenario seed faults impl [strategy=S] [choices=C]\", got %q", text)
	}
	seed, err := strconv.ParseUint(fields[1], 10, 64)
	if err != nil {
		return Regression{}, fmt.Errorf("bad seed: %v", err)
	}
	r := Regression{Spec: kvsim.Spec{Scenario: fields[0], Seed: seed, Faults: fields[2], Impl: fields[3]}}
	for _, f := range fields[4:] {
		name, value, _ := strings.Cut(f, "=")
		switch {
		case name == "strategy" && value != "" && r.Strategy == "":
			r.Strategy = value
		case name == "choices" && r.Choices == nil:
			if r.Choices, err = scenarios.ParseChoices(value); err != nil {
				return Regression{}, err
			}
		default:
			return Regression{}, fmt.Errorf("unknown field %q (want strategy=S or choices=C, once each)", f)
		}
	}
	return r, nil
}

// ResolveEntry turns a regression entry into the run it replays: its
// Spec's, drawing the entry's choices when it has them.
func (c Catalogue) ResolveEntry(r Regression) (scenarios.Config, error) {
	cfg, err := c.Resolve(r.Spec)
	cfg.Choices = r.Choices
	return cfg, err
}

// entry is r's regression entry: its Spec and the choices its run draws,
// recorded from a replay made in this process (scenarios.Config.Record),
// guarded as RunGuarded's runs are (a timeout of 0 means
// DefaultRunTimeout), which must end as r did: same trace hash and
// verdict. An error says why r's choices cannot be recorded (a run made by
// rapid or a fuzzer, or elsewhere, one that never ended in the simulator,
// or a replay that differs); the entry is then r's seed alone.
func entry(ctx context.Context, r scenarios.Result, timeout time.Duration) (Regression, error) {
	e := Regression{Spec: r.Spec}
	cfg := r.Config()
	switch {
	case cfg.Scenario.Setup == nil:
		return e, errors.New("the run was not made in this process")
	case cfg.Entropy != nil:
		return e, errors.New("the run drew from rapid or a fuzzer, not its seed")
	case cfg.Choices != nil:
		e.Choices = cfg.Choices // a replay of an entry's choices
		return e, nil
	case r.TraceHash == "":
		return e, fmt.Errorf("the run never ended in the simulator (%s)", r.Verdict)
	}
	cfg.Record, cfg.Trace = true, false
	got, err := guard(ctx, cmpTimeout(timeout), cfg)
	switch {
	case err != nil:
		return e, err
	case got.TraceHash != r.TraceHash || got.Verdict != r.Verdict:
		return e, fmt.Errorf("its replay differs (%s, hash %s; the run was %s, hash %s): the implementation is not deterministic", got.Verdict, got.TraceHash, r.Verdict, r.TraceHash)
	case got.Choices == nil:
		return e, errors.New("a stream's name cannot be written in an entry")
	}
	e.Choices = got.Choices
	return e, nil
}

// EntryFile is the format of a file of regression entries: a first line
// of Magic and the version ("kvsim fail file v2"), then entries, each
// under a comment with its verdict. The regression corpus is one
// (SaveRegression, ReadRegressions), kvsimtest's fail files another.
type EntryFile struct {
	// Magic starts the first line, before " v" and the version.
	Magic string
	// Header is the comment lines a new file gets under its first line.
	Header string
	// unversioned reads a file whose first line is not Magic's as
	// version 1, whose entries are seeds alone (the corpus had no first
	// line before version 2); otherwise such a file is an error.
	unversioned bool
}

// corpus is the regression corpus's format.
var corpus = EntryFile{Magic: "kvsim regression corpus", unversioned: true, Header: `# One failure a line, "scenario seed faults impl [strategy=S] choices=C",
# under a comment with its verdict. choices= are what the run drew, by
# stream: replayed in place of the seed's draws, the entry stays the same
# run after any change of how seeds draw (an entry without them replays its
# seed). go test ./campaign -run TestRegressions replays every entry:
# entries for the reference record fixed bugs and must pass; entries for
# zoo/... must still fail. Add entries with
# 'kvsim campaign --save-failures FILE'.
`}

// ReadRegressions parses a regression corpus.
func ReadRegressions(path string) ([]Regression, error) { return corpus.Read(path) }

// SaveRegression appends r's entry to the corpus at path, with its
// verdict as a comment, unless the corpus has an entry of r's Spec
// already; it reports whether it added the entry. A missing file (or an
// empty one) is given a first line and a header that explains the format.
func SaveRegression(path string, r scenarios.Result) (added bool, err error) {
	return corpus.Save(path, r)
}

// Read returns the entries of the file at path.
func (f EntryFile) Read(path string) ([]Regression, error) {
	_, rs, err := f.read(path)
	return rs, err
}

// read returns the file's version and entries.
func (f EntryFile) read(path string) (int, []Regression, error) {
	file, err := os.Open(path)
	if err != nil {
		return 0, nil, err
	}
	defer file.Close()
	var rs []Regression
	sc := bufio.NewScanner(file)
	sc.Buffer(nil, 64<<20) // an entry's choices make long lines
	version := 0
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if version == 0 {
			if text == "" {
				continue
			}
			v, ok, err := f.version(text)
			switch {
			case err != nil:
				return 0, nil, fmt.Errorf("%s:%d: %v", path, line, err)
			case !ok && !f.unversioned:
				return 0, nil, fmt.Errorf("%s:%d: not a %s: its first line must be %q", path, line, f.Magic, f.firstLine())
			case ok:
				version = v
				continue
			}
			version = 1 // an unversioned file: this line is its first entry or comment
		}
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		r, err := parseRegression(text)
		if err == nil && r.Choices != nil && version < 2 {
			err = fmt.Errorf("choices= in a version %d file (they came in version 2)", version)
		}
		if err != nil {
			return 0, nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		rs = append(rs, r)
	}
	return version, rs, sc.Err()
}

// version reads a first line: whether it is Magic's, and its version.
func (f EntryFile) version(line string) (int, bool, error) {
	s, ok := strings.CutPrefix(line, f.Magic+" v")
	if !ok {
		return 0, false, nil
	}
	v, err := strconv.Atoi(s)
	switch {
	case err != nil || v < 1 || strconv.Itoa(v) != s:
		return 0, false, fmt.Errorf("bad %s version %q", f.Magic, s)
	case v > entryVersion:
		return 0, false, fmt.Errorf("%s version %d: this kvsim reads versions 1 to %d (update kvsim, or delete the file)", f.Magic, v, entryVersion)
	}
	return v, true, nil
}

func (f EntryFile) firstLine() string { return fmt.Sprintf("%s v%d", f.Magic, entryVersion) }

// Save adds r's entry (its choices recorded from a guarded replay,
// or its seed alone with a comment that says why) to the file at path,
// made with its folder as needed, unless the file has an entry of r's Spec
// already; it reports whether it added the entry. A file of an older
// version is brought to this one first (its first line), since its entries
// read the same.
func (f EntryFile) Save(path string, r scenarios.Result) (bool, error) {
	version, have, err := f.read(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return false, err
		}
	case err != nil:
		return false, err
	case slices.ContainsFunc(have, func(h Regression) bool { return h.Spec == r.Spec }):
		return false, nil
	case version > 0 && version < entryVersion:
		if err := f.upgrade(path); err != nil {
			return false, err
		}
	}
	e, recErr := entry(context.Background(), r, 0)
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return false, err
	}
	if info, err := file.Stat(); err == nil && info.Size() == 0 {
		if _, err := io.WriteString(file, f.firstLine()+"\n"+f.Header); err != nil {
			return false, errors.Join(err, file.Close())
		}
	}
	_, err = io.WriteString(file, formatEntry(e, r, recErr))
	err = errors.Join(err, file.Close())
	return err == nil, err
}

// upgrade gives the file at path this version's first line, in place of
// its own (or above its first, when it had none).
func (f EntryFile) upgrade(path string) error {
	text, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	first, rest, _ := strings.Cut(string(text), "\n")
	if _, ok, _ := f.version(strings.TrimSpace(first)); !ok {
		rest = string(text)
	}
	return os.WriteFile(path, []byte(f.firstLine()+"\n"+rest), 0o644)
}

// formatEntry is e, r's entry, as a file holds it: a comment with r's
// verdict and the first line of its reason, a comment saying why the entry
// is its seed alone when recErr does, then the entry's line.
func formatEntry(e Regression, r scenarios.Result, recErr error) string {
	reason, _, _ := strings.Cut(r.Reason, "\n")
	if len(reason) > 120 {
		reason = strings.ToValidUTF8(reason[:117], "") + "..."
	}
	s := fmt.Sprintf("# %s: %s\n", r.Verdict, reason)
	if recErr != nil {
		s += fmt.Sprintf("# its seed alone: its choices were not recorded: %v\n", recErr)
	}
	return s + e.String() + "\n"
}
