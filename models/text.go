package models

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kvsim/kvsim/kv/rpc"
)

// FormatKV writes a history as text, one operation per line in the order
// given:
//
//	c<client> [<call>,<return>] <operation> -> <output>
//
// The operation and output read as in the visualization: put(k1, "x", v0)
// -> OK, get(k1) -> "x"@v1, get(k2) -> ErrNoKey. An Unknown operation has ?
// for its return and its output. Values are always quoted; keys and errors
// only when they hold characters other than letters, digits and _.:/-.
//
// FormatKV writes what the checker reads: ParseKV gives back the same history
// except for fields the checker ignores (the Return and Output fields of an
// Unknown op, Value and Version of an output other than a Get's OK).
func FormatKV(ops []KVOp) string {
	var b strings.Builder
	for _, op := range ops {
		ret := "?"
		if !op.Output.Unknown {
			ret = strconv.FormatInt(op.Return, 10)
		}
		fmt.Fprintf(&b, "c%d [%d,%s] %s\n", op.Client, op.Call, ret, describeKV(op.Input, op.Output))
	}
	return b.String()
}

// ParseKV reads a history written by FormatKV. Blank lines are skipped, and
// # starts a comment that runs to the end of the line. An error names the
// line and column where the text stops making sense. Lines of any length are
// read (the text is already in memory); ReadKV reads from a file or stream.
func ParseKV(text string) ([]KVOp, error) {
	ops, _, err := readKV(strings.NewReader(text), len(text)+1, false, "ParseKV")
	return ops, err
}

// MaxKVLine is the longest line ReadKV reads, in bytes counting its newline:
// far longer than any operation kvsim writes, short enough that a file that
// is not a history (one enormous line) fails early, without growing a buffer
// as large as itself.
const MaxKVLine = 16 << 20

// ReadKV reads a history written by FormatKV from r, as ParseKV reads its
// text, a line at a time: it holds one line and the operations read, never
// the whole text. lines[i] is the line (from 1) ops[i] was read from. A line
// longer than MaxKVLine is an error; so is an error reading r, which the
// error returned wraps.
func ReadKV(r io.Reader) (ops []KVOp, lines []int, err error) {
	return readKV(r, MaxKVLine, true, "ReadKV")
}

// readKV reads the operations of r, lines of at most maxLine bytes counting
// the newline, and their line numbers if withLines. fn names the function in
// errors.
func readKV(r io.Reader, maxLine int, withLines bool, fn string) ([]KVOp, []int, error) {
	// The buffer holds a line and its newline: it starts small and grows
	// (doubling) to hold the longest line, up to maxLine bytes.
	buf := make([]byte, min(64<<10, maxLine))
	var (
		ops   opBlocks
		lines []int
		sc    scanner
		n     int // the line number
	)
	sc.strs.size = maxInternSlots
	if r, ok := r.(io.ReadSeeker); ok {
		count, err := countOps(r, buf)
		if err != nil {
			return nil, nil, fmt.Errorf("models: %s: %w", fn, err)
		}
		sc.strs.size = min(maxInternSlots, max(64, 1<<bits.Len(uint(count))))
		if count > 0 {
			ops.last = make([]KVOp, 0, count)
			if withLines {
				lines = make([]int, 0, count)
			}
		}
	}
	in := bufio.NewScanner(r)
	in.Buffer(buf, maxLine)
	in.Split(scanLines)
	for in.Scan() {
		n++
		sc.s, sc.i, sc.token = in.Bytes(), 0, 0
		if sc.atEnd() {
			continue
		}
		op, err := sc.kvOp()
		if err == nil && !sc.atEnd() {
			err = errors.New("unexpected text after the output")
		}
		if err != nil {
			return nil, nil, fmt.Errorf("models: %s: line %d, column %d: %w", fn, n, sc.token+1, err)
		}
		ops.add(op)
		if withLines {
			lines = append(lines, n)
		}
	}
	switch err := in.Err(); {
	case errors.Is(err, bufio.ErrTooLong):
		return nil, nil, fmt.Errorf("models: %s: line %d: longer than %d bytes, too long for an operation of a text history (one a line)", fn, n+1, maxLine-1)
	case err != nil:
		return nil, nil, fmt.Errorf("models: %s: reading line %d: %w", fn, n+1, err)
	}
	return ops.all(), lines, nil
}

// opBlocks gathers operations in blocks that are never copied as they
// fill, each twice as large as the last up to maxOpBlock, and then into one
// slice of the right length: each operation is copied once, where append
// would copy it several times, and at most twice the history is held. The
// first block may be made as large as the history (countOps), and is then
// the slice returned.
type opBlocks struct {
	full [][]KVOp
	last []KVOp
	n    int
}

const maxOpBlock = 1 << 16 // 7.5 MB

func (b *opBlocks) add(op KVOp) {
	if len(b.last) == cap(b.last) {
		if b.last != nil {
			b.full = append(b.full, b.last)
		}
		b.last = make([]KVOp, 0, min(max(16, 2*cap(b.last)), maxOpBlock))
	}
	b.last = append(b.last, op)
	b.n++
}

func (b *opBlocks) all() []KVOp {
	switch {
	case b.n == 0:
		return nil // as before
	case len(b.full) == 0:
		return b.last
	}
	ops := make([]KVOp, 0, b.n)
	for _, block := range b.full {
		ops = append(ops, block...)
	}
	return append(ops, b.last...)
}

// countOps reads r to its end and back, if it can seek, and returns how
// many of its lines may be operations, at most: those of at least
// minOpLine bytes that start with c after space. For a history the
// operations slice is then made once, of the right length, not grown and
// copied. Text that is not a history counts none unless its first such
// line is an operation (the count is at most its size over minOpLine, the
// slice 7 times its size). A line longer than buf (not growing it), or an
// error reading, stops the count: the next reading finds them.
func countOps(r io.ReadSeeker, buf []byte) (int, error) {
	start, err := r.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, nil // a pipe, say: the slice grows
	}
	in := bufio.NewScanner(r)
	in.Buffer(buf, len(buf))
	in.Split(scanLines)
	count := 0
	for in.Scan() {
		line := in.Bytes()
		i := 0
		for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
			i++
		}
		if len(line)-i < minOpLine || line[i] != 'c' {
			continue
		}
		if count == 0 {
			sc := scanner{s: line, i: i}
			if _, err := sc.kvOp(); err != nil || !sc.atEnd() {
				break
			}
		}
		count++
	}
	if _, err := r.Seek(start, io.SeekStart); err != nil {
		return 0, err
	}
	return count, nil
}

// minOpLine is the length of the shortest operations, such as
// c0[1,2]get(k)->E.
const minOpLine = len("c0[1,2]get(k)->E")

// scanLines is bufio.ScanLines keeping a \r before the newline (strings.Split
// on "\n" did, and the column of an error after it counts it).
func scanLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// scanner reads one line of a text history. The line is the reader's
// buffer: what an operation keeps of it (keys, values, errors) is copied,
// through strs.
type scanner struct {
	s     []byte
	i     int
	token int // where the token being read starts, for error messages
	strs  interned
}

// interned holds strings recently read, so that a history's repeated keys,
// values (a get's is a put's) and errors share one copy: a small cache of
// size slots (a power of 2, or 0 for none), made on first use, indexed by
// a hash of the bytes, each slot the last string that hashed to it.
type interned struct {
	size  int
	seed  maphash.Seed
	slots []string
}

const maxInternSlots = 4096

// str returns b as a string, the one in the cache if it is there.
func (in *interned) str(b []byte) string {
	if len(b) == 0 || in.size == 0 {
		return string(b)
	}
	if in.slots == nil {
		in.seed, in.slots = maphash.MakeSeed(), make([]string, in.size)
	}
	slot := &in.slots[maphash.Bytes(in.seed, b)&uint64(len(in.slots)-1)]
	if *slot != string(b) {
		*slot = string(b)
	}
	return *slot
}

// skipSpace moves to the start of the next token.
func (sc *scanner) skipSpace() {
	for sc.i < len(sc.s) && (sc.s[sc.i] == ' ' || sc.s[sc.i] == '\t' || sc.s[sc.i] == '\r') {
		sc.i++
	}
	sc.token = sc.i
}

// atEnd reports whether only space and a comment remain.
func (sc *scanner) atEnd() bool {
	sc.skipSpace()
	return sc.i == len(sc.s) || sc.s[sc.i] == '#'
}

// next reports whether lit comes next, where the token starts.
func (sc *scanner) next(lit string) bool {
	if len(lit) == 1 { // most are
		return sc.i < len(sc.s) && sc.s[sc.i] == lit[0]
	}
	return len(sc.s)-sc.i >= len(lit) && string(sc.s[sc.i:sc.i+len(lit)]) == lit
}

// eat consumes lit, after optional space, if it comes next.
func (sc *scanner) eat(lit string) bool {
	sc.skipSpace()
	if sc.next(lit) {
		sc.i += len(lit)
		return true
	}
	return false
}

func (sc *scanner) expect(lit string) error {
	if !sc.eat(lit) {
		return fmt.Errorf("expected %q", lit)
	}
	return nil
}

// word consumes a run of bare characters (see bare). It is the line's
// bytes: valid until the next line is read.
func (sc *scanner) word() []byte {
	sc.skipSpace()
	start := sc.i
	for sc.i < len(sc.s) && isBare(sc.s[sc.i]) {
		sc.i++
	}
	return sc.s[start:sc.i]
}

// quoted reads a string in double quotes, as strconv.QuotedPrefix and
// Unquote do.
func (sc *scanner) quoted() (string, error) {
	sc.skipSpace()
	rest := sc.s[sc.i:]
	// What strconv does without a copy when there is no escape: the
	// bytes up to the next quote, if they are valid UTF-8.
	if len(rest) > 0 && rest[0] == '"' {
		if end := bytes.IndexByte(rest[1:], '"'); end >= 0 {
			body := rest[1 : 1+end]
			if bytes.IndexByte(body, '\\') < 0 && bytes.IndexByte(body, '\n') < 0 && utf8.Valid(body) {
				sc.i += end + 2
				return sc.strs.str(body), nil
			}
		}
	}
	q, err := strconv.QuotedPrefix(string(rest))
	if err != nil {
		return "", errors.New("expected a quoted string")
	}
	sc.i += len(q)
	s, err := strconv.Unquote(q)
	return sc.strs.str([]byte(s)), err
}

// str reads a string written by bare: quoted, or a non-empty bare word.
func (sc *scanner) str() (string, error) {
	if sc.skipSpace(); sc.next(`"`) {
		return sc.quoted()
	}
	if w := sc.word(); len(w) != 0 {
		return sc.strs.str(w), nil
	}
	return "", errors.New("expected a word or a quoted string")
}

// digits returns the value of w if it is 1 to 18 decimal digits, which
// cannot overflow an int64, and whether it is.
func digits(w []byte) (int64, bool) {
	if len(w) == 0 || len(w) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range w {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// int reads an integer as strconv.ParseInt(w, 10, 64) does.
func (sc *scanner) int() (int64, error) {
	w := sc.word()
	if len(w) > 0 && w[0] == '-' {
		if n, ok := digits(w[1:]); ok {
			return -n, nil
		}
	} else if n, ok := digits(w); ok {
		return n, nil
	}
	n, err := strconv.ParseInt(string(w), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("expected an integer, found %q", w)
	}
	return n, nil
}

// version reads v and a version, as strconv.ParseUint(w[1:], 10, 64) does.
func (sc *scanner) version() (rpc.Tversion, error) {
	w := sc.word()
	if len(w) > 0 && w[0] == 'v' {
		if n, ok := digits(w[1:]); ok {
			return rpc.Tversion(n), nil
		}
		if n, err := strconv.ParseUint(string(w[1:]), 10, 64); err == nil {
			return rpc.Tversion(n), nil
		}
	}
	return 0, fmt.Errorf("expected a version like v3, found %q", w)
}

func (sc *scanner) kvOp() (KVOp, error) {
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

func (sc *scanner) kvInput() (KVInput, error) {
	var in KVInput
	var err error
	switch name := sc.word(); string(name) {
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
func (sc *scanner) kvOutput() (KVOutput, error) {
	var out KVOutput
	if sc.eat("?") {
		out.Unknown = true
		return out, nil
	}
	if sc.skipSpace(); !sc.next(`"`) {
		w := sc.word()
		if len(w) == 0 {
			return out, errors.New(`expected ?, "value"@vN or an error`)
		}
		out.Err = rpc.Err(sc.strs.str(w))
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

// bare returns s as it is if it is a non-empty run of letters, digits and
// _.:/- and quoted otherwise, so that keys and owners read plainly but any
// string survives a round trip through text.
func bare(s string) string {
	for i := range len(s) {
		if !isBare(s[i]) {
			return strconv.Quote(s)
		}
	}
	if s == "" {
		return `""`
	}
	return s
}

func isBare(c byte) bool { return bareChars[c] }

// bareChars[c] says whether c may be in a bare word: letters, digits and
// _.:/-.
var bareChars = func() (t [256]bool) {
	for c := range 256 {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_.:/-", byte(c)) >= 0
	}
	return t
}()

func versionText(v rpc.Tversion) string {
	return "v" + strconv.FormatUint(uint64(v), 10)
}
