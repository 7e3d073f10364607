package kvsimtest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/scenarios"
)

// A fail file holds the failures of one test that go test replays first,
// as rapid's fail files do. Its first line names the format and its
// version; then an entry a line, "scenario seed faults impl
// [strategy=S]", each under a comment with its verdict. Lines starting
// with # are comments.
const (
	failFileMagic   = "kvsim fail file"
	failFileVersion = 1
)

// failFileHeader starts a fail file for test.
func failFileHeader(test string) string {
	return fmt.Sprintf(`%s v%d
# %s's failures, which go test replays before anything else
# (kvsimtest.Check), one a line: "scenario seed faults impl". Commit this
# file to keep the regressions; delete a line to forget one.
`, failFileMagic, failFileVersion, test)
}

// readFailFile returns a fail file's entries.
func readFailFile(path string) ([]campaign.Regression, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rs []campaign.Regression
	sc := bufio.NewScanner(f)
	versioned := false
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		switch {
		case !versioned && text == "":
			continue
		case !versioned:
			if err := checkVersion(text); err != nil {
				return nil, fmt.Errorf("%s:%d: %v", path, line, err)
			}
			versioned = true
			continue
		case text == "" || strings.HasPrefix(text, "#"):
			continue
		}
		r, err := campaign.ParseRegression(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		rs = append(rs, r)
	}
	return rs, sc.Err()
}

// checkVersion reads a fail file's first line.
func checkVersion(line string) error {
	version, ok := strings.CutPrefix(line, failFileMagic+" v")
	if !ok {
		return fmt.Errorf("not a kvsim fail file: its first line must be %q", fmt.Sprintf("%s v%d", failFileMagic, failFileVersion))
	}
	var v int
	if _, err := fmt.Sscanf(version, "%d", &v); err != nil || fmt.Sprint(v) != version {
		return fmt.Errorf("bad fail file version %q", version)
	}
	if v != failFileVersion {
		return fmt.Errorf("fail file version %d: this kvsim reads version %d (update kvsim, or delete the file)", v, failFileVersion)
	}
	return nil
}

// saveFailFile adds r to test's fail file at path, making the file and its
// directory as needed; it reports whether it added the entry (false when
// the file has it already).
func saveFailFile(path, test string, r scenarios.Result) (bool, error) {
	have, err := readFailFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return false, err
		}
	case err != nil:
		return false, err
	case slices.Contains(have, campaign.Regression{Spec: r.Spec}):
		return false, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return false, err
	}
	if info, err := f.Stat(); err == nil && info.Size() == 0 {
		_, err = io.WriteString(f, failFileHeader(test))
		if err != nil {
			return false, errors.Join(err, f.Close())
		}
	}
	_, err = io.WriteString(f, campaign.FormatRegression(r))
	err = errors.Join(err, f.Close())
	return err == nil, err
}
