package models

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kvsim/kvsim/kv/rpc"
)

// refParseKV is ParseKV as it was before it streamed (commit 53b9c98: the
// whole text split into lines, each parsed as a string), kept to check that
// ParseKV and ReadKV still accept the same texts, give the same operations
// and fail with the same errors.
func refParseKV(text string) ([]KVOp, error) {
	var ops []KVOp
	for n, line := range strings.Split(text, "\n") {
		sc := &refScanner{s: line}
		if sc.atEnd() {
			continue
		}
		op, err := sc.kvOp()
		if err == nil && !sc.atEnd() {
			err = errors.New("unexpected text after the output")
		}
		if err != nil {
			return nil, fmt.Errorf("models: ParseKV: line %d, column %d: %w", n+1, sc.token+1, err)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// refScanner is the old scanner of one line, a string.
type refScanner struct {
	s     string
	i     int
	token int // where the token being read starts, for error messages
}

// skipSpace moves to the start of the next token.
func (sc *refScanner) skipSpace() {
	for sc.i < len(sc.s) && (sc.s[sc.i] == ' ' || sc.s[sc.i] == '\t' || sc.s[sc.i] == '\r') {
		sc.i++
	}
	sc.token = sc.i
}

// atEnd reports whether only space and a comment remain.
func (sc *refScanner) atEnd() bool {
	sc.skipSpace()
	return sc.i == len(sc.s) || sc.s[sc.i] == '#'
}

// eat consumes lit, after optional space, if it comes next.
func (sc *refScanner) eat(lit string) bool {
	sc.skipSpace()
	if strings.HasPrefix(sc.s[sc.i:], lit) {
		sc.i += len(lit)
		return true
	}
	return false
}

func (sc *refScanner) expect(lit string) error {
	if !sc.eat(lit) {
		return fmt.Errorf("expected %q", lit)
	}
	return nil
}

// word consumes a run of bare characters (see bare).
func (sc *refScanner) word() string {
	sc.skipSpace()
	start := sc.i
	for sc.i < len(sc.s) && isBare(sc.s[sc.i]) {
		sc.i++
	}
	return sc.s[start:sc.i]
}

func (sc *refScanner) quoted() (string, error) {
	sc.skipSpace()
	q, err := strconv.QuotedPrefix(sc.s[sc.i:])
	if err != nil {
		return "", errors.New("expected a quoted string")
	}
	sc.i += len(q)
	return strconv.Unquote(q)
}

// str reads a string written by bare: quoted, or a non-empty bare word.
func (sc *refScanner) str() (string, error) {
	if sc.skipSpace(); strings.HasPrefix(sc.s[sc.i:], `"`) {
		return sc.quoted()
	}
	if w := sc.word(); w != "" {
		return w, nil
	}
	return "", errors.New("expected a word or a quoted string")
}

func (sc *refScanner) int() (int64, error) {
	w := sc.word()
	n, err := strconv.ParseInt(w, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("expected an integer, found %q", w)
	}
	return n, nil
}

func (sc *refScanner) version() (rpc.Tversion, error) {
	w := sc.word()
	n, err := strconv.ParseUint(strings.TrimPrefix(w, "v"), 10, 64)
	if err != nil || !strings.HasPrefix(w, "v") {
		return 0, fmt.Errorf("expected a version like v3, found %q", w)
	}
	return rpc.Tversion(n), nil
}

func (sc *refScanner) kvOp() (KVOp, error) {
	var op KVOp
	var err error
	if err = sc.expect("c"); err != nil {
		return op, err
	}
	client, err := sc.int()
	if err != nil {
		return op, err
	}
	op.Client = int(client)
	if err = sc.expect("["); err != nil {
		return op, err
	}
	if op.Call, err = sc.int(); err != nil {
		return op, err
	}
	if err = sc.expect(","); err != nil {
		return op, err
	}
	unknownReturn := sc.eat("?")
	if !unknownReturn {
		if op.Return, err = sc.int(); err != nil {
			return op, err
		}
	}
	if err = sc.expect("]"); err != nil {
		return op, err
	}
	if op.Input, err = sc.kvInput(); err != nil {
		return op, err
	}
	if err = sc.expect("->"); err != nil {
		return op, err
	}
	if op.Output, err = sc.kvOutput(); err != nil {
		return op, err
	}
	if unknownReturn != op.Output.Unknown {
		return op, errors.New("an unknown outcome needs ? both for the return and the output")
	}
	return op, nil
}

func (sc *refScanner) kvInput() (KVInput, error) {
	var in KVInput
	var err error
	switch name := sc.word(); name {
	case "get":
		in.Op = OpGet
	case "put":
		in.Op = OpPut
	default:
		return in, fmt.Errorf("expected get or put, found %q", name)
	}
	if err = sc.expect("("); err != nil {
		return in, err
	}
	if in.Key, err = sc.str(); err != nil {
		return in, err
	}
	if in.Op == OpPut {
		if err = sc.expect(","); err != nil {
			return in, err
		}
		if in.Value, err = sc.str(); err != nil {
			return in, err
		}
		if err = sc.expect(","); err != nil {
			return in, err
		}
		if in.Version, err = sc.version(); err != nil {
			return in, err
		}
	}
	return in, sc.expect(")")
}

// kvOutput reads ?, "value"@vN (a Get's OK) or an error name.
func (sc *refScanner) kvOutput() (KVOutput, error) {
	var out KVOutput
	if sc.eat("?") {
		out.Unknown = true
		return out, nil
	}
	if sc.skipSpace(); !strings.HasPrefix(sc.s[sc.i:], `"`) {
		w := sc.word()
		if w == "" {
			return out, errors.New(`expected ?, "value"@vN or an error`)
		}
		out.Err = rpc.Err(w)
		return out, nil
	}
	s, err := sc.quoted()
	if err != nil {
		return out, err
	}
	if !sc.eat("@") { // a quoted error name, written so because of odd characters
		out.Err = rpc.Err(s)
		return out, nil
	}
	out.Value, out.Err = s, rpc.OK
	out.Version, err = sc.version()
	return out, err
}
