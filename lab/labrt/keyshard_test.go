package labrt

import "testing"

// TestKeyShard: a folder's Key2Shard of an integer type is taken, through
// its named types; anything else gives the one-owner check no Gets.
func TestKeyShard(t *testing.T) {
	type tshid int
	type key string
	for _, tc := range []struct {
		name string
		f    any
		ok   bool
	}{
		{"the course's", func(k string) tshid { return tshid(len(k) % 10) }, true},
		{"int", func(k string) int { return len(k) % 10 }, true},
		{"uint8 of a named string", func(k key) uint8 { return uint8(len(k) % 10) }, true},
		{"nil", nil, false},
		{"a nil func", (func(string) int)(nil), false},
		{"not a func", 3, false},
		{"two results", func(k string) (int, error) { return 0, nil }, false},
		{"a string result", func(k string) string { return k }, false},
		{"an int argument", func(k int) int { return k }, false},
		{"variadic", func(k ...string) int { return 0 }, false},
	} {
		got := keyShard(tc.f)
		if (got != nil) != tc.ok {
			t.Errorf("%s: taken %v, want %v", tc.name, got != nil, tc.ok)
			continue
		}
		if got != nil && got("abcd") != 4 {
			t.Errorf("%s: shard of \"abcd\" = %d, want 4", tc.name, got("abcd"))
		}
	}
}
