package check

import (
	"testing"

	"github.com/kvsim/kvsim"
)

// hoard is a server that keeps n bytes whatever its data.
type hoard struct{ kept []byte }

func TestMemory(t *testing.T) {
	r := history(t, `
c0 [0,1] put(a, "x", v0) -> OK
c1 [2,3] put(bb, "yy", v0) -> OK
c1 [4,5] get(a) -> "x"@v1`)
	r.Read = store(map[string]string{"a": "x", "bb": "yy"})
	// Two keys and 6 bytes of keys and values: 1024 + 2*128 + 2*6 bytes.
	const limit = 1024 + 2*128 + 2*6
	r.Server = &hoard{make([]byte, limit-int(sizeOfHoard))}
	none(t, run(r, &Memory{Label: "many-clients"}))
	r.Server = &hoard{make([]byte, limit-int(sizeOfHoard)+1)}
	only(t, run(r, &Memory{Label: "many-clients"}), kvsim.Violation,
		"many-clients: server holds 1293 bytes for 2 keys and 6 bytes of data (limit 1292): its memory grows with the traffic, not the data")
	// Keys given: their data, not the history's keys'.
	only(t, run(r, &Memory{Label: "many-clients", Keys: []string{"a"}}), kvsim.Violation,
		"many-clients: server holds 1293 bytes for 1 keys and 2 bytes of data (limit 1156)")
	r.Read = nil
	none(t, run(r, &Memory{})) // no way to read the server
}

// sizeOfHoard is what Footprint counts of a hoard besides its bytes.
var sizeOfHoard = Footprint(&hoard{})

// TestFootprint: Footprint counts what a value keeps, each pointee once.
func TestFootprint(t *testing.T) {
	type node struct {
		Name string
		Next *node
		M    map[string][]byte
	}
	shared := &node{Name: "shared"}
	small := Footprint(&node{Next: shared})
	both := Footprint([]*node{{Next: shared}, {Next: shared}})
	if small <= 0 || both >= 2*small+16 {
		t.Errorf("footprints %d and %d: a pointee shared by two is counted twice", small, both)
	}
	grown := Footprint(&node{M: map[string][]byte{"k": make([]byte, 1000)}})
	if grown < 1000 {
		t.Errorf("footprint %d of a map holding 1000 bytes", grown)
	}
}
