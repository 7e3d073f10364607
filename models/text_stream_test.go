package models

import (
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/kvsim/kvsim/kv/rpc"
)

// refOpLines is how kvsim check numbered the operations of a text history
// before ReadKV did: the lines refParseKV does not skip.
func refOpLines(text string) []int {
	var lines []int
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimLeft(line, " \t\r")
		if line != "" && line[0] != '#' {
			lines = append(lines, n+1)
		}
	}
	return lines
}

// sameAsBefore fails unless ParseKV and ReadKV (over r's reading of the
// text) give what refParseKV gives: the same operations, or the same error
// (ReadKV's naming itself), and ReadKV the line numbers kvsim check used.
func sameAsBefore(t testing.TB, text string, reader func(io.Reader) io.Reader) {
	t.Helper()
	want, wantErr := refParseKV(text)
	got, err := ParseKV(text)
	if !sameErr(err, wantErr, "ParseKV") || !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseKV(%.200q) = %d ops, %v; before: %d ops, %v", text, len(got), err, len(want), wantErr)
	}
	got, lines, err := ReadKV(reader(strings.NewReader(text)))
	if !sameErr(err, wantErr, "ReadKV") || !reflect.DeepEqual(got, want) {
		t.Fatalf("ReadKV(%.200q) = %d ops, %v; ParseKV before: %d ops, %v", text, len(got), err, len(want), wantErr)
	}
	if wantLines := refOpLines(text); err == nil && !reflect.DeepEqual(lines, wantLines) && (len(lines) > 0 || len(wantLines) > 0) {
		t.Fatalf("ReadKV(%.200q): lines %v, want %v", text, lines, wantLines)
	}
}

func sameErr(err, want error, fn string) bool {
	if err == nil || want == nil {
		return err == nil && want == nil
	}
	return err.Error() == strings.Replace(want.Error(), "models: ParseKV: ", "models: "+fn+": ", 1)
}

func plain(r io.Reader) io.Reader { return r }

// oddOps are operations whose keys, values and errors need quotes and
// escapes.
var oddOps = []KVOp{
	{Client: 3, Input: KVInput{Op: OpGet, Key: "a b,(c)"}, Output: KVOutput{Err: rpc.ErrNoKey}, Call: -5, Return: 7},
	{Client: 3, Input: KVInput{Op: OpPut, Key: "", Value: "q\"\n#\\", Version: 9}, Output: KVOutput{Err: "odd err"}, Call: 8, Return: 9},
	{Client: 4, Input: KVInput{Op: OpGet, Key: "k/2.x:y-z_"}, Output: KVOutput{Value: "é\x00\xff", Version: 1 << 63, Err: rpc.OK}, Call: -1 << 63, Return: 1<<63 - 1},
	{Client: 5, Input: KVInput{Op: OpPut, Key: "\t", Value: "", Version: 0}, Output: KVOutput{Unknown: true}, Call: 123456789012345678},
}

// bigHistory is the text of a generated history of n operations with a
// few odd ones, comments and blank lines among them.
func bigHistory(n int) string {
	ops := genKV(7, 20, n, 10)
	var b strings.Builder
	b.WriteString("# a generated history\n\n")
	for i := 0; i < len(ops); i += 1000 {
		b.WriteString(FormatKV(ops[i:min(i+1000, len(ops))]))
		b.WriteString(FormatKV(oddOps))
		b.WriteString("  \t# a comment\r\n\r\n")
	}
	return b.String()
}

// TestParseKVLargeHistoryAsBefore: a generated history of 200,000
// operations (and a few odd ones) reads as it did before ParseKV streamed,
// its strings copied out of the reader's buffer (read a byte at a time, a
// string still pointing into it would change under it).
func TestParseKVLargeHistoryAsBefore(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	text := bigHistory(n)
	sameAsBefore(t, text, plain)
	ops, _ := ParseKV(text)
	if len(ops) < n {
		t.Fatalf("%d ops, want at least %d", len(ops), n)
	}
	small := bigHistory(5000)
	sameAsBefore(t, small, iotest.OneByteReader)
	sameAsBefore(t, small, iotest.HalfReader)
	sameAsBefore(t, small, iotest.DataErrReader)
}

// TestParseKVMutationsAsBefore: texts edited at random parse, or fail with
// the error and position, as before.
func TestParseKVMutationsAsBefore(t *testing.T) {
	base := FormatKV(append(genKV(3, 4, 30, 3), oddOps...))
	alphabet := []byte("c[],?()->\"@v# \t\r\n\\0123456789-_xék")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20_000 {
		b := []byte(base)
		for range 1 + rng.IntN(3) {
			i := rng.IntN(len(b) + 1)
			switch rng.IntN(3) {
			case 0:
				b = append(b[:i:i], append([]byte{alphabet[rng.IntN(len(alphabet))]}, b[i:]...)...)
			case 1:
				if i < len(b) {
					b = append(b[:i:i], b[i+1:]...)
				}
			default:
				if i < len(b) {
					b[i] = alphabet[rng.IntN(len(alphabet))]
				}
			}
		}
		sameAsBefore(t, string(b), plain)
	}
}

func TestParseKVErrorsAsBefore(t *testing.T) {
	for _, text := range []string{
		"", "\n", "#", "c0 [1,2] get(k) -> OK\r", "c0 [1,2] get(k) -> \r", "c0 [1,2] get(k) ->\r\n",
		`c0 [1,99999999999999999999] get(k) -> OK`, `c0 [1,-9223372036854775808] get(k) -> OK`,
		`c0 [1,-9223372036854775809] get(k) -> OK`, `c0 [1,1_0] get(k) -> OK`, `c-0 [-0,+1] get(k) -> OK`,
		`c0 [1,2] put(k, "v", v18446744073709551615) -> OK`, `c0 [1,2] put(k, "v", v18446744073709551616) -> OK`,
		`c0 [1,2] put(k, "v", vv1) -> OK`, `c0 [1,2] put(k, "v", v) -> OK`, `c0 [1,2] put(k, "v", v-1) -> OK`,
		`c0 [1,2] get("k\"") -> "\u00e9"@v1`, "c0 [1,2] get(\"\xff\") -> OK", `c0 [1,2] get("k\q") -> OK`,
		`c0 [1,2] get('k') -> OK`, "c0 [1,2] get(`k`) -> OK", `c0 [1,2] get(k) -> "odd"`, `c0 [1,2] get(k) -> "x"@`,
		`c0 [1,2] getx(k) -> OK`, `c0[1,2]get(k)->"x"@v1#`, `c0 [1,2] get(k) -> OK # c1 [1,2]`,
	} {
		sameAsBefore(t, text, plain)
	}
}

func FuzzParseKV(f *testing.F) {
	f.Add(FormatKV(oddOps))
	f.Add(FormatKV(genKV(1, 3, 10, 2)))
	f.Add("\n# a comment\n\t c0 [ 1 , 2 ]  get( k1 )->ErrNoKey   # trailing\r\n\n")
	f.Add(`c0 [1,2] put(k, "v) -> OK`)
	f.Fuzz(func(t *testing.T, text string) {
		sameAsBefore(t, text, plain)
	})
}

// endless is an io.Reader of a line that never ends, after a first
// operation; it counts what it gave.
type endless struct {
	first string
	read  int
}

func (r *endless) Read(p []byte) (int, error) {
	n := copy(p, r.first)
	r.first = r.first[n:]
	for i := n; i < len(p); i++ {
		p[i] = 'x'
	}
	r.read += len(p)
	return len(p), nil
}

// TestReadKVEnormousLine: a line longer than MaxKVLine fails with its line
// number, after reading no more than MaxKVLine bytes and allocating buffers
// of twice that in all; a line of MaxKVLine bytes is read; ParseKV reads
// any line.
func TestReadKVEnormousLine(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	first := "c0 [1,2] get(k) -> ErrNoKey\n"
	r := &endless{first: first}
	_, _, err := ReadKV(r)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "models: ReadKV: line 2: longer than 16777215 bytes, too long for an operation") {
		t.Fatalf("ReadKV of an endless line: %v", err)
	}
	if r.read > len(first)+MaxKVLine {
		t.Errorf("read %d bytes of an endless line; MaxKVLine is %d", r.read, MaxKVLine)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2*MaxKVLine+64<<10 {
		t.Errorf("allocated %d bytes for an endless line; MaxKVLine is %d", alloc, MaxKVLine)
	}

	long := "#" + strings.Repeat("x", MaxKVLine-2) // and a newline: MaxKVLine bytes
	ops, lines, err := ReadKV(strings.NewReader(long + "\nc0 [1,2] get(k) -> ErrNoKey\n"))
	if err != nil || len(ops) != 1 || !reflect.DeepEqual(lines, []int{2}) {
		t.Errorf("ReadKV of a line of MaxKVLine bytes: %d ops, lines %v, %v", len(ops), lines, err)
	}
	if _, _, err := ReadKV(strings.NewReader(long)); err != nil {
		t.Errorf("ReadKV of a last line of MaxKVLine-1 bytes, no newline: %v", err)
	}
	if _, _, err := ReadKV(strings.NewReader(long + "x\n")); err == nil || !strings.Contains(err.Error(), "line 1: longer than") {
		t.Errorf("ReadKV of a line of MaxKVLine+1 bytes: %v", err)
	}
	if ops, err := ParseKV("c0 [1,2] get(k) -> ErrNoKey " + long); err != nil || len(ops) != 1 {
		t.Errorf("ParseKV of a line longer than MaxKVLine: %d ops, %v", len(ops), err)
	}
}

// TestReadKVJunkAllocatesLittle: a large text that is not a history, its
// lines as long as the shortest operations, fails at its first line
// without making room for as many operations as it has lines.
func TestReadKVJunkAllocatesLittle(t *testing.T) {
	junk := strings.Repeat("c000000000000000\n", 1<<20)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := ReadKV(strings.NewReader(junk))
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "line 1, column 17: expected \"[\"") {
		t.Fatalf("ReadKV of junk: %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("allocated %d bytes for junk", alloc)
	}
}

func TestReadKVReadError(t *testing.T) {
	bad := errors.New("disk on fire")
	_, _, err := ReadKV(io.MultiReader(strings.NewReader("c0 [1,2] get(k) -> ErrNoKey\n\n"), iotest.ErrReader(bad)))
	if !errors.Is(err, bad) || !strings.Contains(err.Error(), "models: ReadKV: reading line 3: disk on fire") {
		t.Errorf("ReadKV: %v", err)
	}
}

// BenchmarkParseKV reads the text of a generated history of 100,000
// operations.
func BenchmarkParseKV(b *testing.B) {
	text := FormatKV(genKV(7, 20, 100_000, 10))
	b.Run("ParseKV", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ParseKV(text); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ReadKV", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := ReadKV(strings.NewReader(text)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("before", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := refParseKV(text); err != nil {
				b.Fatal(err)
			}
		}
	})
}
